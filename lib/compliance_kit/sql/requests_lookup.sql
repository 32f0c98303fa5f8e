-- Request turnaround (docs/metrics-requests.md, "How it runs"): day-based deadlines for
-- every (rule, calendar) in request_rules and every possible start day (calendar_days): the
-- unrolled date (orig: the rule's amount; ext: amount + extension) and the date rolled
-- forward to a working day where the rule says so (business days always end on one).
-- Per (rule, calendar, zone) (rc_id: request_rules), also the instants those dates end in
-- the zone (orig_rolled_by, ext_rolled_by: one local midnight per lookup row rather than
-- per request). Stored as the TEMP table request_due_lookup; each request meets it
-- through one join per slot.
-- macros: requests_macros.sql
WITH
rule_cals AS (
    SELECT DISTINCT p_rc AS rc_id, p_rule AS rule_id, p_cal AS cal, rules_tz AS tz FROM request_rules WHERE p_rc IS NOT NULL
    UNION
    SELECT DISTINCT w_rc, w_rule, w_cal, rules_tz FROM request_rules WHERE w_rc IS NOT NULL
    UNION
    SELECT DISTINCT a_rc, a_rule, a_cal, rules_tz FROM request_rules WHERE a_rc IS NOT NULL
    UNION
    SELECT DISTINCT t_rc, t_rule, t_cal, rules_tz FROM request_rules WHERE t_rc IS NOT NULL
),
lookup_raw AS (
    SELECT rc.rc_id, cd.day AS start_date, d.roll_forward OR d.unit = 'business_days' AS roll, rc.cal, rc.tz,
           CASE d.unit
               -- ICO: the corresponding date of the month n later, its last day if none
               WHEN 'calendar_months' THEN CAST(cd.day + to_months(d.amount) AS DATE)
               WHEN 'calendar_days' THEN cd.day + d.amount
               WHEN 'business_days' THEN b1.day                -- the n-th working day after start
           END AS orig_raw,
           CASE d.unit
               WHEN 'calendar_months' THEN CAST(cd.day + to_months(d.amount + d.extension_amount) AS DATE)
               WHEN 'calendar_days' THEN cd.day + (d.amount + d.extension_amount)
               WHEN 'business_days' THEN b2.day
           END AS ext_raw
    FROM rule_cals AS rc
    JOIN request_deadline_rules AS d USING (rule_id)
    JOIN calendar_days AS cd ON cd.calendar = rc.cal
    LEFT JOIN calendar_days AS b1
      ON d.unit = 'business_days' AND b1.calendar = rc.cal AND b1.is_working
     AND b1.working_day_index = cd.working_day_index + d.amount
    LEFT JOIN calendar_days AS b2
      ON d.unit = 'business_days' AND b2.calendar = rc.cal AND b2.is_working
     AND b2.working_day_index = cd.working_day_index + d.amount + d.extension_amount
    WHERE d.unit IN ('calendar_months', 'calendar_days', 'business_days')
)
SELECT l.rc_id, l.start_date, l.orig_raw, l.ext_raw,
       CASE WHEN l.roll THEN r1.next_working_day ELSE l.orig_raw END AS orig_rolled,
       CASE WHEN l.roll THEN r2.next_working_day ELSE l.ext_raw END AS ext_rolled,
       rq_local_midnight(orig_rolled + 1, l.tz) AS orig_rolled_by,
       rq_local_midnight(ext_rolled + 1, l.tz) AS ext_rolled_by
FROM lookup_raw AS l
LEFT JOIN calendar_days AS r1 ON r1.calendar = l.cal AND r1.day = l.orig_raw
LEFT JOIN calendar_days AS r2 ON r2.calendar = l.cal AND r2.day = l.ext_raw


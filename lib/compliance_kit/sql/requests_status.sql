-- Request turnaround: one row per data-subject request in scope, with the deadline that
-- applies to it, which rule decided it, and its class as of a date.
-- Needs the TEMP table calendar_days (compliance_kit.calendars.materialise_calendars).
-- Parameters: $as_of DATE; $window_start, $window_end DATE or NULL (received_at, inclusive);
-- $jurisdictions VARCHAR[] or NULL (a request matches when one of its ancestors, itself
-- included, is listed: 'EEA' selects FR); $types VARCHAR[] or NULL.
-- Dates are taken in UTC (the session TimeZone): received_at::DATE is the day of receipt.
-- Definitions: docs/metrics-requests.md.
WITH
req AS (
    SELECT r.request_id, r.jurisdiction, r.type, r.channel, r.received_at, r.id_requested_at,
           r.id_verified_at, r.extension_notified_at, r.completed_at, r.outcome,
           r.received_at::DATE AS received_date,
           -- as of the END of the as-of day: a completion later than that is still open
           CASE WHEN r.completed_at < ($as_of::DATE + 1)::TIMESTAMPTZ THEN r.completed_at END AS done_at
    FROM requests AS r
    WHERE r.received_at < ($as_of::DATE + 1)::TIMESTAMPTZ
      AND ($window_start::DATE IS NULL OR r.received_at >= $window_start::DATE::TIMESTAMPTZ)
      AND ($window_end::DATE IS NULL OR r.received_at < ($window_end::DATE + 1)::TIMESTAMPTZ)
      AND ($types::VARCHAR[] IS NULL OR list_contains($types::VARCHAR[], r.type))
      AND ($jurisdictions::VARCHAR[] IS NULL OR r.jurisdiction IN (
              SELECT code FROM jurisdiction_lineage
              WHERE list_contains($jurisdictions::VARCHAR[], ancestor)
              UNION ALL SELECT unnest($jurisdictions::VARCHAR[])))
),
-- The hierarchy, plus GLOBAL for a request code the policy store does not know.
lin AS (
    SELECT code, ancestor, depth FROM jurisdiction_lineage
    UNION ALL
    SELECT DISTINCT q.jurisdiction, 'GLOBAL', 1000 FROM req AS q
    WHERE q.jurisdiction NOT IN (SELECT code FROM jurisdiction_lineage)
),
-- Rule resolution runs once per (jurisdiction, type, day of receipt), not per request.
combos AS (
    SELECT DISTINCT jurisdiction, type, received_date FROM req
),
ranked AS (
    SELECT c.jurisdiction, c.type, c.received_date, d.rule_id, d.deadline_kind,
           row_number() OVER (
               PARTITION BY c.jurisdiction, c.type, c.received_date, d.deadline_kind
               ORDER BY l.depth,                                   -- most specific jurisdiction
                        (d.request_type = '*'),                    -- a rule for the type beats '*'
                        d.valid_from DESC,                         -- the version in force
                        (d.basis <> 'policy'),                     -- policy first, statute where silent
                        d.rule_id) AS rn
    FROM combos AS c
    JOIN lin AS l ON l.code = c.jurisdiction
    JOIN request_deadline_rules AS d
      ON d.jurisdiction = l.ancestor AND d.request_type IN (c.type, '*')
     AND d.valid_from <= c.received_date
),
-- The policy-wide promises (GLOBAL, basis policy, stated for the type: "delete within
-- 10 days") apply everywhere on top of the most specific rule; the earliest deadline wins.
policy_wide AS (
    SELECT c.jurisdiction, c.type, c.received_date, d.rule_id, d.deadline_kind
    FROM combos AS c
    JOIN request_deadline_rules AS d
      ON d.jurisdiction = 'GLOBAL' AND d.basis = 'policy' AND d.request_type = c.type
     AND d.deadline_kind = 'response' AND d.valid_from <= c.received_date
    QUALIFY row_number() OVER (PARTITION BY c.jurisdiction, c.type, c.received_date
                               ORDER BY d.valid_from DESC, d.rule_id) = 1
),
chosen AS (
    SELECT jurisdiction, type, received_date, rule_id, deadline_kind,
           min(role_rank) AS role_rank            -- 0: the most specific rule, 1: policy-wide
    FROM (SELECT * EXCLUDE (rn), 0 AS role_rank FROM ranked WHERE rn = 1
          UNION ALL
          SELECT *, 1 FROM policy_wide)
    GROUP BY ALL
),
-- Whose holidays count: the rule's calendar; else the calendar of the data controller
-- serving the request's jurisdiction (most specific scope); else weekends only.
controller_cal AS (
    SELECT l.code, upper(trim(dc.holiday_calendar)) AS cal
    FROM lin AS l JOIN data_controllers AS dc ON dc.scope = l.ancestor
    WHERE dc.holiday_calendar IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY l.code ORDER BY l.depth) = 1
),
pairs AS (
    SELECT q.request_id, q.received_at, q.received_date, q.id_requested_at, q.id_verified_at,
           q.extension_notified_at, q.done_at,
           d.rule_id, d.deadline_kind, ch.role_rank, d.unit, d.amount,
           d.extension_unit, d.extension_amount, d.extension_needs_notice, d.clock_start,
           d.pause_for_identity,
           d.roll_forward OR d.unit = 'business_days' AS roll,
           coalesce(upper(trim(d.holiday_calendar)), cc.cal, 'WEEKEND') AS cal,
           CASE WHEN d.clock_start = 'receipt' THEN q.received_at
                WHEN q.id_verified_at IS NOT NULL THEN q.id_verified_at
                WHEN q.id_requested_at IS NULL THEN q.received_at   -- no identity check asked
           END AS start_at                                         -- NULL: clock not started
    FROM req AS q
    JOIN chosen AS ch USING (jurisdiction, type, received_date)
    JOIN request_deadline_rules AS d ON d.rule_id = ch.rule_id
    LEFT JOIN controller_cal AS cc ON cc.code = q.jurisdiction
),
-- The identity pause (where the rule allows one): from id_requested_at to id_verified_at,
-- or, while still outstanding, to the completion or the as-of date (its end, for hours).
-- Counted in whole calendar days for day-based units, exactly for hours; it moves the
-- deadline.
paused AS (
    SELECT p.*, p.start_at::DATE AS start_date,
           coalesce(p.pause_for_identity AND p.id_requested_at IS NOT NULL
                    AND p.id_requested_at >= p.start_at, FALSE) AS pause_applies,
           CASE WHEN pause_applies THEN coalesce(p.id_verified_at, p.done_at,
                                                 ($as_of::DATE + 1)::TIMESTAMPTZ) END AS pause_end
    FROM pairs AS p
),
paused2 AS (
    SELECT *,
           CASE WHEN pause_applies THEN greatest(date_diff('day', id_requested_at::DATE,
                    least(pause_end::DATE, $as_of::DATE)), 0)
                ELSE 0 END::INTEGER AS pause_days,
           CASE WHEN pause_applies THEN greatest(pause_end - id_requested_at, INTERVAL 0 SECOND)
                ELSE INTERVAL 0 SECOND END AS pause_span
    FROM paused
),
-- Day-based deadlines, computed once per distinct key and joined back.
day_keys AS (
    SELECT DISTINCT unit, cal, roll, start_date, pause_days, n FROM (
        SELECT unit, cal, roll, start_date, pause_days, amount AS n FROM paused2
        WHERE unit IN ('calendar_months', 'calendar_days', 'business_days') AND start_date IS NOT NULL
        UNION ALL
        SELECT unit, cal, roll, start_date, pause_days, amount + extension_amount FROM paused2
        WHERE unit IN ('calendar_months', 'calendar_days', 'business_days') AND start_date IS NOT NULL
          AND extension_amount IS NOT NULL AND extension_notified_at IS NOT NULL)
),
day_raw AS (
    SELECT k.*,
           CASE k.unit
               -- ICO: the corresponding date of the month n later, its last day if none
               WHEN 'calendar_months' THEN CAST(k.start_date + to_months(k.n) AS DATE)
               WHEN 'calendar_days' THEN k.start_date + k.n
               WHEN 'business_days' THEN bd.day               -- the n-th working day after start
           END + k.pause_days AS due_raw
    FROM day_keys AS k
    LEFT JOIN calendar_days AS s
      ON k.unit = 'business_days' AND s.calendar = k.cal AND s.day = k.start_date
    LEFT JOIN calendar_days AS bd
      ON k.unit = 'business_days' AND bd.calendar = k.cal AND bd.is_working
     AND bd.working_day_index = s.working_day_index + k.n
),
day_due AS (
    SELECT r.unit, r.cal, r.roll, r.start_date, r.pause_days, r.n, r.due_raw,
           CASE WHEN r.roll THEN w.next_working_day ELSE r.due_raw END AS due_date
    FROM day_raw AS r
    LEFT JOIN calendar_days AS w ON w.calendar = r.cal AND w.day = r.due_raw
),
-- Hour-based deadlines: an instant; rolled to the end of the next working day if it falls
-- on a non-working day and the rule rolls forward.
hour_pairs AS (
    SELECT p.request_id, p.rule_id, n_orig, n_ext,
           p.start_at + to_hours(n_orig) + p.pause_span AS orig_at,
           p.start_at + to_hours(n_ext) + p.pause_span AS ext_at,
           p.roll, p.cal
    FROM (SELECT *, amount AS n_orig, amount + coalesce(extension_amount, 0) AS n_ext
          FROM paused2 WHERE unit = 'hours' AND start_at IS NOT NULL) AS p
),
hour_due AS (
    SELECT h.request_id, h.rule_id,
           CASE WHEN h.roll AND NOT w1.is_working THEN w1.next_working_day ELSE h.orig_at::DATE END AS orig_due_date,
           CASE WHEN h.roll AND NOT w1.is_working THEN (w1.next_working_day + 1)::TIMESTAMPTZ ELSE h.orig_at END AS orig_due_by,
           CASE WHEN h.roll AND NOT w2.is_working THEN w2.next_working_day ELSE h.ext_at::DATE END AS ext_due_date,
           CASE WHEN h.roll AND NOT w2.is_working THEN (w2.next_working_day + 1)::TIMESTAMPTZ ELSE h.ext_at END AS ext_due_by
    FROM hour_pairs AS h
    LEFT JOIN calendar_days AS w1 ON w1.calendar = h.cal AND w1.day = h.orig_at::DATE
    LEFT JOIN calendar_days AS w2 ON w2.calendar = h.cal AND w2.day = h.ext_at::DATE
),
pair_due AS (
    SELECT p.request_id, p.rule_id, p.deadline_kind, p.role_rank, p.unit, p.cal,
           p.extension_amount, p.extension_needs_notice, p.extension_notified_at,
           p.start_at, p.pause_applies, p.pause_days,
           coalesce(o.due_date, hd.orig_due_date) AS orig_due_date,
           coalesce((o.due_date + 1)::TIMESTAMPTZ, hd.orig_due_by) AS orig_due_by,
           coalesce(e.due_date, hd.ext_due_date) AS ext_due_date,
           coalesce((e.due_date + 1)::TIMESTAMPTZ, hd.ext_due_by) AS ext_due_by
    FROM paused2 AS p
    LEFT JOIN day_due AS o
      ON o.unit = p.unit AND o.cal = p.cal AND o.roll = p.roll AND o.start_date = p.start_date
     AND o.pause_days = p.pause_days AND o.n = p.amount
    LEFT JOIN day_due AS e
      ON p.extension_amount IS NOT NULL AND p.extension_notified_at IS NOT NULL
     AND e.unit = p.unit AND e.cal = p.cal AND e.roll = p.roll AND e.start_date = p.start_date
     AND e.pause_days = p.pause_days AND e.n = p.amount + p.extension_amount
    LEFT JOIN hour_due AS hd ON hd.request_id = p.request_id AND hd.rule_id = p.rule_id
),
-- An extension counts when the rule allows one and, where notice is needed, the notice
-- came before the end of the original deadline. A later notice counts for nothing.
pair_final AS (
    SELECT *,
           coalesce(extension_amount IS NOT NULL AND extension_notified_at IS NOT NULL
                    AND (NOT extension_needs_notice OR extension_notified_at < orig_due_by),
                    FALSE) AS ext_counts,
           CASE WHEN ext_counts THEN ext_due_date ELSE orig_due_date END AS due_date,
           CASE WHEN ext_counts THEN ext_due_by ELSE orig_due_by END AS due_by,
           -- sort key of "earliest deadline wins"; on a tie the most specific rule decides
           epoch_us(due_by) * 2 + role_rank AS pick
    FROM pair_due
),
response AS (
    SELECT request_id,
           string_agg(rule_id, ',' ORDER BY role_rank, rule_id) AS rules_applied,
           bool_or(unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours')) AS has_fixed_rule,
           bool_or(unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours')
                   AND start_at IS NULL) AS clock_waiting,
           arg_min(rule_id, pick) AS deciding_rule_id,
           arg_min(cal, pick) AS calendar,
           arg_min(due_date, pick) AS due_date,
           min(due_by) AS due_by,
           min(orig_due_date) AS original_due_date,
           min(orig_due_by) AS original_due_by,
           arg_min(ext_counts, pick) AS extended,
           arg_min(pause_applies, pick) AS paused,
           arg_min(pause_days, pick) AS pause_days,
           -- rules without a fixed period, for the "no fixed deadline" report
           arg_min(rule_id, role_rank) FILTER (WHERE unit IN ('without_delay', 'none')) AS open_ended_rule_id
    FROM pair_final
    WHERE deadline_kind = 'response'
    GROUP BY request_id
),
ack AS (
    SELECT request_id, arg_min(rule_id, pick) AS ack_rule_id, min(due_date) AS ack_due_date,
           min(due_by) AS ack_due_by
    FROM pair_final
    WHERE deadline_kind = 'acknowledgement'
    GROUP BY request_id
),
joined AS (
    SELECT q.*, r.*, a.ack_rule_id, a.ack_due_date, a.ack_due_by,
           d.basis, d.confidence, d.unit, d.amount, d.citation
    FROM req AS q
    LEFT JOIN response AS r USING (request_id)
    LEFT JOIN ack AS a USING (request_id)
    LEFT JOIN request_deadline_rules AS d
      ON d.rule_id = coalesce(r.deciding_rule_id, r.open_ended_rule_id)
)
SELECT
    request_id, jurisdiction, type, channel, received_at, received_date,
    date_trunc('month', received_date)::DATE AS month,
    date_trunc('week', received_date)::DATE AS week,
    completed_at, done_at IS NOT NULL AS completed, outcome,
    CASE WHEN due_by IS NOT NULL THEN 'fixed'
         WHEN clock_waiting THEN 'clock_not_started'
         WHEN has_fixed_rule IS NULL THEN 'no_rule'
         ELSE unit END AS deadline_status,     -- fixed | clock_not_started | without_delay | none | no_rule
    rules_applied, coalesce(deciding_rule_id, open_ended_rule_id) AS deciding_rule_id,
    unit, amount, basis, confidence, citation, calendar,
    original_due_date, due_date, due_by,
    coalesce(extended, FALSE) AS extended,
    extension_notified_at,
    coalesce(extension_notified_at >= original_due_by, FALSE) AS extension_notice_late,
    coalesce(paused, FALSE) AS paused, coalesce(pause_days, 0) AS pause_days,
    CASE
        WHEN due_by IS NULL AND NOT coalesce(clock_waiting, FALSE) THEN NULL
        WHEN done_at IS NOT NULL THEN
            CASE WHEN due_by IS NULL OR done_at < due_by THEN 'responded_in_time' ELSE 'responded_late' END
        WHEN due_by IS NULL OR due_by >= ($as_of::DATE + 1)::TIMESTAMPTZ THEN 'open_in_time'
        ELSE 'open_late'
    END AS class,
    CASE WHEN done_at IS NOT NULL THEN date_diff('day', received_date, done_at::DATE) END AS days_to_complete,
    date_diff('day', received_date, coalesce(done_at::DATE, $as_of::DATE)) AS days_observed,
    CASE WHEN due_date IS NOT NULL
         THEN date_diff('day', coalesce(done_at::DATE, $as_of::DATE), due_date) END AS days_to_deadline,
    CASE WHEN done_at IS NULL AND due_by IS NOT NULL THEN
        CASE WHEN due_by < ($as_of::DATE + 1)::TIMESTAMPTZ THEN 'past_due'
             WHEN date_diff('day', $as_of::DATE, due_date) <= 5 THEN 'due_within_5_days'
             ELSE 'more_than_5_days' END
    END AS queue_bucket,
    ack_rule_id, ack_due_date,
    least(id_requested_at, extension_notified_at, done_at) AS acknowledged_at,
    CASE WHEN ack_due_by IS NULL THEN NULL
         WHEN least(id_requested_at, extension_notified_at, done_at) < ($as_of::DATE + 1)::TIMESTAMPTZ THEN
             CASE WHEN least(id_requested_at, extension_notified_at, done_at) < ack_due_by
                  THEN 'acknowledged_in_time' ELSE 'acknowledged_late' END
         WHEN ack_due_by >= ($as_of::DATE + 1)::TIMESTAMPTZ THEN 'awaiting_in_time'
         ELSE 'awaiting_late'
    END AS ack_class
FROM joined

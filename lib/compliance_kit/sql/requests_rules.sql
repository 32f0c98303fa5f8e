-- Request turnaround (docs/metrics-requests.md, "How it runs"): which deadline rules apply,
-- resolved once per (jurisdiction, type, rule period) found in `requests` (a few hundred
-- rows, not one per request; a small table keeps the per-request join cache-resident). A
-- rule period (request_epochs) starts at a valid_from date of some rule and ends before the
-- next one, so every rule is either in force for the whole period or not at all.
-- compliance_kit.analysis.requests.prepare() stores the result as the TEMP table
-- request_rules. Three slots per row (columns prefixed p_, w_, a_):
--   p  the most specific rule for the request's jurisdiction and type,
--   w  the policy-wide promise for the type (GLOBAL, basis policy: "delete within 10 days"),
--   a  the acknowledgement rule (CCPA: confirm receipt within 10 business days),
--   t  the most specific statute with a fixed period, when p is not that rule (the law
--      still applies under the policy's promise: the earliest deadline wins, issue 16).
-- The per-slot text is written once in requests_slot.sql and expanded for each slot.
-- slots: requests_slot.sql for s in p, w, a, t
-- macros: requests_macros.sql
-- Needs the TEMP macro rq_day (requests_macros.sql). Definitions: docs/metrics-requests.md.
WITH
-- Every rule period from the first to the last local day of receipt of each (jurisdiction,
-- type): a superset of the periods the requests fall in (a period without requests only
-- adds a row no request meets), found from two local days per pair instead of one per
-- request.
spans AS (
    SELECT r.jurisdiction, r.type, min(r.received_at) AS first_at, max(r.received_at) AS last_at
    FROM requests AS r
    GROUP BY r.jurisdiction, r.type
),
combos AS (
    SELECT DISTINCT s.jurisdiction, s.type, e.epoch_start
    FROM spans AS s
    LEFT JOIN request_zones AS z ON z.jurisdiction = s.jurisdiction
    -- the days of receipt in the request's zone (request_zones, compliance_kit.timezones)
    JOIN request_epochs AS e
      ON e.day BETWEEN rq_local_day(s.first_at, coalesce(z.time_zone, 'UTC'))
                   AND rq_local_day(s.last_at, coalesce(z.time_zone, 'UTC'))
),
-- The hierarchy, plus GLOBAL for a request code the policy store does not know.
lin AS (
    SELECT code, ancestor, depth FROM jurisdiction_lineage
    UNION ALL
    SELECT DISTINCT c.jurisdiction, 'GLOBAL', 1000 FROM combos AS c
    WHERE c.jurisdiction NOT IN (SELECT code FROM jurisdiction_lineage)
),
ranked AS (
    SELECT c.jurisdiction, c.type, c.epoch_start, d.rule_id, d.deadline_kind,
           row_number() OVER (
               PARTITION BY c.jurisdiction, c.type, c.epoch_start, d.deadline_kind
               ORDER BY l.depth,                                   -- most specific jurisdiction
                        (d.request_type = '*'),                    -- a rule for the type beats '*'
                        (d.unit IN ('without_delay', 'none')),     -- at one level, a fixed period is the measurable bound
                        (d.basis <> 'policy'),                     -- policy first, statute where silent
                        d.valid_from DESC,                         -- the version in force
                        d.rule_id) AS rn
    FROM combos AS c
    JOIN lin AS l ON l.code = c.jurisdiction
    JOIN request_deadline_rules AS d
      ON d.jurisdiction = l.ancestor AND d.request_type IN (c.type, '*')
     AND d.valid_from <= c.epoch_start
),
-- The policy-wide promises (GLOBAL, basis policy, stated for the type: "delete within
-- 10 days") apply everywhere on top of the most specific rule; the earliest deadline wins.
-- The statute beside the policy: the most specific statutory rule with a fixed period.
statute AS (
    SELECT c.jurisdiction, c.type, c.epoch_start, d.rule_id
    FROM combos AS c
    JOIN lin AS l ON l.code = c.jurisdiction
    JOIN request_deadline_rules AS d
      ON d.jurisdiction = l.ancestor AND d.request_type IN (c.type, '*')
     AND d.valid_from <= c.epoch_start AND d.basis = 'statute' AND d.deadline_kind = 'response'
     AND d.unit NOT IN ('without_delay', 'none')
    QUALIFY row_number() OVER (PARTITION BY c.jurisdiction, c.type, c.epoch_start
                               ORDER BY l.depth, (d.request_type = '*'), d.valid_from DESC, d.rule_id) = 1
),
policy_wide AS (
    SELECT c.jurisdiction, c.type, c.epoch_start, d.rule_id
    FROM combos AS c
    JOIN request_deadline_rules AS d
      ON d.jurisdiction = 'GLOBAL' AND d.basis = 'policy' AND d.request_type = c.type
     AND d.deadline_kind = 'response' AND d.valid_from <= c.epoch_start
    QUALIFY row_number() OVER (PARTITION BY c.jurisdiction, c.type, c.epoch_start
                               ORDER BY d.valid_from DESC, d.rule_id) = 1
),
slots AS (
    SELECT jurisdiction, type, epoch_start, 'p' AS slot, rule_id
    FROM ranked WHERE rn = 1 AND deadline_kind = 'response'
    UNION ALL
    SELECT w.jurisdiction, w.type, w.epoch_start, 'w', w.rule_id
    FROM policy_wide AS w
    LEFT JOIN ranked AS r
      ON r.rn = 1 AND r.deadline_kind = 'response' AND r.rule_id = w.rule_id
     AND r.jurisdiction = w.jurisdiction AND r.type = w.type AND r.epoch_start = w.epoch_start
    WHERE r.rule_id IS NULL                                        -- not already the p rule
    UNION ALL
    SELECT jurisdiction, type, epoch_start, 'a', rule_id
    FROM ranked WHERE rn = 1 AND deadline_kind = 'acknowledgement'
    UNION ALL
    SELECT t.jurisdiction, t.type, t.epoch_start, 't', t.rule_id
    FROM statute AS t
    LEFT JOIN ranked AS r
      ON r.rn = 1 AND r.deadline_kind = 'response' AND r.rule_id = t.rule_id
     AND r.jurisdiction = t.jurisdiction AND r.type = t.type AND r.epoch_start = t.epoch_start
    WHERE r.rule_id IS NULL                                        -- not already the p rule
),
-- Whose holidays count: the rule's calendar; else the calendar of the data controller
-- serving the request's jurisdiction (most specific scope); else weekends only.
controller_cal AS (
    SELECT l.code, upper(trim(dc.holiday_calendar)) AS cal
    FROM lin AS l JOIN data_controllers AS dc ON dc.scope = l.ancestor
    WHERE dc.holiday_calendar IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY l.code ORDER BY l.depth) = 1
),
-- The zone of the jurisdiction (request_zones; a code the store does not know: UTC) is part
-- of the key of the due-date lookup, which holds the instants the due days end.
slot_cal AS (
    SELECT s.*, coalesce(upper(trim(d.holiday_calendar)), cc.cal, 'WEEKEND') AS cal,
           coalesce(z.time_zone, 'UTC') AS tz
    FROM slots AS s
    JOIN request_deadline_rules AS d USING (rule_id)
    LEFT JOIN controller_cal AS cc ON cc.code = s.jurisdiction
    LEFT JOIN request_zones AS z ON z.jurisdiction = s.jurisdiction
),
rule_cals AS (
    SELECT rule_id, cal, tz, row_number() OVER (ORDER BY rule_id, cal, tz) AS rc_id
    FROM (SELECT DISTINCT rule_id, cal, tz FROM slot_cal)
),
slot_full AS (
    SELECT s.jurisdiction, s.type, s.epoch_start, s.slot, s.rule_id, s.cal, rc.rc_id,
           d.unit, d.amount, d.extension_amount, d.extension_needs_notice, d.clock_start,
           d.pause_for_identity, coalesce(d.pause_for_clarification, FALSE) AS pause_for_clarification,
           d.roll_forward OR d.unit = 'business_days' AS roll
    FROM slot_cal AS s
    JOIN rule_cals AS rc USING (rule_id, cal, tz)
    JOIN request_deadline_rules AS d USING (rule_id)
)
SELECT c.jurisdiction, c.type, c.epoch_start,
       -- the row's key, stored per request in request_status_base instead of the rule ids
       -- and calendars (strings: 16 bytes and more each per request), which the view
       -- request_status reads back from this table (requests_status_view.sql)
       CAST(row_number() OVER (ORDER BY c.jurisdiction, c.type, c.epoch_start) AS INTEGER) AS combo_id,
       coalesce(z.time_zone, 'UTC') AS rules_tz,  -- for requests_lookup.sql (one per rc_id)
       {combo_columns}
FROM combos AS c
LEFT JOIN request_zones AS z ON z.jurisdiction = c.jurisdiction
{combo_joins}


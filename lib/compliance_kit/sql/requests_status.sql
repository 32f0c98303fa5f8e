-- Request turnaround (docs/metrics-requests.md, "How it runs"): one row per data-subject
-- request in scope, with the deadline that applies to it, which rule decided it, and its
-- class as of a date. Stored as the TEMP table request_status_base, read through the view
-- request_status (requests_status_view.sql), which adds columns cheap to derive on demand.
-- A plain request (requests_in_scope.sql: nothing but its receipt moves its deadline) meets
-- its deadlines in request_plain_due (requests_plain_due.sql) by one join; the others go
-- through the slot machinery (requests_decided.sql: the TEMP tables request_epochs,
-- request_rules, request_due_lookup and calendar_days). The requests are read twice (plain,
-- the others), each read inlined: nothing per request is kept in memory but the result.
-- Parameters: $as_of DATE (the as-of day, for day arithmetic); $as_of_end TIMESTAMPTZ (the end
-- of that day, exclusive: compliance_kit.contract.AsOf.end, the one definition every SQL file
-- uses; here its date gives each request's local end of the as-of day); $window_start, $window_end
-- DATE or NULL (local days of receipt, inclusive);
-- $jurisdictions VARCHAR[] or NULL (a request matches when one of its ancestors, itself
-- included, is listed: 'EEA' selects FR); $types VARCHAR[] or NULL.
-- Days are local days in the request's zone (request_zones): rq_local_day(ts, tz),
-- rq_local_midnight(d, tz) (requests_macros.sql); "as of" is the end of the as-of day in
-- the request's zone (as_of_end, per request, derived from $as_of_end). Definitions: docs/metrics-requests.md.
-- with: zone_ends = requests_zone_ends.sql
-- with: req = requests_in_scope.sql
-- with: decided = requests_decided.sql
-- with: req_plain = requests_in_scope.sql
-- macros: requests_macros.sql
WITH
-- the same columns from both: the request's own, then its deadlines, then its
-- jurisdiction and type as ENUMs (a plain request's from request_plain_due, which it
-- matched on both)
decided_all AS (
    SELECT
        request_id, jurisdiction, type, channel, received_date, completed_at, done_at,
        done_date, outcome, denial_category, as_of_end, id_requested_at, id_verified_at,
        extension_notified_at, extension_told_until,
        combo_id, p_rule IS NULL AND w_rule IS NULL AS ruleless, p_unit, pick_w, pick_t, due_by,
        due_date, original_due_by, original_due_date, extended, paused, pause_days,
        clarification_days, told_beyond_max, clock_waiting, a_due_date, a_due_by,
        CAST(jurisdiction AS rq_jurisdiction_enum) AS jurisdiction_enum,
        CAST(type AS rq_type_enum) AS type_enum
    FROM decided
    UNION ALL
    SELECT
        q.request_id, q.jurisdiction, q.type, q.channel, q.received_date, q.completed_at,
        q.done_at, q.done_date, q.outcome, q.denial_category, q.as_of_end, q.id_requested_at,
        q.id_verified_at, q.extension_notified_at, q.extension_told_until,
        d.combo_id, d.ruleless, d.p_unit, d.pick_w, d.pick_t, d.due_by, d.due_date,
        -- nothing but the receipt moves a plain request's deadline: no extension notice
        -- (the original deadline is the deadline), no pause, no clarification, and its
        -- clock starts at receipt (request_plain_due keeps only what differs per day:
        -- every column the join carries costs a gather per request)
        d.due_by AS original_due_by, d.due_date AS original_due_date, FALSE AS extended,
        FALSE AS paused, 0 AS pause_days, 0 AS clarification_days, FALSE AS told_beyond_max,
        FALSE AS clock_waiting, d.a_due_date, d.a_due_by, d.jurisdiction_enum, d.type_enum
    FROM req_plain AS q
    JOIN request_plain_due AS d
      ON d.jurisdiction = q.jurisdiction AND d.type = q.type AND d.received_date = q.received_date
    WHERE q.plain
),
x_all AS (
    SELECT *, least(id_requested_at, extension_notified_at, done_at) AS acknowledged_at
    FROM decided_all
)
SELECT
    -- jurisdiction and type as the ENUMs of the store's codes and types (requests.prepare:
    -- one byte a value; docs/metrics-requests.md, "Fourth round"), as are the statuses below
    x.request_id, x.jurisdiction_enum AS jurisdiction, x.type_enum AS type, x.channel, x.received_date,
    x.completed_at, x.done_at IS NOT NULL AS completed, x.outcome,
    -- fixed | clock_not_started | without_delay | none | no_rule; a TRY_CAST: any other
    -- unit (a fixed rule that got no deadline) is NULL, which requests_status_check.sql
    -- reports as the bug it is
    TRY_CAST(CASE WHEN x.due_by IS NOT NULL THEN 'fixed'
                  WHEN coalesce(x.clock_waiting, FALSE) THEN 'clock_not_started'
                  WHEN x.ruleless THEN 'no_rule'
                  ELSE x.p_unit END
             AS ENUM('clock_not_started', 'fixed', 'no_rule', 'none', 'without_delay')) AS deadline_status,
    -- the request_rules row that gave the rule ids (p, w, t, a) and calendars: the view
    -- request_status reads them back from it, and the zone from request_zones, rather than
    -- storing six strings per request (docs/metrics-requests.md, "Where the time goes")
    x.combo_id AS rules_combo_id,
    x.pick_w AS decided_by_policy_wide, x.pick_t AS decided_by_statute,
    x.original_due_date, x.due_date,
    coalesce(x.extended, FALSE) AS extended,
    x.extension_notified_at, x.extension_told_until,
    coalesce(x.extension_notified_at >= x.original_due_by, FALSE) AS extension_notice_late,
    -- the requester was told a date beyond the legal maximum (issue 16): a finding of its own
    coalesce(x.told_beyond_max, FALSE) AS extension_told_beyond_max,
    coalesce(x.paused, FALSE) AS paused, coalesce(x.pause_days, 0) AS pause_days,
    coalesce(x.clarification_days, 0) AS clarification_days,
    -- the verification funnel (requests_funnel.sql)
    x.id_requested_at, x.id_verified_at, x.denial_category,
    CAST(CASE
        WHEN x.due_by IS NULL AND NOT coalesce(x.clock_waiting, FALSE) THEN NULL
        WHEN x.done_at IS NOT NULL THEN
            CASE WHEN x.due_by IS NULL OR x.done_at < x.due_by THEN 'responded_in_time' ELSE 'responded_late' END
        WHEN x.due_by IS NULL OR x.due_by >= x.as_of_end THEN 'open_in_time'
        ELSE 'open_late'
    END AS ENUM('open_in_time', 'open_late', 'responded_in_time', 'responded_late')) AS class,
    CASE WHEN x.done_at IS NOT NULL THEN date_diff('day', x.received_date, x.done_date) END AS days_to_complete,
    -- a far-east request received late on the as-of day (UTC) is already on the next local
    -- day: observed 0 days, not -1
    greatest(date_diff('day', x.received_date, coalesce(x.done_date, $as_of::DATE)), 0) AS days_observed,
    CASE WHEN x.due_date IS NOT NULL
         THEN date_diff('day', coalesce(x.done_date, $as_of::DATE), x.due_date) END AS days_to_deadline,
    CAST(CASE WHEN x.done_at IS NULL AND x.due_by IS NOT NULL THEN
        CASE WHEN x.due_by < x.as_of_end THEN 'past_due'
             WHEN date_diff('day', $as_of::DATE, x.due_date) <= 5 THEN 'due_within_5_days'
             ELSE 'more_than_5_days' END
    END AS ENUM('due_within_5_days', 'more_than_5_days', 'past_due')) AS queue_bucket,
    x.a_due_date AS ack_due_date,
    CAST(CASE WHEN x.a_due_by IS NULL THEN NULL
         WHEN x.acknowledged_at < x.as_of_end THEN
             CASE WHEN x.acknowledged_at < x.a_due_by THEN 'acknowledged_in_time' ELSE 'acknowledged_late' END
         WHEN x.a_due_by >= x.as_of_end THEN 'awaiting_in_time'
         ELSE 'awaiting_late'
    END AS ENUM('acknowledged_in_time', 'acknowledged_late', 'awaiting_in_time', 'awaiting_late')) AS ack_class
FROM x_all AS x

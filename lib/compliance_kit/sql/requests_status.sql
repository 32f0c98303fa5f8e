-- Request turnaround (docs/metrics-requests.md, "How it runs"): one row per data-subject
-- request in scope, with the deadline that applies to it, which rule decided it, and its
-- class as of a date. Stored as the TEMP table request_status_base, read through the view
-- request_status (requests_status_view.sql), which adds columns cheap to derive on demand.
-- Reads the TEMP tables request_epochs, request_rules (requests_rules.sql), request_due_lookup
-- (requests_lookup.sql) and calendar_days (compliance_kit.calendars); all joins are on
-- those small tables, so each request costs a few hash probes and no loop.
-- Parameters: $as_of DATE (the as-of day, for day arithmetic); $as_of_end TIMESTAMPTZ (the end
-- of that day, exclusive: compliance_kit.contract.AsOf.end, the one definition every SQL file
-- uses; an event counts when it happened strictly before it); $window_start, $window_end
-- DATE or NULL (received_at, inclusive);
-- $jurisdictions VARCHAR[] or NULL (a request matches when one of its ancestors, itself
-- included, is listed: 'EEA' selects FR); $types VARCHAR[] or NULL.
-- Days are UTC days: rq_day(ts) (requests_macros.sql). Definitions: docs/metrics-requests.md.
-- The per-slot text (placeholders in braces) is in requests_slot.sql.
-- slots: requests_slot.sql for s in p, w, a
-- macros: requests_macros.sql
WITH
req AS (
    SELECT r.request_id, r.jurisdiction, r.type, r.channel, r.received_at, r.completed_at,
           r.outcome, rq_day(r.received_at) AS received_date,
           -- As of the END of the as-of day: what happened later has not happened yet (a
           -- completion later than that leaves the request open; a later identity request,
           -- verification or extension notice is not known yet).
           CASE WHEN r.completed_at < $as_of_end THEN r.completed_at END AS done_at,
           CASE WHEN r.id_requested_at < $as_of_end THEN r.id_requested_at END AS id_requested_at,
           CASE WHEN r.id_verified_at < $as_of_end THEN r.id_verified_at END AS id_verified_at,
           CASE WHEN r.extension_notified_at < $as_of_end
                THEN r.extension_notified_at END AS extension_notified_at
    FROM requests AS r
    WHERE r.received_at < $as_of_end
      AND ($window_start::DATE IS NULL OR r.received_at >= rq_midnight($window_start::DATE))
      AND ($window_end::DATE IS NULL OR r.received_at < rq_midnight($window_end::DATE + 1))
      AND ($types::VARCHAR[] IS NULL OR list_contains($types::VARCHAR[], r.type))
      AND ($jurisdictions::VARCHAR[] IS NULL OR r.jurisdiction IN (
              SELECT code FROM jurisdiction_lineage
              WHERE list_contains($jurisdictions::VARCHAR[], ancestor)
              UNION ALL SELECT unnest($jurisdictions::VARCHAR[])))
),
slot_start AS (
    SELECT q.*, cw.* EXCLUDE (jurisdiction, type, epoch_start),
           {slot_start}
    FROM req AS q
    JOIN request_epochs AS e ON e.day = q.received_date
    LEFT JOIN request_rules AS cw ON cw.jurisdiction = q.jurisdiction AND cw.type = q.type
                                 AND cw.epoch_start = e.epoch_start
),
slot_due AS (
    SELECT s.*,
           {slot_due}
    FROM slot_start AS s
    {slot_joins}
),
-- The earliest of the p and w deadlines decides; on a tie the most specific rule (p).
decided AS (
    SELECT *,
           w_due_by IS NOT NULL AND (p_due_by IS NULL OR w_due_by < p_due_by) AS pick_w,
           CASE WHEN pick_w THEN w_due_by ELSE p_due_by END AS due_by,
           CASE WHEN pick_w THEN w_due_date ELSE p_due_date END AS due_date,
           CASE WHEN pick_w THEN w_rule ELSE p_rule END AS deciding_rule_id,
           CASE WHEN pick_w THEN w_cal ELSE p_cal END AS calendar,
           least(p_orig_due_by, w_orig_due_by) AS original_due_by,
           CASE WHEN p_orig_due_by IS NULL OR w_orig_due_by < p_orig_due_by
                THEN w_orig_due_date ELSE p_orig_due_date END AS original_due_date,
           CASE WHEN pick_w THEN w_extended ELSE p_extended END AS extended,
           CASE WHEN pick_w THEN w_paused ELSE p_paused END AS paused,
           CASE WHEN pick_w THEN w_pause_days ELSE p_pause_days END AS pause_days,
           (p_unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours') AND p_start_at IS NULL)
             OR (w_unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours') AND w_start_at IS NULL)
             AS clock_waiting,
           least(id_requested_at, extension_notified_at, done_at) AS acknowledged_at
    FROM slot_due
)
SELECT
    x.request_id, x.jurisdiction, x.type, x.channel, x.received_date,
    x.completed_at, x.done_at IS NOT NULL AS completed, x.outcome,
    CASE WHEN x.due_by IS NOT NULL THEN 'fixed'
         WHEN coalesce(x.clock_waiting, FALSE) THEN 'clock_not_started'
         WHEN x.p_rule IS NULL AND x.w_rule IS NULL THEN 'no_rule'
         ELSE x.p_unit END AS deadline_status,  -- fixed | clock_not_started | without_delay | none | no_rule
    x.p_rule AS most_specific_rule_id, x.w_rule AS policy_wide_rule_id,
    x.pick_w AS decided_by_policy_wide, x.calendar,
    x.original_due_date, x.due_date,
    coalesce(x.extended, FALSE) AS extended,
    x.extension_notified_at,
    coalesce(x.extension_notified_at >= x.original_due_by, FALSE) AS extension_notice_late,
    coalesce(x.paused, FALSE) AS paused, coalesce(x.pause_days, 0) AS pause_days,
    CASE
        WHEN x.due_by IS NULL AND NOT coalesce(x.clock_waiting, FALSE) THEN NULL
        WHEN x.done_at IS NOT NULL THEN
            CASE WHEN x.due_by IS NULL OR x.done_at < x.due_by THEN 'responded_in_time' ELSE 'responded_late' END
        WHEN x.due_by IS NULL OR x.due_by >= $as_of_end THEN 'open_in_time'
        ELSE 'open_late'
    END AS class,
    CASE WHEN x.done_at IS NOT NULL THEN date_diff('day', x.received_date, rq_day(x.done_at)) END AS days_to_complete,
    date_diff('day', x.received_date, coalesce(rq_day(x.done_at), $as_of::DATE)) AS days_observed,
    CASE WHEN x.due_date IS NOT NULL
         THEN date_diff('day', coalesce(rq_day(x.done_at), $as_of::DATE), x.due_date) END AS days_to_deadline,
    CASE WHEN x.done_at IS NULL AND x.due_by IS NOT NULL THEN
        CASE WHEN x.due_by < $as_of_end THEN 'past_due'
             WHEN date_diff('day', $as_of::DATE, x.due_date) <= 5 THEN 'due_within_5_days'
             ELSE 'more_than_5_days' END
    END AS queue_bucket,
    x.a_rule AS ack_rule_id, x.a_due_date AS ack_due_date,
    CASE WHEN x.a_due_by IS NULL THEN NULL
         WHEN x.acknowledged_at < $as_of_end THEN
             CASE WHEN x.acknowledged_at < x.a_due_by THEN 'acknowledged_in_time' ELSE 'acknowledged_late' END
         WHEN x.a_due_by >= $as_of_end THEN 'awaiting_in_time'
         ELSE 'awaiting_late'
    END AS ack_class
FROM decided AS x

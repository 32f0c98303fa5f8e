-- Request turnaround (docs/metrics-requests.md, "How it runs"): one row per data-subject
-- request in scope, with the deadline that applies to it, which rule decided it, and its
-- class as of a date. Stored as the TEMP table request_status_base, read through the view
-- request_status (requests_status_view.sql), which adds columns cheap to derive on demand.
-- Reads the TEMP tables request_epochs, request_rules (requests_rules.sql), request_due_lookup
-- (requests_lookup.sql) and calendar_days (compliance_kit.calendars); all joins are on
-- those small tables, so each request costs a few hash probes and no loop.
-- Parameters: $as_of DATE (the as-of day, for day arithmetic); $as_of_end TIMESTAMPTZ (the end
-- of that day, exclusive: compliance_kit.contract.AsOf.end, the one definition every SQL file
-- uses; here its date gives each request's local end of the as-of day); $window_start, $window_end
-- DATE or NULL (local days of receipt, inclusive);
-- $jurisdictions VARCHAR[] or NULL (a request matches when one of its ancestors, itself
-- included, is listed: 'EEA' selects FR); $types VARCHAR[] or NULL.
-- Days are local days in the request's zone (request_zones): rq_local_day(ts, tz),
-- rq_local_midnight(d, tz) (requests_macros.sql); "as of" is the end of the as-of day in
-- the request's zone (as_of_end, per request, derived from $as_of_end). Definitions: docs/metrics-requests.md.
-- The per-slot text (placeholders in braces) is in requests_slot.sql.
-- slots: requests_slot.sql for s in p, w, a, t
-- macros: requests_macros.sql
WITH
-- The end of the as-of day in each zone (request_zones): one local midnight per zone, not
-- one per request.
zone_ends AS (
    SELECT z.jurisdiction, z.time_zone,
           rq_local_midnight(rq_day($as_of_end), z.time_zone) AS as_of_end
    FROM request_zones AS z
),
req AS (
    SELECT r.request_id, r.jurisdiction, r.type, r.channel, r.received_at, r.completed_at,
           r.outcome, r.denial_category, r.tz, r.as_of_end, r.received_date,
           -- As of the END of the as-of day in the request's zone (as_of_end, per request:
           -- "due today" is in time everywhere): what happened later has not happened yet (a
           -- completion later than that leaves the request open; a later identity request,
           -- verification or extension notice is not known yet).
           CASE WHEN r.completed_at < r.as_of_end THEN r.completed_at END AS done_at,
           -- its local day, once (the day counts of the final SELECT read it)
           rq_local_day(done_at, r.tz) AS done_date,
           CASE WHEN r.id_requested_at < r.as_of_end THEN r.id_requested_at END AS id_requested_at,
           CASE WHEN r.id_verified_at < r.as_of_end THEN r.id_verified_at END AS id_verified_at,
           CASE WHEN r.extension_notified_at < r.as_of_end
                THEN r.extension_notified_at END AS extension_notified_at,
           -- the date told travels with the extension notice: known when the notice is
           CASE WHEN r.extension_notified_at < r.as_of_end
                THEN r.extension_told_until END AS extension_told_until,
           CASE WHEN r.clarification_requested_at < r.as_of_end
                THEN r.clarification_requested_at END AS clarification_requested_at,
           CASE WHEN r.clarification_received_at < r.as_of_end
                THEN r.clarification_received_at END AS clarification_received_at
    FROM (
        -- the request's zone (request_zones; a code the store does not know: UTC), the end
        -- of the as-of day there (zone_ends: the local midnight that starts the date of
        -- $as_of_end, the one definition of the end of the as-of day,
        -- compliance_kit.contract.AsOf.end) and the local day of receipt
        SELECT q.*, coalesce(z.time_zone, 'UTC') AS tz,
               coalesce(z.as_of_end, rq_local_midnight(rq_day($as_of_end), 'UTC')) AS as_of_end,
               rq_local_day(q.received_at, coalesce(z.time_zone, 'UTC')) AS received_date
        FROM requests AS q
        LEFT JOIN zone_ends AS z ON z.jurisdiction = q.jurisdiction
    ) AS r
    WHERE r.received_at < r.as_of_end
      -- the window is of local days of receipt
      AND ($window_start::DATE IS NULL OR r.received_date >= $window_start::DATE)
      AND ($window_end::DATE IS NULL OR r.received_date <= $window_end::DATE)
      AND ($types::VARCHAR[] IS NULL OR list_contains($types::VARCHAR[], r.type))
      AND ($jurisdictions::VARCHAR[] IS NULL OR r.jurisdiction IN (
              SELECT code FROM jurisdiction_lineage
              WHERE list_contains($jurisdictions::VARCHAR[], ancestor)
              UNION ALL SELECT unnest($jurisdictions::VARCHAR[])))
),
slot_start AS (
    SELECT q.*, cw.* EXCLUDE (jurisdiction, type, epoch_start, rules_tz),
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
-- The earliest of the p, t and w deadlines decides (the policy's promise, the statute
-- beside it, the policy-wide promise); on a tie the most specific rule (p), then the
-- statute (t). least() skips NULLs on both engines.
decided AS (
    SELECT *,
           least(p_due_by, t_due_by, w_due_by) AS earliest_due_by,
           CASE WHEN p_due_by IS NOT NULL AND p_due_by = earliest_due_by THEN 'p'
                WHEN t_due_by IS NOT NULL AND t_due_by = earliest_due_by THEN 't'
                WHEN w_due_by IS NOT NULL THEN 'w' ELSE 'p' END AS pick,
           pick = 'w' AS pick_w,
           pick = 't' AS pick_t,
           earliest_due_by AS due_by,
           CASE pick WHEN 'w' THEN w_due_date WHEN 't' THEN t_due_date ELSE p_due_date END AS due_date,
           least(p_orig_due_by, t_orig_due_by, w_orig_due_by) AS original_due_by,
           CASE WHEN p_orig_due_by IS NOT NULL AND p_orig_due_by = original_due_by THEN p_orig_due_date
                WHEN t_orig_due_by IS NOT NULL AND t_orig_due_by = original_due_by THEN t_orig_due_date
                ELSE w_orig_due_date END AS original_due_date,
           CASE pick WHEN 'w' THEN w_extended WHEN 't' THEN t_extended ELSE p_extended END AS extended,
           CASE pick WHEN 'w' THEN w_paused WHEN 't' THEN t_paused ELSE p_paused END AS paused,
           CASE pick WHEN 'w' THEN w_pause_days WHEN 't' THEN t_pause_days ELSE p_pause_days END AS pause_days,
           CASE pick WHEN 'w' THEN w_clar_days WHEN 't' THEN t_clar_days ELSE p_clar_days END AS clarification_days,
           CASE pick WHEN 'w' THEN w_told_beyond_max AND w_extended WHEN 't' THEN t_told_beyond_max AND t_extended
                ELSE p_told_beyond_max AND p_extended END AS told_beyond_max,
           (p_unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours') AND p_start_at IS NULL)
             OR (w_unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours') AND w_start_at IS NULL)
             OR (t_unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours') AND t_start_at IS NULL)
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
    CASE
        WHEN x.due_by IS NULL AND NOT coalesce(x.clock_waiting, FALSE) THEN NULL
        WHEN x.done_at IS NOT NULL THEN
            CASE WHEN x.due_by IS NULL OR x.done_at < x.due_by THEN 'responded_in_time' ELSE 'responded_late' END
        WHEN x.due_by IS NULL OR x.due_by >= x.as_of_end THEN 'open_in_time'
        ELSE 'open_late'
    END AS class,
    CASE WHEN x.done_at IS NOT NULL THEN date_diff('day', x.received_date, x.done_date) END AS days_to_complete,
    -- a far-east request received late on the as-of day (UTC) is already on the next local
    -- day: observed 0 days, not -1
    greatest(date_diff('day', x.received_date, coalesce(x.done_date, $as_of::DATE)), 0) AS days_observed,
    CASE WHEN x.due_date IS NOT NULL
         THEN date_diff('day', coalesce(x.done_date, $as_of::DATE), x.due_date) END AS days_to_deadline,
    CASE WHEN x.done_at IS NULL AND x.due_by IS NOT NULL THEN
        CASE WHEN x.due_by < x.as_of_end THEN 'past_due'
             WHEN date_diff('day', $as_of::DATE, x.due_date) <= 5 THEN 'due_within_5_days'
             ELSE 'more_than_5_days' END
    END AS queue_bucket,
    x.a_due_date AS ack_due_date,
    CASE WHEN x.a_due_by IS NULL THEN NULL
         WHEN x.acknowledged_at < x.as_of_end THEN
             CASE WHEN x.acknowledged_at < x.a_due_by THEN 'acknowledged_in_time' ELSE 'acknowledged_late' END
         WHEN x.a_due_by >= x.as_of_end THEN 'awaiting_in_time'
         ELSE 'awaiting_late'
    END AS ack_class
FROM decided AS x

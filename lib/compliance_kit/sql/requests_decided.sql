-- Request turnaround (docs/metrics-requests.md, "How it runs"): the slot machinery. For
-- each request of {input} that is not plain (requests_in_scope.sql), its rules (p, w, a, t:
-- request_rules), each slot's clock start, pauses, original and extended deadlines
-- (request_due_lookup, calendar_days), and the deadline that decides. Read by
-- requests_status.sql (input req: the requests that are not plain) and by
-- requests_plain_due.sql (input day_inputs: one made-up plain request per jurisdiction,
-- type and local day of receipt, which gives the deadlines of every plain request of that
-- day). All joins are on small tables, so each request costs a few hash probes and no loop.
-- Parameters: $as_of DATE (the as-of day, for day arithmetic).
-- The per-slot text (placeholders in braces) is in requests_slot.sql.
-- fill: input one of req, day_inputs
-- slots: requests_slot.sql for s in p, w, a, t
-- macros: requests_macros.sql
WITH
slot_start AS (
    SELECT q.*, cw.* EXCLUDE (jurisdiction, type, epoch_start, rules_tz),
           {slot_start}
    FROM {input} AS q
    JOIN request_epochs AS e ON e.day = q.received_date
    LEFT JOIN request_rules AS cw ON cw.jurisdiction = q.jurisdiction AND cw.type = q.type
                                 AND cw.epoch_start = e.epoch_start
    WHERE NOT q.plain
),
slot_due AS (
    SELECT s.*,
           {slot_due}
    FROM slot_start AS s
    {slot_joins}
)
-- The earliest of the p, t and w deadlines decides (the policy's promise, the statute
-- beside it, the policy-wide promise); on a tie the most specific rule (p), then the
-- statute (t). least() skips NULLs on both engines.
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
         AS clock_waiting
FROM slot_due

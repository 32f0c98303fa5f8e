-- The verification funnel (issue 16; docs/metrics-requests.md, "Verification funnel"),
-- per group, from request_status: every request in scope falls in exactly one final state,
-- so the states partition `requests` (a shared table can then protect them together):
--   no_identity_check      no identity information was asked for
--   awaiting_identity      asked, not verified, still open (as of the report date)
--   closed_unverifiable    closed with denial_category = 'unverifiable' (whatever the stages)
--   closed_unverified      asked, never verified, closed for another reason
--   verified_open          verified, not answered yet
--   verified_completed     verified and answered
-- The stages (received -> identity requested -> verified -> completed) are sums of these:
-- identity_requested = every state but no_identity_check (less the unverifiable closures
-- that were never asked); drop-off at verification = awaiting + unverifiable + unverified.
-- Time in verification: local days from the identity request to verification, over the
-- verified requests (median and p90).
-- fill: dims list of jurisdiction, region, type, channel, month, week, deciding_rule_id, calendar, deadline_status
-- fill: source one of request_status, request_status_regions
-- macros: requests_macros.sql
WITH f AS (
    SELECT *,
           CASE WHEN completed AND denial_category = 'unverifiable' THEN 'closed_unverifiable'
                WHEN id_requested_at IS NULL THEN 'no_identity_check'
                WHEN id_verified_at IS NOT NULL AND completed THEN 'verified_completed'
                WHEN id_verified_at IS NOT NULL THEN 'verified_open'
                WHEN completed THEN 'closed_unverified'
                ELSE 'awaiting_identity' END AS funnel_state,
           CASE WHEN id_verified_at IS NOT NULL AND id_requested_at IS NOT NULL
                THEN date_diff('day', rq_local_day(id_requested_at, time_zone),
                               rq_local_day(id_verified_at, time_zone)) END AS verification_days
    FROM {source}
)
SELECT
    {dims}
    count(*) AS requests,
    count(*) FILTER (WHERE funnel_state = 'no_identity_check') AS no_identity_check,
    count(*) FILTER (WHERE funnel_state = 'awaiting_identity') AS awaiting_identity,
    count(*) FILTER (WHERE funnel_state = 'closed_unverifiable') AS closed_unverifiable,
    count(*) FILTER (WHERE funnel_state = 'closed_unverified') AS closed_unverified,
    count(*) FILTER (WHERE funnel_state = 'verified_open') AS verified_open,
    count(*) FILTER (WHERE funnel_state = 'verified_completed') AS verified_completed,
    quantile_cont(verification_days, 0.5) AS verification_median_days,
    quantile_cont(verification_days, 0.9) AS verification_p90_days
FROM f
GROUP BY ALL
ORDER BY ALL

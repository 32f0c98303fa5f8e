-- Per law (the rule that decided each deadline): whether the time spent verifying identity
-- counted against the deadline (issue 16). identity_mode 'none' (California: the 45 days
-- run from receipt): it counts; 'pause' (EEA) and 'latest_of' (UK: the clock starts at the
-- later of receipt and identity received): it does not. With the source of that reading
-- and the number of requests the rule decided.
-- Counted per rule first, then joined to the rules (a few rows, not one per request).
WITH used AS (
    SELECT deciding_rule_id, count(*) AS requests,
           count(*) FILTER (WHERE id_requested_at IS NOT NULL) AS identity_requested
    FROM request_status
    WHERE deciding_rule_id IS NOT NULL
    GROUP BY deciding_rule_id
)
SELECT u.deciding_rule_id AS rule_id, d.jurisdiction,
       coalesce(d.identity_mode,
                CASE WHEN d.clock_start = 'identity_verified' THEN 'latest_of'
                     WHEN d.pause_for_identity THEN 'pause' ELSE 'none' END) AS identity_mode,
       coalesce(d.identity_mode,
                CASE WHEN d.clock_start = 'identity_verified' THEN 'latest_of'
                     WHEN d.pause_for_identity THEN 'pause' ELSE 'none' END) = 'none'
           AS verification_counts_against_deadline,
       coalesce(d.pause_for_clarification, FALSE) AS clarification_stops_clock,
       u.requests, u.identity_requested, d.identity_citation
FROM used AS u
JOIN request_deadline_rules AS d ON d.rule_id = u.deciding_rule_id
ORDER BY jurisdiction, rule_id

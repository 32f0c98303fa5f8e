-- The per-request view every metric reads (`request_status`, a view: materialised with
-- view=True by analysis/requests.py): request_status_base (requests_status.sql) plus
-- columns derived on demand (a view is inlined, so a query that does not use them does not
-- compute them, and the stored table stays narrow).
SELECT b.*,
       CASE WHEN b.decided_by_policy_wide THEN b.policy_wide_rule_id
            WHEN b.decided_by_statute THEN b.statute_rule_id
            ELSE b.most_specific_rule_id END AS deciding_rule_id,
       concat_ws(',', b.most_specific_rule_id, b.statute_rule_id, b.policy_wide_rule_id) AS rules_applied,
       b.extension_notified_at IS NOT NULL AS extension_claimed,
       date_trunc('month', b.received_date)::DATE AS month,
       date_trunc('week', b.received_date)::DATE AS week
FROM request_status_base AS b

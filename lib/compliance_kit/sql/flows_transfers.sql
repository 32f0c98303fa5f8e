-- One row per observed transfer in scope, with its classification, the declared flow
-- it matched (flow_id; NULL when it is undeclared), the nearest partial match for an
-- undeclared destination or category (nearest_flow_id) and the rule it breaks.
-- Reads the CTEs `scoped` (flows_scope.sql) and `classified_keys` (flows_classify_keys.sql).
-- with: scoped = flows_scope.sql
-- with: classified_keys = flows_classify_keys.sql
SELECT
    s.transfer_id, s.occurred_at, s.source_jurisdiction, s.recipient, s.destination_country,
    s.category, s.record_count, s.bytes, s.mechanism, s.encrypted,
    k.classification, k.flow_id, k.nearest_flow_id, k.rule_jurisdiction, k.required_mechanism,
    k.rule_broken, k.rule_section, k.rule_quote
FROM scoped AS s
JOIN classified_keys AS k
  ON k.source_jurisdiction = s.source_jurisdiction AND k.recipient = s.recipient
 AND k.destination_country = s.destination_country AND k.category = s.category
 AND k.mechanism IS NOT DISTINCT FROM s.mechanism AND k.encrypted = s.encrypted
ORDER BY s.occurred_at, s.transfer_id

-- The monthly aggregate with each key's classification and the rule it breaks: small
-- (months x keys), and what volumes, the matrix, findings and the headline roll up.
-- Reads the CTEs `monthly` (flows_monthly.sql) and `classified_keys`.
SELECT
    m.month, m.source_jurisdiction, m.destination_country, m.recipient, m.category,
    m.mechanism, m.encrypted,
    k.classification, k.flow_id, k.nearest_flow_id, k.required_mechanism,
    k.rule_broken, k.rule_section, k.rule_quote,
    CAST(m.transfers AS BIGINT) AS transfers,
    CAST(m.records AS BIGINT) AS records,
    CAST(m.bytes AS BIGINT) AS bytes
FROM monthly AS m
JOIN classified_keys AS k
  ON k.source_jurisdiction = m.source_jurisdiction AND k.recipient = m.recipient
 AND k.destination_country = m.destination_country AND k.category = m.category
 AND k.mechanism IS NOT DISTINCT FROM m.mechanism AND k.encrypted = m.encrypted
ORDER BY m.month, m.source_jurisdiction, m.destination_country, m.recipient, m.category,
         m.mechanism NULLS FIRST, m.encrypted

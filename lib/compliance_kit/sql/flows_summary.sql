-- The monthly aggregate with each key's classification and matched flow: small
-- (months x keys), and what volumes, the matrix, breakdown, findings and the headline
-- roll up. The rule broken (text + quote) stays in `classified_keys`, one row per key.
-- Reads `monthly` (flows_monthly.sql) and `classified_keys` (flows_classify_keys.sql);
-- compliance_kit.analysis.flows materialises it as the table `flow_summary` in an
-- in-memory DuckDB holding those two and copies of the policy tables. Unordered.
SELECT
    m.month, m.source_jurisdiction, m.destination_country, m.recipient, m.category,
    m.mechanism, m.encrypted,
    k.classification, k.flow_id,
    CAST(m.transfers AS BIGINT) AS transfers,
    CAST(m.records AS BIGINT) AS records,
    CAST(m.bytes AS BIGINT) AS bytes
FROM monthly AS m
JOIN classified_keys AS k
  ON k.source_jurisdiction = m.source_jurisdiction AND k.recipient = m.recipient
 AND k.destination_country = m.destination_country AND k.category = m.category
 AND k.mechanism IS NOT DISTINCT FROM m.mechanism AND k.encrypted = m.encrypted

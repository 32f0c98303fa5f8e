-- The undeclared and non-conforming flows, aggregated (no transfer ids): per
-- classification, source, recipient, destination and category, the rule broken with
-- its quote, and the volume. Reads `flow_summary` and `classified_keys`.
WITH per_key AS (
    SELECT source_jurisdiction, recipient, destination_country, category, mechanism, encrypted,
           sum(transfers) AS transfers, sum(records) AS records, sum(bytes) AS bytes,
           min(month) AS first_month, max(month) AS last_month
    FROM flow_summary
    WHERE classification <> 'declared'
    GROUP BY source_jurisdiction, recipient, destination_country, category, mechanism, encrypted
)
SELECT
    k.classification, p.source_jurisdiction, p.recipient, p.destination_country, p.category,
    k.rule_broken, k.rule_section, k.rule_quote,
    CAST(sum(p.transfers) AS BIGINT) AS transfers,
    CAST(sum(p.records) AS BIGINT) AS records,
    CAST(sum(p.bytes) AS BIGINT) AS bytes,
    min(p.first_month) AS first_month,
    max(p.last_month) AS last_month
FROM per_key AS p
JOIN classified_keys AS k
  ON k.source_jurisdiction = p.source_jurisdiction AND k.recipient = p.recipient
 AND k.destination_country = p.destination_country AND k.category = p.category
 AND k.mechanism IS NOT DISTINCT FROM p.mechanism AND k.encrypted = p.encrypted
GROUP BY k.classification, p.source_jurisdiction, p.recipient, p.destination_country, p.category,
         k.rule_broken, k.rule_section, k.rule_quote
ORDER BY CASE k.classification
    WHEN 'undeclared_recipient' THEN 1 WHEN 'undeclared_destination' THEN 2
    WHEN 'undeclared_category' THEN 3 WHEN 'missing_mechanism' THEN 4
    WHEN 'unencrypted' THEN 5 ELSE 6 END,
    sum(p.records) DESC, p.source_jurisdiction, p.recipient, p.destination_country, p.category, k.rule_broken

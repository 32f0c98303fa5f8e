-- The undeclared and non-conforming flows, aggregated (no transfer ids): per
-- classification, source, recipient, destination and category, the rule broken with
-- its quote, and the volume. Reads `flow_summary`.
SELECT
    classification, source_jurisdiction, recipient, destination_country, category,
    rule_broken, rule_section, rule_quote,
    CAST(sum(transfers) AS BIGINT) AS transfers,
    CAST(sum(records) AS BIGINT) AS records,
    CAST(sum(bytes) AS BIGINT) AS bytes,
    min(month) AS first_month,
    max(month) AS last_month
FROM flow_summary
WHERE classification <> 'declared'
GROUP BY classification, source_jurisdiction, recipient, destination_country, category,
         rule_broken, rule_section, rule_quote
ORDER BY CASE classification
    WHEN 'undeclared_recipient' THEN 1 WHEN 'undeclared_destination' THEN 2
    WHEN 'undeclared_category' THEN 3 WHEN 'missing_mechanism' THEN 4
    WHEN 'unencrypted' THEN 5 ELSE 6 END,
    records DESC, source_jurisdiction, recipient, destination_country, category, rule_broken

-- Transfers, records and bytes per classification, in the classification order.
-- Reads `flow_summary`.
SELECT
    classification,
    CAST(sum(transfers) AS BIGINT) AS transfers,
    CAST(sum(records) AS BIGINT) AS records,
    CAST(sum(bytes) AS BIGINT) AS bytes
FROM flow_summary
GROUP BY classification
ORDER BY CASE classification
    WHEN 'undeclared_recipient' THEN 1 WHEN 'undeclared_destination' THEN 2
    WHEN 'undeclared_category' THEN 3 WHEN 'missing_mechanism' THEN 4
    WHEN 'unencrypted' THEN 5 ELSE 6 END

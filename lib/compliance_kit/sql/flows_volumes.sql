-- Volumes by month x source jurisdiction x destination country x recipient, and the
-- part of them that is declared. Reads `flow_summary` (flows_summary.sql).
SELECT
    month, source_jurisdiction, destination_country, recipient,
    CAST(sum(transfers) AS BIGINT) AS transfers,
    CAST(sum(records) AS BIGINT) AS records,
    CAST(sum(bytes) AS BIGINT) AS bytes,
    CAST(coalesce(sum(transfers) FILTER (WHERE classification = 'declared'), 0) AS BIGINT) AS declared_transfers,
    CAST(coalesce(sum(records) FILTER (WHERE classification = 'declared'), 0) AS BIGINT) AS declared_records,
    CAST(coalesce(sum(bytes) FILTER (WHERE classification = 'declared'), 0) AS BIGINT) AS declared_bytes
FROM flow_summary
GROUP BY month, source_jurisdiction, destination_country, recipient
ORDER BY month, source_jurisdiction, destination_country, recipient

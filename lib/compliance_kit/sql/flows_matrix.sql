-- Source jurisdiction x destination country over the whole window, with the share of
-- records that is declared: the heatmap's data. Reads `flow_summary`.
SELECT
    source_jurisdiction, destination_country,
    CAST(sum(transfers) AS BIGINT) AS transfers,
    CAST(sum(records) AS BIGINT) AS records,
    CAST(sum(bytes) AS BIGINT) AS bytes,
    CAST(coalesce(sum(records) FILTER (WHERE classification = 'declared'), 0) AS BIGINT) AS declared_records,
    coalesce(sum(records) FILTER (WHERE classification = 'declared'), 0)
        / nullif(sum(records), 0) AS share_declared_records
FROM flow_summary
GROUP BY source_jurisdiction, destination_country
ORDER BY source_jurisdiction, destination_country

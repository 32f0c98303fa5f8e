-- Transfers in scope summed per calendar month (UTC) and classification key: the one
-- pass over the transfers that every volume figure is rolled up from.
-- Reads the CTE `scoped`.
SELECT
    CAST(date_trunc('month', occurred_at) AS DATE) AS month,
    source_jurisdiction, recipient, destination_country, category, mechanism, encrypted,
    count(*) AS transfers,
    sum(record_count) AS records,
    sum(bytes) AS bytes
FROM scoped
GROUP BY ALL

-- Transfers in scope summed per calendar month (UTC) and classification key: the one
-- pass over the transfers that every volume figure is rolled up from.
-- Reads the CTE `scoped`.
-- with: scoped = flows_scope.sql
-- The month is taken on the UTC wall clock whatever the session time zone:
-- make_timestamp(epoch_us(ts)) is the naive UTC timestamp, and truncating it is plain
-- arithmetic (date_trunc on a TIMESTAMPTZ goes through the ICU calendar: about 7x
-- slower on 10M rows here).
SELECT
    CAST(date_trunc('month', make_timestamp(epoch_us(occurred_at))) AS DATE) AS month,
    source_jurisdiction, recipient, destination_country, category, mechanism, encrypted,
    count(*) AS transfers,
    sum(record_count) AS records,
    sum(bytes) AS bytes
FROM scoped
GROUP BY ALL

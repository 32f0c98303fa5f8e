-- Percentiles of erasure lag / allowed delay (1.0 = erased exactly at the deadline), per
-- category and overall ('(all)'), read from the lag histogram of retention_cube.sql.
-- Nearest-rank definition: the p-th percentile is the value of rank ceil(p x n). The
-- histogram's bins are 1/1000 of the allowed delay wide, so the rank-ceil(p x n) value
-- lies in the bin reported; `value` is the bin's midpoint, within `error_bound`
-- (half a bin, 0.0005) of the exact value. Lags beyond +-1000 x allowed are clamped.
WITH hist AS (
    SELECT
        CASE WHEN grouping(category) = 1 THEN '(all)' ELSE category END AS category,
        lag_bin,
        CAST(sum(n) AS BIGINT) AS n
    FROM retention_cube
    WHERE part = 'lag' AND lag_bin IS NOT NULL
    GROUP BY GROUPING SETS ((category, lag_bin), (lag_bin))
),
cumulative AS (
    SELECT
        category,
        lag_bin,
        sum(n) OVER (PARTITION BY category ORDER BY lag_bin ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
        sum(n) OVER (PARTITION BY category) AS total
    FROM hist
),
wanted AS (
    SELECT * FROM (VALUES ('p50', 0.50), ('p90', 0.90), ('p95', 0.95), ('p99', 0.99)) AS w(percentile, q)
)
SELECT
    c.category,
    w.percentile,
    CAST(min(c.total) AS BIGINT) AS erased,
    (min(c.lag_bin) + 0.5) / 1000.0 AS value,
    min(c.lag_bin) / 1000.0 AS bin_low,
    (min(c.lag_bin) + 1) / 1000.0 AS bin_high,
    CAST(0.0005 AS DOUBLE) AS error_bound
FROM cumulative AS c, wanted AS w
WHERE c.cum >= ceil(w.q * c.total)
GROUP BY c.category, w.percentile
ORDER BY c.category = '(all)' DESC, c.category, w.percentile

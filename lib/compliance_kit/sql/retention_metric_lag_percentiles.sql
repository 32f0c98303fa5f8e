-- Percentiles of erasure lag / allowed delay (1.0 = erased exactly at the deadline), per
-- category and overall ('(all)'), read from the lag histogram of retention_cube.sql.
-- Nearest-rank definition: the p-th percentile is the value of rank ceil(p x n); it lies
-- in the first bin whose cumulative count reaches that rank, [bin_low, bin_high).
-- `value` is the bin's midpoint: on [-2, 2) bins are 0.001 wide, so the error is at most
-- 0.0005; beyond, bins are 0.1% of the value wide, so the error is at most 0.05% of the
-- value (error_bound says which, per row). Ratios beyond +-1e6 are clamped.
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
),
picked AS (
    SELECT c.category, w.percentile, min(c.total) AS erased, min(c.lag_bin) AS lag_bin
    FROM cumulative AS c, wanted AS w
    WHERE c.cum >= ceil(w.q * c.total)
    GROUP BY c.category, w.percentile
),
bounds AS (
    SELECT
        *,
        CASE
            WHEN lag_bin >= 2000 THEN 2 * pow(1.001, lag_bin - 2000)
            WHEN lag_bin <= -2001 THEN -2 * pow(1.001, -2001 - lag_bin + 1)
            ELSE lag_bin / 1000.0
        END AS bin_low,
        CASE
            WHEN lag_bin >= 2000 THEN 2 * pow(1.001, lag_bin - 2000 + 1)
            WHEN lag_bin <= -2001 THEN -2 * pow(1.001, -2001 - lag_bin)
            ELSE (lag_bin + 1) / 1000.0
        END AS bin_high
    FROM picked
)
SELECT
    category,
    percentile,
    CAST(erased AS BIGINT) AS erased,
    (bin_low + bin_high) / 2 AS value,
    bin_low,
    bin_high,
    (bin_high - bin_low) / 2 AS error_bound
FROM bounds
ORDER BY category = '(all)' DESC, category, percentile

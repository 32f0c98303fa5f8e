-- The lag / allowed distribution for charts: erased records re-binned to $bin_width
-- (e.g. 0.05 of the allowed delay) on [-2, 2); beyond, each record falls in the chart bin
-- of its fine bin's lower bound. Per category.
WITH fine AS (
    SELECT
        category,
        CASE
            WHEN lag_bin >= 2000 THEN 2 * pow(1.001, lag_bin - 2000)
            WHEN lag_bin <= -2001 THEN -2 * pow(1.001, -2001 - lag_bin + 1)
            ELSE lag_bin / 1000.0
        END AS bin_low,
        n
    FROM retention_cube
    WHERE part = 'lag' AND lag_bin IS NOT NULL
)
SELECT
    category,
    floor(bin_low / $bin_width + 1e-9) * $bin_width AS lag_ratio_from,
    floor(bin_low / $bin_width + 1e-9) * $bin_width + $bin_width AS lag_ratio_to,
    CAST(sum(n) AS BIGINT) AS erased
FROM fine
GROUP BY ALL
ORDER BY category, lag_ratio_from

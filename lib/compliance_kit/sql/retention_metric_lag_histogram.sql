-- The lag / allowed distribution for charts: the fine histogram re-binned to
-- $bin_width (e.g. 0.05 of the allowed delay), per category.
SELECT
    category,
    floor(lag_bin / ($bin_width * 1000.0)) * $bin_width AS lag_ratio_from,
    floor(lag_bin / ($bin_width * 1000.0)) * $bin_width + $bin_width AS lag_ratio_to,
    CAST(sum(n) AS BIGINT) AS erased
FROM retention_cube
WHERE part = 'lag' AND lag_bin IS NOT NULL
GROUP BY ALL
ORDER BY category, lag_ratio_from

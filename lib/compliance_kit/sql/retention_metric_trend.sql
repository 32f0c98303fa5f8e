-- Records per status by the month their erasure deadline falls in.
SELECT deadline_month, status, CAST(sum(n) AS BIGINT) AS n
FROM retention_cube
WHERE part = 'timeline' AND deadline_month IS NOT NULL
GROUP BY deadline_month, status
ORDER BY deadline_month, status

-- Systems ranked by overdue records (ties: total days overdue, then name).
SELECT
    system,
    CAST(sum(n) AS BIGINT) AS records,
    CAST(coalesce(sum(n) FILTER (WHERE status = 'overdue'), 0) AS BIGINT) AS overdue,
    CAST(coalesce(sum(n) FILTER (WHERE status = 'overdue'), 0) AS DOUBLE) / sum(n) AS overdue_rate,
    CAST(coalesce(sum(days_overdue_sum), 0) AS BIGINT) AS days_overdue_sum,
    CAST(max(days_overdue_max) AS BIGINT) AS days_overdue_max
FROM retention_cube
WHERE part = 'status'
GROUP BY system
ORDER BY overdue DESC, days_overdue_sum DESC, system
LIMIT $limit

-- Overdue records by how long they are overdue (whole days past the deadline at $as_of),
-- every bucket listed even when empty.
WITH buckets AS (
    SELECT * FROM (VALUES (1, '0-7'), (2, '8-30'), (3, '31-90'), (4, '>90')) AS b(bucket_order, ageing_bucket)
),
overdue AS (
    SELECT ageing_bucket, CAST(sum(n) AS BIGINT) AS n, CAST(sum(days_overdue_sum) AS BIGINT) AS days_overdue_sum
    FROM retention_cube
    WHERE part = 'timeline' AND status = 'overdue'
    GROUP BY ageing_bucket
)
SELECT
    b.bucket_order,
    b.ageing_bucket,
    coalesce(o.n, 0) AS overdue,
    coalesce(o.days_overdue_sum, 0) AS days_overdue_sum
FROM buckets AS b
LEFT JOIN overdue AS o USING (ageing_bucket)
ORDER BY b.bucket_order

-- Records per retention status, by category, jurisdiction, system, jurisdiction x
-- category, and overall ('all'), from the 'status' part of retention_cube.sql.
-- rate = the status's share of the records checked in the group.
WITH summary AS (
    SELECT category, jurisdiction, system, status, n
    FROM retention_cube
    WHERE part = 'status'
),
grouped AS (
    SELECT
        CASE
            WHEN grouping(category) = 0 AND grouping(jurisdiction) = 0 THEN 'jurisdiction_category'
            WHEN grouping(category) = 0 THEN 'category'
            WHEN grouping(jurisdiction) = 0 THEN 'jurisdiction'
            WHEN grouping(system) = 0 THEN 'system'
            ELSE 'all'
        END AS dimension,
        category,
        jurisdiction,
        system,
        status,
        CAST(sum(n) AS BIGINT) AS n
    FROM summary
    GROUP BY GROUPING SETS (
        (category, status), (jurisdiction, status), (system, status),
        (jurisdiction, category, status), (status)
    )
)
SELECT
    dimension, category, jurisdiction, system, status, n,
    n / sum(n) OVER (PARTITION BY dimension, category, jurisdiction, system) AS rate
FROM grouped
ORDER BY dimension, category, jurisdiction, system, status

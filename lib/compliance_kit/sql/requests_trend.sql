-- On-time performance per period of receipt ($period: 'month' or 'quarter') and region
-- (request_status_regions.region: FR -> EEA, US-CA -> US): the $top regions by volume by name, the
-- rest as 'other', plus an 'all' line. Percentages as in requests_performance.sql (fixed
-- deadlines only).
WITH tagged AS (
    SELECT date_trunc($period, received_date)::DATE AS period, region, class
    FROM request_status_regions
    WHERE class IS NOT NULL
),
top AS (
    SELECT region FROM tagged GROUP BY region ORDER BY count(*) DESC, region LIMIT $top
),
grouped AS (
    SELECT period, CASE WHEN region IN (SELECT region FROM top) THEN region ELSE 'other' END AS region, class
    FROM tagged
    UNION ALL
    SELECT period, 'all', class FROM tagged
)
SELECT period, region,
       count(*) AS received,
       count(*) FILTER (WHERE class = 'responded_in_time') AS responded_in_time,
       round(100 * CAST(count(*) FILTER (WHERE class = 'responded_in_time') AS DOUBLE) / count(*), 2) AS performance_pct
FROM grouped
GROUP BY ALL
ORDER BY period, region

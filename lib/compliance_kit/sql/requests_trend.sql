-- On-time performance per period of receipt ($period: 'month' or 'quarter') and region
-- (request_status_regions.region: FR -> EEA, US-CA -> US): the $top regions by volume by name, the
-- rest as 'other', plus an 'all' line. Percentages as in requests_performance.sql (fixed
-- deadlines only).
-- Counted per period and region first (a few hundred rows), then regrouped: the requests
-- are read once.
WITH tagged AS (
    SELECT date_trunc($period, received_date)::DATE AS period, region,
           count(*) AS received,
           count(*) FILTER (WHERE class = 'responded_in_time') AS responded_in_time
    FROM request_status_regions
    WHERE class IS NOT NULL
    GROUP BY ALL
),
top AS (
    SELECT region FROM tagged GROUP BY region ORDER BY sum(received) DESC, region LIMIT $top
),
grouped AS (
    SELECT period, CASE WHEN region IN (SELECT region FROM top) THEN region ELSE 'other' END AS region,
           received, responded_in_time
    FROM tagged
    UNION ALL
    SELECT period, 'all', received, responded_in_time FROM tagged
),
summed AS (
    SELECT period, region,
           CAST(sum(received) AS BIGINT) AS received,
           CAST(sum(responded_in_time) AS BIGINT) AS responded_in_time
    FROM grouped
    GROUP BY ALL
)
SELECT period, region, received, responded_in_time,
       round(100 * CAST(responded_in_time AS DOUBLE) / received, 2) AS performance_pct
FROM summed
ORDER BY period, region

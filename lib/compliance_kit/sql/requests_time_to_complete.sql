-- Days to complete per group: the Kaplan-Meier median and 90th percentile (open requests
-- censored, so a backlog cannot flatter them: requests_km.sql) beside the naive median
-- and p90 over completed requests only. A KM quantile is the first day at which the
-- estimated share still open falls to 50% (10%) or below; NULL when the curve never
-- gets there (too many requests still open).
-- with: curve = requests_km.sql
-- fill: dims list of jurisdiction, region, type, channel, month, week, deciding_rule_id, calendar, deadline_status
-- fill: source one of request_status, request_status_regions
-- {dims:join km}: km joined to naive on the grouping columns (a cross join without any).
WITH km AS (
    SELECT {dims}
           min(days) FILTER (WHERE survival <= 0.5) AS km_median_days,
           min(days) FILTER (WHERE survival <= 0.1) AS km_p90_days
    FROM curve
    GROUP BY ALL
),
naive AS (
    SELECT {dims}
           count(*) FILTER (WHERE completed) AS completed,
           count(*) FILTER (WHERE NOT completed) AS censored,
           quantile_cont(days_to_complete, 0.5) AS naive_median_days,
           quantile_cont(days_to_complete, 0.9) AS naive_p90_days
    FROM {source}
    GROUP BY ALL
)
SELECT naive.*, km.km_median_days, km.km_p90_days
FROM naive {dims:join km}
ORDER BY ALL

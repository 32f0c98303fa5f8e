-- The CCPA metrics of 11 CCR 7102(a) per request type, for requests from the scope
-- $scope (a jurisdiction code; its descendants included through jurisdiction_lineage):
-- received, complied with in whole or in part, denied, still open as of the report date,
-- and the median and mean days to a substantive response (received to completed, over
-- responded requests, as the regulation asks).
SELECT s.type AS request_type,
       CASE s.type WHEN 'access' THEN 'know' WHEN 'portability' THEN 'know'
                   WHEN 'deletion' THEN 'delete' WHEN 'correction' THEN 'correct'
                   WHEN 'opt_out' THEN 'opt-out (sell/share)' WHEN 'restriction' THEN 'limit'
                   ELSE 'other' END AS ccpa_category,
       count(*) AS received,
       count(*) FILTER (WHERE s.completed AND s.outcome IN ('complied', 'complied_in_part')) AS complied_in_whole_or_part,
       count(*) FILTER (WHERE s.completed AND s.outcome = 'denied') AS denied,
       count(*) FILTER (WHERE NOT s.completed) AS open,
       quantile_cont(s.days_to_complete, 0.5) AS median_days,
       round(avg(s.days_to_complete), 1) AS mean_days
FROM request_status AS s
WHERE s.jurisdiction IN (SELECT code FROM jurisdiction_lineage WHERE ancestor = $scope)
   OR s.jurisdiction = $scope
GROUP BY ALL
ORDER BY request_type

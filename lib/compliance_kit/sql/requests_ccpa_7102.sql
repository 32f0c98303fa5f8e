-- The CCPA metrics of 11 CCR 7102(a), for requests from the scope $scope (a jurisdiction
-- code; its descendants included through jurisdiction_lineage): received, complied with
-- in whole or in part, denied, still open as of the report date, and the median and mean
-- days to a substantive response (received to completed, over responded requests, as the
-- regulation asks).
-- fill: dims list of request_type, ccpa_category
-- The dims placeholder (compliance_kit.analysis.requests.ccpa_7102's `by`, never user
-- text): per request type with its category (the notebook's table), or per 7102 category
-- (the disclosure: a request to know covers access and portability).
WITH typed AS (
    SELECT s.type AS request_type,
           CASE s.type WHEN 'access' THEN 'know' WHEN 'portability' THEN 'know'
                       WHEN 'deletion' THEN 'delete' WHEN 'correction' THEN 'correct'
                       WHEN 'opt_out' THEN 'opt-out (sell/share)' WHEN 'restriction' THEN 'limit'
                       ELSE 'other' END AS ccpa_category,
           s.completed, s.outcome, s.days_to_complete
    FROM request_status AS s
    WHERE s.jurisdiction IN (SELECT code FROM jurisdiction_lineage WHERE ancestor = $scope)
       OR s.jurisdiction = $scope
)
SELECT {dims}
       count(*) AS received,
       count(*) FILTER (WHERE completed AND outcome IN ('complied', 'complied_in_part')) AS complied_in_whole_or_part,
       count(*) FILTER (WHERE completed AND outcome = 'denied') AS denied,
       count(*) FILTER (WHERE NOT completed) AS open,
       quantile_cont(days_to_complete, 0.5) AS median_days,
       round(avg(days_to_complete), 1) AS mean_days
FROM typed
GROUP BY ALL
ORDER BY 1

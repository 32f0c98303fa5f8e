-- request_status with its region (requests_regions.sql): a separate view
-- (`request_status_regions`), so that only the queries grouping by region pay for the join.
SELECT s.*, coalesce(g.region, s.jurisdiction) AS region
FROM request_status AS s
LEFT JOIN request_regions AS g ON g.code = s.jurisdiction

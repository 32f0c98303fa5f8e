-- region: a jurisdiction's widest bloc or country below GLOBAL (FR -> EEA, US-CA -> US),
-- for tables and charts that would otherwise split into dozens of small cells. Kept as
-- the table `request_regions` by analysis/requests.py; read by requests_status_regions.sql.
SELECT code, arg_max(ancestor, depth) AS region
FROM jurisdiction_lineage
WHERE ancestor <> 'GLOBAL'
GROUP BY code

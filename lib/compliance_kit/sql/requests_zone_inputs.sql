-- The jurisdictions whose zone the request pass needs (issue 16, compliance_kit.timezones):
-- every code of the store, each with the holiday calendar of the data controller serving
-- it (most specific scope; NULL when none): a bloc takes that controller's zone. A request
-- code the store does not know is counted in UTC (requests_in_scope.sql: coalesce).
WITH codes AS (
    SELECT code FROM jurisdictions
),
lin AS (
    SELECT code, ancestor, depth FROM jurisdiction_lineage
),
controller_cal AS (
    SELECT l.code, upper(trim(dc.holiday_calendar)) AS cal
    FROM lin AS l JOIN data_controllers AS dc ON dc.scope = l.ancestor
    WHERE dc.holiday_calendar IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY l.code ORDER BY l.depth) = 1
)
SELECT c.code, cc.cal AS controller_calendar
FROM codes AS c LEFT JOIN controller_cal AS cc USING (code)
ORDER BY c.code

-- The rows of a relation the kit made (a count to report, e.g. calendar_days).
-- fill: relation one of calendar_days, request_status
SELECT count(*) AS n FROM {relation}

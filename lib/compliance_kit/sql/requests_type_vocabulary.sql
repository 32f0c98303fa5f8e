-- The request types the requests use, in text order: the values of the ENUM type
-- rq_type_enum, as which request_status_base stores each request's type on DuckDB
-- (requests.prepare, Engine.declare_enum; docs/metrics-requests.md, "Fourth round"). As
-- requests_jurisdiction_vocabulary.sql.
SELECT DISTINCT type FROM requests WHERE type IS NOT NULL ORDER BY type

-- The jurisdiction codes the requests use, in text order: the values of the ENUM type
-- rq_jurisdiction_enum, as which request_status_base stores each request's jurisdiction on
-- DuckDB (one byte instead of a string; requests.prepare, Engine.declare_enum;
-- docs/metrics-requests.md, "Fourth round"). Read from the requests, not from the store's
-- jurisdictions: a code the store does not know is a request all the same (it meets the
-- GLOBAL rules). In text order, so that a sort on the ENUM (by its code) gives the rows in
-- the order a sort on the strings gives.
SELECT DISTINCT jurisdiction FROM requests WHERE jurisdiction IS NOT NULL ORDER BY jurisdiction

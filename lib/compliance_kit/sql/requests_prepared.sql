-- Whether requests.prepare ran on this DuckDB connection (the TEMP view request_status
-- exists): a metric asked of an unprepared connection says what to call instead of failing
-- on a missing table.
SELECT count(*) AS found FROM duckdb_views() WHERE view_name = 'request_status' AND temporary

-- Helpers for the request-turnaround SQL, created as TEMP macros on the analysis
-- connection (the store may be read-only). Days are UTC days: the store keeps every
-- timestamp in UTC, and epoch arithmetic is exact for UTC and far cheaper per row than a
-- time-zone-aware cast (timestamps from 1970 on).
CREATE OR REPLACE TEMP MACRO rq_day(ts) AS
    DATE '1970-01-01' + (epoch_us(ts) // 86400000000)::INTEGER;
-- The instant a UTC day begins: a response is in time when it comes before
-- rq_midnight(due_date + 1).
CREATE OR REPLACE TEMP MACRO rq_midnight(d) AS
    make_timestamptz((d - DATE '1970-01-01')::BIGINT * 86400000000);
-- Local days (issue 16; docs/metrics-requests.md, "Days and time zones"): the day an
-- instant falls on in an IANA zone, and the instant a local day begins there. DST-safe (the
-- zone database: a day of 23 or 25 hours begins at its own local midnight). On Spark:
-- from_utc_timestamp / to_utc_timestamp (engines/transpile.py, transform 10).
CREATE OR REPLACE TEMP MACRO rq_local_day(ts, tz) AS
    CAST(timezone(tz, ts) AS DATE);
CREATE OR REPLACE TEMP MACRO rq_local_midnight(d, tz) AS
    timezone(tz, CAST(d AS TIMESTAMP));

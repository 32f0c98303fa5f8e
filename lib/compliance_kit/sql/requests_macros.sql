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
-- The UTC offset of a zone at an instant given in microseconds since the epoch (ICU:
-- its wall time there less the instant), for request_zone_days (requests_zone_days.sql).
CREATE OR REPLACE TEMP MACRO rq_zone_offset_us(us, tz) AS
    epoch_us(CAST(timezone(tz, make_timestamptz(us)) AS TIMESTAMP)) - us;
-- The UTC day number of an instant (days since 1970-01-01): the key of request_zone_days.
CREATE OR REPLACE TEMP MACRO rq_utc_day_no(ts) AS
    CAST(epoch_us(ts) // 86400000000 AS INTEGER);
-- The local day of an instant from its row of request_zone_days (offset at the start of its
-- UTC day, and the instant that day's change happens and the offset after it): the same
-- date as rq_local_day(ts, tz), by arithmetic (tests/test_requests_zone_days.py).
CREATE OR REPLACE TEMP MACRO rq_zone_day(ts, offset_us, change_us, offset_after_us) AS
    DATE '1970-01-01' + CAST((epoch_us(ts) + CASE WHEN epoch_us(ts) >= change_us THEN offset_after_us
                                                  ELSE offset_us END) // 86400000000 AS INTEGER);

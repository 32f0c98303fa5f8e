-- Request turnaround (docs/metrics-requests.md, "Days and time zones"): the UTC offset of
-- every zone of request_zones on every UTC day from $first_day to $last_day, and the instant
-- it changes within the day when it does (a DST transition). Stored as the TEMP table
-- request_zone_days; the local day of an instant is then epoch arithmetic on its row
-- (rq_zone_day, requests_macros.sql) instead of a time-zone conversion per request (ICU's
-- timezone() costs about five times the lookup). Built from the same zone database as
-- timezone() (DuckDB's ICU): the offset at the start and the end of each day; on a day
-- where they differ, the first minute and then the first second with the new offset (the
-- zone database's transitions are whole seconds). A day with more than one change (none in
-- the zone database since 1970) is checked for by prepare (no row: the conversion is then
-- ICU's, rq_local_day). tests/test_requests_zone_days.py compares it with timezone() around
-- every transition of every zone.
-- Parameters: $first_day DATE, $last_day DATE (from 1970-01-02: epoch days are positive).
-- macros: requests_macros.sql
WITH
days AS (
    SELECT z.zone_no, z.time_zone, d.utc_day,
           d.utc_day * 86400000000 AS start_us
    FROM (SELECT DISTINCT zone_no, time_zone FROM request_zones) AS z,
         (SELECT CAST(range AS BIGINT) AS utc_day
          FROM range(greatest($first_day::DATE - DATE '1970-01-01', 1),
                     $last_day::DATE - DATE '1970-01-01' + 1)) AS d
),
edges AS (
    SELECT *, rq_zone_offset_us(start_us, time_zone) AS offset_us,
           rq_zone_offset_us(start_us + 86400000000 - 1000000, time_zone) AS end_offset_us
    FROM days
),
-- the days with a change: the offset at every minute, then at every second of the minute
-- the change falls in
minutes AS (
    SELECT e.zone_no, e.utc_day, e.start_us, e.offset_us, m.minute,
           rq_zone_offset_us(e.start_us + m.minute * 60000000, e.time_zone) AS minute_offset_us,
           e.time_zone
    FROM edges AS e, (SELECT CAST(range AS BIGINT) AS minute FROM range(0, 1441)) AS m
    WHERE e.offset_us <> e.end_offset_us
),
changed_minute AS (
    SELECT zone_no, utc_day, start_us, offset_us, time_zone,
           min(minute) FILTER (WHERE minute_offset_us <> offset_us) AS minute,
           -- more than two offsets in the day: more than one change (left to ICU, below)
           count(DISTINCT minute_offset_us) AS offsets_seen
    FROM minutes
    GROUP BY ALL
),
changes AS (
    SELECT c.zone_no, c.utc_day, c.offsets_seen,
           min(s.at_us) FILTER (WHERE rq_zone_offset_us(s.at_us, c.time_zone) <> c.offset_us) AS change_us
    FROM changed_minute AS c,
         LATERAL (SELECT c.start_us + (c.minute - 1) * 60000000 + CAST(range AS BIGINT) * 1000000 AS at_us
                  FROM range(1, 61)) AS s
    GROUP BY ALL
)
SELECT e.zone_no, CAST(e.utc_day AS INTEGER) AS utc_day, e.offset_us, c.change_us,
       CASE WHEN c.change_us IS NOT NULL THEN e.end_offset_us END AS offset_after_us
FROM edges AS e
LEFT JOIN changes AS c ON c.zone_no = e.zone_no AND c.utc_day = e.utc_day
-- a day with more than one change has no row: its instants go through ICU (rq_local_day)
WHERE coalesce(c.offsets_seen, 1) <= 2

-- Request turnaround (docs/metrics-requests.md, "How it runs"): one made-up plain request
-- per (jurisdiction, type) of `requests` and local day of receipt from its first to its
-- last (a superset of the days the requests fall on, found from two days per pair), received
-- at the local midnight that starts the day, with nothing else known of it. The slot
-- machinery (requests_decided.sql) gives it the deadlines every plain request of that
-- jurisdiction, type and day has: request_plain_due (requests_plain_due.sql). A few
-- thousand rows per pair at most, whatever the number of requests.
-- with: zone_ends = requests_zone_ends.sql
-- macros: requests_macros.sql
WITH spans AS (
    SELECT r.jurisdiction, r.type, min(r.received_at) AS first_at, max(r.received_at) AS last_at
    FROM requests AS r
    WHERE r.jurisdiction IS NOT NULL AND r.type IS NOT NULL
    GROUP BY r.jurisdiction, r.type
),
zoned AS (
    SELECT s.jurisdiction, s.type, s.first_at, s.last_at, z.as_of_end,
           coalesce(z.time_zone, 'UTC') AS tz
    FROM spans AS s
    -- a code the store does not know is never plain (requests_in_scope.sql): no row
    JOIN zone_ends AS z ON z.jurisdiction = s.jurisdiction
    WHERE NOT z.counts_hours
)
SELECT CAST(NULL AS VARCHAR) AS request_id, d.jurisdiction, d.type,
       CAST(NULL AS VARCHAR) AS channel,
       rq_local_midnight(e.day, d.tz) AS received_at,
       CAST(NULL AS TIMESTAMPTZ) AS completed_at, CAST(NULL AS VARCHAR) AS outcome,
       CAST(NULL AS VARCHAR) AS denial_category, d.tz, d.as_of_end, e.day AS received_date,
       CAST(NULL AS TIMESTAMPTZ) AS done_at, CAST(NULL AS DATE) AS done_date,
       CAST(NULL AS TIMESTAMPTZ) AS id_requested_at, CAST(NULL AS TIMESTAMPTZ) AS id_verified_at,
       CAST(NULL AS TIMESTAMPTZ) AS extension_notified_at,
       CAST(NULL AS TIMESTAMPTZ) AS extension_told_until,
       CAST(NULL AS TIMESTAMPTZ) AS clarification_requested_at,
       CAST(NULL AS TIMESTAMPTZ) AS clarification_received_at,
       FALSE AS plain  -- made up to be decided by the machinery (requests_decided.sql)
FROM zoned AS d
JOIN request_epochs AS e
  ON e.day BETWEEN rq_local_day(d.first_at, d.tz) AND rq_local_day(d.last_at, d.tz)

-- Request turnaround (docs/metrics-requests.md, "How it runs"): the requests in scope, each
-- with its zone, the end of the as-of day there, its local day of receipt, what is known of
-- it as of that end, and whether it is plain. Read twice by requests_status.sql (once for
-- the plain requests, once for the others: two scans of the Parquet rather than one
-- result kept in memory).
-- Parameters: $as_of_end TIMESTAMPTZ; $window_start, $window_end DATE or NULL (local days of
-- receipt, inclusive); $jurisdictions VARCHAR[] or NULL (a request matches when one of its
-- ancestors, itself included, is listed: 'EEA' selects FR); $types VARCHAR[] or NULL.
-- with: zone_ends = requests_zone_ends.sql
-- macros: requests_macros.sql
SELECT r.request_id, r.jurisdiction, r.type, r.channel, r.received_at, r.completed_at,
       r.outcome, r.denial_category, r.tz, r.as_of_end, r.received_date,
       -- As of the END of the as-of day in the request's zone (as_of_end, per request:
       -- "due today" is in time everywhere): what happened later has not happened yet (a
       -- completion later than that leaves the request open; a later identity request,
       -- verification or extension notice is not known yet).
       CASE WHEN r.completed_at < r.as_of_end THEN r.completed_at END AS done_at,
       -- its local day, once (the day counts of the final SELECT read it)
       CASE WHEN r.completed_at < r.as_of_end THEN r.completed_date END AS done_date,
       CASE WHEN r.id_requested_at < r.as_of_end THEN r.id_requested_at END AS id_requested_at,
       CASE WHEN r.id_verified_at < r.as_of_end THEN r.id_verified_at END AS id_verified_at,
       CASE WHEN r.extension_notified_at < r.as_of_end
            THEN r.extension_notified_at END AS extension_notified_at,
       -- the date told travels with the extension notice: known when the notice is
       CASE WHEN r.extension_notified_at < r.as_of_end
            THEN r.extension_told_until END AS extension_told_until,
       CASE WHEN r.clarification_requested_at < r.as_of_end
            THEN r.clarification_requested_at END AS clarification_requested_at,
       CASE WHEN r.clarification_received_at < r.as_of_end
            THEN r.clarification_received_at END AS clarification_received_at,
       -- A plain request: nothing but its receipt moves its deadline (no identity request
       -- or verification, extension notice or clarification in the data, whatever their
       -- dates), and no rule of its jurisdiction counts hours. Its deadlines are those of
       -- its (jurisdiction, type, local day of receipt), request_plain_due
       -- (requests_plain_due.sql), met by one join; the slot machinery runs for the others
       -- only (requests_decided.sql). Read from the data's own columns, so a check after
       -- the as-of day makes a request not plain, which the machinery then decides.
       r.jurisdiction IS NOT NULL AND r.type IS NOT NULL AND NOT r.counts_hours
         AND r.id_requested_at IS NULL AND r.id_verified_at IS NULL
         AND r.extension_notified_at IS NULL AND r.clarification_requested_at IS NULL
         AND r.clarification_received_at IS NULL AS plain
FROM (
    -- the request's zone (request_zones; a code the store does not know: UTC), the end
    -- of the as-of day there (zone_ends: the local midnight that starts the date of
    -- $as_of_end, the one definition of the end of the as-of day,
    -- compliance_kit.contract.AsOf.end) and the local days of receipt and completion:
    -- arithmetic on the zone's offset that UTC day (request_zone_days,
    -- requests_zone_days.sql: a hash probe costs a fifth of ICU's conversion), else
    -- (an instant outside the table's span, a code the store does not know) ICU's
    SELECT q.*, coalesce(z.time_zone, 'UTC') AS tz,
           coalesce(z.as_of_end, rq_local_midnight(rq_day($as_of_end), 'UTC')) AS as_of_end,
           coalesce(rq_zone_day(q.received_at, dr.offset_us, dr.change_us, dr.offset_after_us),
                    rq_local_day(q.received_at, coalesce(z.time_zone, 'UTC'))) AS received_date,
           CASE WHEN q.completed_at IS NOT NULL THEN
               coalesce(rq_zone_day(q.completed_at, dc.offset_us, dc.change_us, dc.offset_after_us),
                        rq_local_day(q.completed_at, coalesce(z.time_zone, 'UTC'))) END AS completed_date,
           -- a code the store does not know: never plain (its rules are GLOBAL's)
           coalesce(z.counts_hours, TRUE) AS counts_hours
    FROM requests AS q
    LEFT JOIN zone_ends AS z ON z.jurisdiction = q.jurisdiction
    LEFT JOIN request_zone_days AS dr
      ON dr.zone_no = z.zone_no AND dr.utc_day = rq_utc_day_no(q.received_at)
    LEFT JOIN request_zone_days AS dc
      ON dc.zone_no = z.zone_no AND dc.utc_day = rq_utc_day_no(q.completed_at)
) AS r
WHERE r.received_at < r.as_of_end
  -- the window is of local days of receipt
  AND ($window_start::DATE IS NULL OR r.received_date >= $window_start::DATE)
  AND ($window_end::DATE IS NULL OR r.received_date <= $window_end::DATE)
  AND ($types::VARCHAR[] IS NULL OR list_contains($types::VARCHAR[], r.type))
  AND ($jurisdictions::VARCHAR[] IS NULL OR r.jurisdiction IN (
          SELECT code FROM jurisdiction_lineage
          WHERE list_contains($jurisdictions::VARCHAR[], ancestor)
          UNION ALL SELECT unnest($jurisdictions::VARCHAR[])))

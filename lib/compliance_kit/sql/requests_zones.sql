-- The IANA time zone of every jurisdiction code (TEMP table request_zones): the day of
-- receipt, the end of a due day and "on time" are judged in it (docs/metrics-requests.md,
-- "Days and time zones"). Rows made in Python (compliance_kit.timezones.request_zone_rows)
-- and bound as two parallel lists. zone_no numbers the zones: the key of the zone's
-- UTC-offset days (request_zone_days, requests_zone_days.sql).
SELECT jurisdiction, time_zone, CAST(dense_rank() OVER (ORDER BY time_zone) AS INTEGER) AS zone_no
FROM (SELECT unnest($codes::VARCHAR[]) AS jurisdiction, unnest($zones::VARCHAR[]) AS time_zone)

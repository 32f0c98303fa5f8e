-- The IANA time zone of every jurisdiction code (TEMP table request_zones): the day of
-- receipt, the end of a due day and "on time" are judged in it (docs/metrics-requests.md,
-- "Days and time zones"). Rows made in Python (compliance_kit.timezones.request_zone_rows)
-- and bound as two parallel lists.
SELECT unnest($codes::VARCHAR[]) AS jurisdiction, unnest($zones::VARCHAR[]) AS time_zone

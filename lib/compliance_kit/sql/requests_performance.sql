-- Timeliness per group, from the TEMP table request_status (requests_status.sql).
-- fill: dims list of jurisdiction, region, type, channel, month, week, deciding_rule_id, calendar, deadline_status
-- fill: source one of request_status, request_status_regions
-- The dims placeholder is a list of request_status columns chosen from a fixed whitelist in
-- compliance_kit.analysis.requests (never user text). With no dims: one row. The source
-- placeholder is request_status, or request_status_regions when grouping by region.
-- received = requests with a fixed deadline (or whose clock has not started yet);
-- requests whose rule sets no fixed period (without delay, none) or that no rule covers
-- are counted in no_fixed_deadline and kept out of the percentages. Percentages are
-- computed in DOUBLE (not from a 100.0 literal, which Spark would keep as a DECIMAL), so
-- both engines return the same type.
SELECT
    {dims}
    count(*) FILTER (WHERE class IS NOT NULL) AS received,
    count(*) FILTER (WHERE class = 'responded_in_time') AS responded_in_time,
    count(*) FILTER (WHERE class = 'responded_late') AS responded_late,
    count(*) FILTER (WHERE class = 'open_in_time') AS open_in_time,
    count(*) FILTER (WHERE class = 'open_late') AS open_late,
    round(100 * CAST(count(*) FILTER (WHERE class = 'responded_in_time') AS DOUBLE)
          / nullif(count(*) FILTER (WHERE class IS NOT NULL), 0), 2) AS performance_pct,
    round(100 * CAST(count(*) FILTER (WHERE class IN ('responded_in_time', 'open_in_time')) AS DOUBLE)
          / nullif(count(*) FILTER (WHERE class IS NOT NULL), 0), 2) AS max_achievable_pct,
    count(*) FILTER (WHERE extended) AS extended,
    count(*) FILTER (WHERE paused) AS paused,
    count(*) FILTER (WHERE extension_notice_late) AS extension_notice_late,
    count(*) FILTER (WHERE extension_told_beyond_max) AS extension_told_beyond_max,
    count(*) FILTER (WHERE class IS NULL) AS no_fixed_deadline,
    count(*) AS received_all
FROM {source}
GROUP BY ALL
ORDER BY ALL

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
-- Two steps: the requests are counted per group and combination of class and flags (a
-- few dozen rows per group), and those counts are summed per column (one hash aggregate
-- over the requests instead of a dozen filtered counts per request). A sum over no row is
-- NULL where a count is 0: coalesce. Sums are cast back to BIGINT (DuckDB widens them).
WITH counted AS (
    SELECT {dims}
           class, extended, paused, extension_notice_late, extension_told_beyond_max,
           count(*) AS n
    FROM {source}
    GROUP BY ALL
),
summed AS (
    SELECT
        {dims}
        coalesce(CAST(sum(n) FILTER (WHERE class IS NOT NULL) AS BIGINT), 0) AS received,
        coalesce(CAST(sum(n) FILTER (WHERE class = 'responded_in_time') AS BIGINT), 0) AS responded_in_time,
        coalesce(CAST(sum(n) FILTER (WHERE class = 'responded_late') AS BIGINT), 0) AS responded_late,
        coalesce(CAST(sum(n) FILTER (WHERE class = 'open_in_time') AS BIGINT), 0) AS open_in_time,
        coalesce(CAST(sum(n) FILTER (WHERE class = 'open_late') AS BIGINT), 0) AS open_late,
        coalesce(CAST(sum(n) FILTER (WHERE extended) AS BIGINT), 0) AS extended,
        coalesce(CAST(sum(n) FILTER (WHERE paused) AS BIGINT), 0) AS paused,
        coalesce(CAST(sum(n) FILTER (WHERE extension_notice_late) AS BIGINT), 0) AS extension_notice_late,
        coalesce(CAST(sum(n) FILTER (WHERE extension_told_beyond_max) AS BIGINT), 0) AS extension_told_beyond_max,
        coalesce(CAST(sum(n) FILTER (WHERE class IS NULL) AS BIGINT), 0) AS no_fixed_deadline,
        coalesce(CAST(sum(n) AS BIGINT), 0) AS received_all
    FROM counted
    GROUP BY ALL
)
SELECT
    {dims}
    received, responded_in_time, responded_late, open_in_time, open_late,
    round(100 * CAST(responded_in_time AS DOUBLE) / nullif(received, 0), 2) AS performance_pct,
    round(100 * CAST(responded_in_time + open_in_time AS DOUBLE) / nullif(received, 0), 2) AS max_achievable_pct,
    extended, paused, extension_notice_late, extension_told_beyond_max, no_fixed_deadline,
    received_all
FROM summed
ORDER BY ALL

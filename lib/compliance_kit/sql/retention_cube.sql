-- Every retention metric from ONE pass over the per-record verdicts (`status`, i.e.
-- retention_status.sql composed in by analysis/retention.py): a GROUPING SETS aggregate
-- whose four parts the metric queries (retention_metric_*.sql) read.
-- with: status = retention_status.sql
-- with: status_names = retention_status_names.sql
-- with: known_codes = retention_jurisdiction_numbers.sql
-- with: category_nos = retention_category_numbers.sql
-- with: rule_nos = retention_rule_numbers.sql
--   part 'status'   (category, jurisdiction, system, status): records, days overdue
--   part 'timeline' (status, deadline_month, ageing_bucket, rule_id): records, days
--                   overdue (trend, ageing, the rule that set each deadline)
--   part 'upcoming' (category, system, upcoming_day): clocks running out within
--                   $horizon_days days after the instant
--   part 'readings' (category, status_strictest, status_table, status_text): records
--                   per status under each reading of the policy (the comparison of
--                   readings and the verdict changes read it; same pass)
--   part 'lag'      (category, lag_bin): erased records by erasure lag / allowed delay:
--                   bins 1/1000 of the allowed delay wide on [-2, 2), 0.1% of the value wide
--                   beyond; a percentile read from it is within 0.0005 x max(1, |value|) of
--                   the exact nearest-rank value (retention_metric_lag_percentiles.sql)
-- Parameters: $as_of_end (TIMESTAMPTZ: the end of the as-of day, exclusive), $horizon_days
-- (INTEGER), and status's filters.
-- Statuses travel as their numbers (status_no; retention_status_names.sql) through the
-- pass and the aggregate, and are named on the cube's rows at the end; so do categories
-- and jurisdictions (category_nos, known_codes), the deciding rule (rule_nos) and ageing
-- buckets: DuckDB materialises the per-record facts for the grouping sets, and integers
-- are narrower to write and cheaper to hash than text. A category or jurisdiction the
-- policy does not know has no number: its text is carried instead (other_category,
-- other_jurisdiction; NULL for all the others).
WITH facts AS (
    SELECT
        category_no,
        CASE WHEN category_no IS NULL THEN category END AS other_category,
        jurisdiction_no,
        CASE WHEN jurisdiction_no IS NULL THEN jurisdiction END AS other_jurisdiction,
        system,
        status_no,
        rule_no,
        CAST(date_trunc('month', deadline) AS DATE) AS deadline_month,
        -- the ageing bucket by number (named at the end)
        CASE
            WHEN status_no <> 3 THEN NULL -- not overdue
            WHEN days_overdue <= 7 THEN 1
            WHEN days_overdue <= 30 THEN 2
            WHEN days_overdue <= 90 THEN 3
            ELSE 4
        END AS ageing_no,
        days_overdue,
        status_strictest_no,
        status_table_no,
        status_text_no,
        CASE WHEN status_no = 4 -- clock_running
              AND deadline_us < epoch_us($as_of_end) + $horizon_days * 86400000000
             THEN CAST(deadline AS DATE) END AS upcoming_day,
        -- lag histogram bin: 1/1000 wide on [-2, 2) (around the deadline, where it matters),
        -- 0.1% wide relative bins beyond (so the bin count stays in the thousands however
        -- far lags spread); ratios clamped to +-1e6
        CASE
            WHEN lag_ratio IS NULL THEN NULL
            WHEN lag_ratio >= 2 THEN 2000 + CAST(floor(ln(least(lag_ratio, 1e6) / 2) / ln(1.001)) AS INTEGER)
            WHEN lag_ratio < -2 THEN -2001 - CAST(floor(ln(least(-lag_ratio, 1e6) / 2) / ln(1.001)) AS INTEGER)
            ELSE CAST(floor(lag_us * 1000.0 / allowed_us) AS INTEGER)
        END AS lag_bin
    FROM status
),
grouped AS (
SELECT
    CASE
        WHEN grouping(jurisdiction_no) = 0 THEN 'status'
        WHEN grouping(deadline_month) = 0 THEN 'timeline'
        WHEN grouping(upcoming_day) = 0 THEN 'upcoming'
        WHEN grouping(status_table_no) = 0 THEN 'readings'
        ELSE 'lag'
    END AS part,
    category_no,
    other_category,
    jurisdiction_no,
    other_jurisdiction,
    system,
    status_no,
    rule_no,
    deadline_month,
    ageing_no,
    upcoming_day,
    lag_bin,
    status_strictest_no,
    status_table_no,
    status_text_no,
    count(*) AS n,
    CAST(sum(days_overdue) AS BIGINT) AS days_overdue_sum,
    max(days_overdue) AS days_overdue_max
FROM facts
-- Small sets, each its own hash table: crossing them all (category x jurisdiction x
-- system x status x month x rule) multiplies the groups and costs more than the scan.
GROUP BY GROUPING SETS (
    (category_no, other_category, jurisdiction_no, other_jurisdiction, system, status_no),
    (status_no, deadline_month, ageing_no, rule_no),
    (category_no, other_category, system, upcoming_day),
    (category_no, other_category, status_strictest_no, status_table_no, status_text_no),
    (category_no, other_category, lag_bin)
)
)
SELECT
    c.part,
    coalesce(cn.category, c.other_category) AS category,
    coalesce(k.code, c.other_jurisdiction) AS jurisdiction,
    c.system, s.status, r.rule_id, c.deadline_month,
    CASE c.ageing_no WHEN 1 THEN '0-7' WHEN 2 THEN '8-30' WHEN 3 THEN '31-90' WHEN 4 THEN '>90' END AS ageing_bucket,
    c.upcoming_day, c.lag_bin,
    s1.status AS status_strictest, s2.status AS status_table, s3.status AS status_text,
    c.n, c.days_overdue_sum, c.days_overdue_max
FROM grouped AS c
LEFT JOIN category_nos AS cn ON cn.category_no = c.category_no
LEFT JOIN known_codes AS k ON k.code_no = c.jurisdiction_no
LEFT JOIN rule_nos AS r ON r.rule_no = c.rule_no
LEFT JOIN status_names AS s ON s.status_no = c.status_no
LEFT JOIN status_names AS s1 ON s1.status_no = c.status_strictest_no
LEFT JOIN status_names AS s2 ON s2.status_no = c.status_table_no
LEFT JOIN status_names AS s3 ON s3.status_no = c.status_text_no

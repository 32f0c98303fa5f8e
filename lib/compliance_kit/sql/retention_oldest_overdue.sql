-- The records overdue the longest (raw ids: pseudonymise before showing).
-- Parameters: those of retention_status.sql ($open_only true: the records that cannot be
-- overdue are dropped before the joins), and $limit (rows).
-- With the fill-in candidates = overdue_candidates, status reads only the records whose
-- deadline could be at most a bound (retention_status.sql, `overdue_bound`), and the list
-- keeps only the overdue records whose deadline is at most it: every record with such a
-- deadline was read, so when $limit rows come back they are exactly the head of the whole
-- list (analysis/retention.py oldest_overdue; with fewer it reads every record, candidates
-- = all, where the bound is NULL).
-- with: status = retention_status.sql
-- with: rule_nos = retention_rule_numbers.sql
-- The deciding rule is named (rule_nos) on the few rows kept, not on every record.
WITH oldest AS (
    SELECT record_id, category, system, jurisdiction, trigger_event, rule_no,
           clock_start, deadline, days_overdue
    FROM status
    WHERE status_no = 3 -- overdue (retention_status_names.sql)
      AND (candidate_bound_us IS NULL OR deadline_us <= candidate_bound_us)
    ORDER BY days_overdue DESC, deadline, record_id
    LIMIT $limit
)
SELECT o.record_id, o.category, o.system, o.jurisdiction, o.trigger_event, r.rule_id,
       o.clock_start, o.deadline, o.days_overdue
FROM oldest AS o
LEFT JOIN rule_nos AS r ON r.rule_no = o.rule_no
ORDER BY o.days_overdue DESC, o.deadline, o.record_id

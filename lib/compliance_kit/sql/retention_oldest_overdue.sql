-- The records overdue the longest (raw ids: pseudonymise before showing).
-- Parameters: those of retention_status.sql ($open_only true: the records that cannot be
-- overdue are dropped before the joins), and $limit (rows).
-- with: status = retention_status.sql
SELECT record_id, category, system, jurisdiction, trigger_event, rule_id,
       clock_start, deadline, days_overdue
FROM status
WHERE status_no = 3 -- overdue (retention_status_names.sql)
ORDER BY days_overdue DESC, deadline, record_id
LIMIT $limit

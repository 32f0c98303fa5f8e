-- The verdict per record, with its status by name (retention.record_status): the one
-- per-record output of retention_status.sql, which gives the status as its number.
-- with: status = retention_status.sql
-- with: status_names = retention_status_names.sql
-- with: rule_nos = retention_rule_numbers.sql
-- Parameters: those of retention_status.sql.
SELECT
    s.record_id, s.account_id, s.category, s.system, s.jurisdiction, s.rule_jurisdiction,
    s.created_at, s.erased_at, s.legal_hold, s.trigger_event, r.rule_id, s.clock_start,
    s.deadline, s.retain_rule, s.retain_until, n.status, s.days_overdue, s.lag_ratio
FROM status AS s
LEFT JOIN status_names AS n ON n.status_no = s.status_no
LEFT JOIN rule_nos AS r ON r.rule_no = s.rule_no

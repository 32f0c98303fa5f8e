-- Records per status under one reading of the policy (analysis/retention.py
-- compare_rule_sets runs it once per reading).
-- with: status = retention_status.sql
SELECT status, count(*) AS n FROM status GROUP BY status

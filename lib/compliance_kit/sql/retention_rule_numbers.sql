-- The resolved retention rules by number (rule_no, 1 = the first rule id in order).
-- with: resolved_rules = retention_rules.sql
-- The pass over every record (retention_status.sql) carries the rule that set a record's
-- deadline as this number: the rule plan is joined onto every record, and an integer is
-- cheaper than a text to copy there, to carry and to group by. Whatever shows a rule
-- (the cube, the per-record drill-down, the oldest-overdue list) names it through this
-- same list, on the rows it returns.
SELECT rule_id, CAST(row_number() OVER (ORDER BY rule_id) AS INTEGER) AS rule_no
FROM (SELECT DISTINCT rule_id FROM resolved_rules) AS d

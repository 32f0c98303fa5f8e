-- The triggers the policy's erase_within rules use, under any reading, and whether some
-- rule of each counts calendar months: retention_status.sql's fill-ins `triggers`,
-- `month_triggers` and `day_triggers` are made of them (analysis/retention.py
-- trigger_fill), so that the pass over every record carries no column for a trigger that
-- can set no deadline.
-- with: resolved_rules = retention_rules.sql
-- Parameters: those of retention_rules.sql.
SELECT trigger_event, max(delay_months) > 0 AS counts_months
FROM resolved_rules
WHERE kind = 'erase_within' AND evaluated
GROUP BY trigger_event

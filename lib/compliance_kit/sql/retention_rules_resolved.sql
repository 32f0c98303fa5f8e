-- The resolved retention rules for people to read (analysis/retention.py resolved_rules):
-- `delay` is an interval for the engine; max_delay says the same in words.
-- with: resolved_rules = retention_rules.sql
SELECT * EXCLUDE (delay) FROM resolved_rules

-- The resolved retention rules for people to read (analysis/retention.py resolved_rules):
-- `delay` is an interval for the engine; max_delay says the same in words. One reading:
-- $slot (strictest, table or text).
-- with: resolved_rules = retention_rules.sql
SELECT * EXCLUDE (delay, slot) FROM resolved_rules WHERE slot = $slot

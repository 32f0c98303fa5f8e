-- The erasure delay the retention table allows per category (for the RoPA's observed
-- sheet, beside the p95 lag, which is a multiple of each record's own allowed delay).
SELECT category_id AS category, max_delay, trigger_event, source_section, source_quote
FROM retention_rules
WHERE rule_set = 'retention_table' AND kind = 'erase_within' AND jurisdiction = 'GLOBAL'
ORDER BY category_id

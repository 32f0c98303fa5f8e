-- The policy's own retention contradictions, found in the rules (used when the policy
-- package offers no find_conflicts): two erase_within rules from different rule sets
-- covering the same records (same trigger, overlapping category and jurisdiction)
-- with different delays (the table's 30/90 days against the text's 10 days), and a
-- minimum retention that outlasts an erasure rule covering the same records.
WITH rules AS (
    SELECT * FROM retention_rules WHERE rule_set <> 'recipient'
),
overlapping AS (
    SELECT a.*, b.rule_id AS other_rule_id, b.rule_set AS other_rule_set, b.kind AS other_kind,
           b.trigger_event AS other_trigger, b.max_delay AS other_max_delay,
           b.jurisdiction AS other_jurisdiction, b.category_id AS other_category,
           b.delay_months AS other_months, b.delay_days AS other_days, b.delay_hours AS other_hours
    FROM rules AS a
    JOIN rules AS b
      ON a.rule_id <> b.rule_id
     AND (a.category_id IS NULL OR b.category_id IS NULL OR a.category_id = b.category_id)
     AND (a.jurisdiction = b.jurisdiction
          OR EXISTS (SELECT 1 FROM jurisdiction_lineage AS l
                     WHERE (l.code = a.jurisdiction AND l.ancestor = b.jurisdiction)
                        OR (l.code = b.jurisdiction AND l.ancestor = a.jurisdiction)))
)
SELECT
    'erasure_periods_differ' AS conflict,
    rule_id, rule_set, coalesce(category_id, '*') AS category, jurisdiction, trigger_event, max_delay,
    other_rule_id, other_rule_set, coalesce(other_category, '*') AS other_category,
    other_jurisdiction, other_max_delay
FROM overlapping
WHERE kind = 'erase_within' AND other_kind = 'erase_within'
  AND rule_set < other_rule_set
  AND trigger_event = other_trigger
  AND (delay_months <> other_months OR delay_days <> other_days OR delay_hours <> other_hours)
UNION ALL
SELECT
    'minimum_outlasts_erasure' AS conflict,
    rule_id, rule_set, coalesce(category_id, '*'), jurisdiction, trigger_event, max_delay,
    other_rule_id, other_rule_set, coalesce(other_category, '*'), other_jurisdiction, other_max_delay
FROM overlapping
WHERE kind = 'retain_minimum' AND other_kind = 'erase_within'
ORDER BY 1, 2, 8

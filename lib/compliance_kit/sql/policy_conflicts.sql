-- Where the encoded policy contradicts itself, computed from retention_rules (never
-- typed in). Two kinds of conflict between rules that cover the same records:
--
--   minimum_vs_erasure        a retain_minimum rule (Indonesia: five years from
--                             collection) and an erase_within rule whose deadline can
--                             fall before the minimum ends (30 days after account
--                             deletion, 10 days after a deletion request, ...);
--   different_erasure_delays  two erase_within rules on the same trigger with different
--                             delays (the table's 30 or 90 days after account deletion
--                             against the text's 10 days).
--
-- "Cover the same records": overlapping scope, i.e. the same recipient (both NULL for
-- Tencent's own copy), category equal or one of them NULL (= every category), and
-- jurisdictions equal or one an ancestor of the other (jurisdiction_lineage). Rules
-- combined by the same earliest_of key are one rule and never conflict with each other.
-- approx_days_* orders durations (a month counted as 30.4375 days) for display only;
-- the analyses add months, days and hours exactly.
WITH rules AS (
    SELECT r.*,
           r.delay_months * 30.4375 + r.delay_days + r.delay_hours / 24.0 AS approx_days
    FROM retention_rules AS r
),
pairs AS (
    SELECT a.rule_id AS rule_a, b.rule_id AS rule_b,
           a.kind AS kind_a, b.kind AS kind_b,
           a.rule_set AS rule_set_a, b.rule_set AS rule_set_b,
           a.jurisdiction AS jurisdiction_a, b.jurisdiction AS jurisdiction_b,
           a.category_id AS category_a, b.category_id AS category_b,
           a.recipient,
           a.trigger_event AS trigger_a, b.trigger_event AS trigger_b,
           a.max_delay AS max_delay_a, b.max_delay AS max_delay_b,
           a.approx_days AS approx_days_a, b.approx_days AS approx_days_b,
           (a.delay_months, a.delay_days, a.delay_hours) = (b.delay_months, b.delay_days, b.delay_hours) AS same_delay,
           a.earliest_of AS group_a, b.earliest_of AS group_b
    FROM rules AS a
    JOIN rules AS b
      ON a.rule_id <> b.rule_id
     AND a.recipient IS NOT DISTINCT FROM b.recipient
     AND (a.category_id IS NULL OR b.category_id IS NULL OR a.category_id = b.category_id)
     AND EXISTS (
            SELECT 1 FROM jurisdiction_lineage AS l
            WHERE (l.code = a.jurisdiction AND l.ancestor = b.jurisdiction)
               OR (l.code = b.jurisdiction AND l.ancestor = a.jurisdiction))
     AND (a.earliest_of IS NULL OR a.earliest_of IS DISTINCT FROM b.earliest_of)
)
SELECT
    'minimum_vs_erasure' AS conflict_kind,
    rule_a, rule_b, rule_set_a, rule_set_b, jurisdiction_a, jurisdiction_b,
    category_a, category_b, recipient, trigger_a, trigger_b, max_delay_a, max_delay_b,
    CAST(NULL AS VARCHAR) AS stricter_rule,
    'keep at least ' || max_delay_a || ' after ' || trigger_a || ' (' || jurisdiction_a || ', '
        || coalesce(category_a, 'every category') || ') but erase within ' || max_delay_b
        || ' after ' || trigger_b || ' (' || jurisdiction_b || ', '
        || coalesce(category_b, 'every category') || ')' AS description
FROM pairs
WHERE kind_a = 'retain_minimum' AND kind_b = 'erase_within'
UNION ALL
SELECT
    'different_erasure_delays' AS conflict_kind,
    rule_a, rule_b, rule_set_a, rule_set_b, jurisdiction_a, jurisdiction_b,
    category_a, category_b, recipient, trigger_a, trigger_b, max_delay_a, max_delay_b,
    CASE WHEN approx_days_a <= approx_days_b THEN rule_a ELSE rule_b END AS stricter_rule,
    'after ' || trigger_a || ': erase within ' || max_delay_a || ' (' || rule_a || ', '
        || coalesce(category_a, 'every category') || ') vs within ' || max_delay_b || ' ('
        || rule_b || ', ' || coalesce(category_b, 'every category') || ')' AS description
FROM pairs
WHERE kind_a = 'erase_within' AND kind_b = 'erase_within'
  AND trigger_a = trigger_b
  AND NOT same_delay
  AND rule_a < rule_b
ORDER BY conflict_kind, rule_a, rule_b

-- Retention rules resolved per (jurisdiction, data category): which erase_within and
-- retain_minimum rules bind a record of that category held for that jurisdiction.
--
-- Every reading of the policy at once: one row per (slot, code, category, rule), where
-- the slot names the reading (strictest, table, text; analysis/retention.py READINGS).
-- Parameters:
--   $rule_sets_strictest, $rule_sets_table, $rule_sets_text
--               the erase_within rule sets each reading evaluates, e.g. ['retention_table',
--               'retention_text', 'addendum'] (the strictest reading: all of them).
--               Recipient rules bind recipients, not us, and are never evaluated here.
--               retain_minimum rules (Indonesia's five years) always apply.
--
-- A rule applies to a jurisdiction when its scope is the jurisdiction itself or one of
-- its ancestors (jurisdiction_lineage). Within one rule scope, the most specific
-- jurisdiction (smallest depth) wins: a country rule overrides its bloc's, the bloc's
-- overrides GLOBAL's. A rule scope is (kind, category-or-every-category, trigger), where
-- rules sharing `earliest_of` form one scope ("whichever is earlier": their deadlines
-- combine by taking the earlier, so a country may replace the whole group).
--
-- One row per (code, category, rule) kept after the override; `overridden_by_depth`
-- is not needed downstream, `depth` says how far up the hierarchy the rule came from.
WITH readings AS (
    SELECT 'strictest' AS slot, $rule_sets_strictest AS rule_sets
    UNION ALL SELECT 'table' AS slot, $rule_sets_table AS rule_sets
    UNION ALL SELECT 'text' AS slot, $rule_sets_text AS rule_sets
),
candidates AS (
    SELECT
        rd.slot,
        l.code,
        c.category_id AS category,
        r.rule_id,
        r.rule_set,
        r.kind,
        r.category_id AS rule_category,
        r.jurisdiction AS rule_jurisdiction,
        r.trigger_event,
        r.max_delay,
        r.delay_months,
        r.delay_days,
        r.delay_hours,
        r.earliest_of,
        r.legal_hold_exempt,
        r.exception,
        l.depth,
        coalesce(r.earliest_of, r.trigger_event) AS scope_trigger
    FROM retention_rules AS r
    JOIN jurisdiction_lineage AS l ON l.ancestor = r.jurisdiction
    JOIN data_categories AS c ON r.category_id IS NULL OR r.category_id = c.category_id
    JOIN readings AS rd ON r.kind = 'retain_minimum' OR list_contains(rd.rule_sets, r.rule_set)
    WHERE r.rule_set <> 'recipient'
),
ranked AS (
    SELECT
        *,
        min(depth) OVER (
            PARTITION BY slot, code, category, kind, rule_category IS NULL, scope_trigger
        ) AS best_depth
    FROM candidates
)
SELECT
    slot, code, category, rule_id, rule_set, kind, rule_category, rule_jurisdiction,
    trigger_event, max_delay, delay_months, delay_days, delay_hours, earliest_of,
    legal_hold_exempt, exception, depth,
    delay_months * INTERVAL '1 month'
        + delay_days * INTERVAL '1 day'
        + delay_hours * INTERVAL '1 hour' AS delay,
    -- the triggers the engine reads a clock for (see retention_status.sql)
    CASE
        WHEN kind = 'erase_within' THEN trigger_event IN (
            'account_deleted', 'deletion_requested', 'collected', 'enquiry_resolved',
            'marketing_opt_out', 'program_ended', 'message_sent', 'contract_terminated',
            'service_completed', 'registration_abandoned')
        ELSE trigger_event = 'collected'
    END AS evaluated
FROM ranked
WHERE depth = best_depth

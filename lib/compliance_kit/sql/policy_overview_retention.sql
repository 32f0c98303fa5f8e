-- Retention periods promised per data category (the Data Retention table), with the
-- general rules under it that cover every category, for the overview chart.
-- approx_days turns months into days (30.44 a month) for plotting only; the analyses
-- add calendar months exactly.
SELECT
    r.rule_id,
    r.rule_set,
    coalesce(c.name, 'every category') AS category,
    r.category_id,
    r.jurisdiction,
    r.kind,
    r.trigger_event,
    r.max_delay,
    r.delay_months * 30.44 + r.delay_days + r.delay_hours / 24.0 AS approx_days,
    r.legal_hold_exempt,
    r.exception,
    r.notes,
    r.source_quote
FROM retention_rules AS r
LEFT JOIN data_categories AS c USING (category_id)
WHERE r.rule_set IN ('retention_table', 'retention_text', 'addendum')
ORDER BY r.rule_set, approx_days, category;

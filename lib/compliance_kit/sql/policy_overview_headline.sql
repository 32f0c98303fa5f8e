-- The policy overview's headline figures (metrics.json policy.*; the conflicts count comes
-- from policy_conflicts.sql through compliance_kit.policy.conflicts.find_conflicts).
SELECT
    (SELECT count(*) FROM data_categories) AS categories,
    (SELECT count(*) FROM retention_rules) AS retention_rules,
    (SELECT count(DISTINCT jurisdiction) FROM jurisdiction_rules) AS jurisdictions,
    (SELECT count(*) FROM request_deadline_rules) AS deadline_rules,
    (SELECT count(*) FROM request_deadline_rules WHERE basis = 'statute') AS statute_rules,
    (SELECT count(*) FROM request_deadline_rules WHERE confidence LIKE 'low%') AS low_confidence_rules,
    (SELECT count(*) FROM declared_transfers) AS declared_flows,
    (SELECT count(*) FROM modules) AS modules

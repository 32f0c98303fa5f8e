-- The declared recipients and how long each keeps the data, as the policy writes it
-- (declared_transfers.recipient_retention), with any structured recipient retention
-- rule (retention_rules.rule_set = 'recipient') beside it.
SELECT
    t.recipient,
    coalesce(t.recipient_name, t.recipient) AS recipient_name,
    t.destination_country,
    t.source_scope,
    t.recipient_retention,
    string_agg(DISTINCT r.max_delay || ' after ' || r.trigger_event, '; '
               ORDER BY r.max_delay || ' after ' || r.trigger_event) AS structured_rules,
    t.source_quote
FROM declared_transfers AS t
LEFT JOIN retention_rules AS r
       ON r.rule_set = 'recipient' AND r.recipient = t.recipient
WHERE t.recipient <> '*'
GROUP BY ALL
ORDER BY t.recipient, t.destination_country, t.source_scope

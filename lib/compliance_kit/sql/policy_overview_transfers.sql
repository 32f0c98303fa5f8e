-- Declared flows with their categories folded into one readable cell.
SELECT t.source_scope, coalesce(t.recipient_name, t.recipient) AS recipient,
       t.destination_country, t.mechanism, t.method, t.encrypted_required,
       string_agg(c.category_id, ', ' ORDER BY c.category_id) AS categories,
       t.recipient_retention
FROM declared_transfers AS t
LEFT JOIN declared_transfer_categories AS c USING (flow_id)
GROUP BY ALL
ORDER BY t.source_scope, recipient, t.destination_country

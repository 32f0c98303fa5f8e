-- The declared flows: one row per declared transfer (the Korea overseas-transfer
-- table and the transfers the text declares), its data categories folded into a
-- list, and the recipient's retention as written, with the quote it came from.
-- recipient / destination_country '*' mean "any".
SELECT
    t.flow_id,
    t.source_scope,
    t.recipient,
    coalesce(t.recipient_name, t.recipient) AS recipient_name,
    t.destination_country,
    coalesce(list(c.category_id ORDER BY c.category_id) FILTER (WHERE c.category_id IS NOT NULL),
             []::VARCHAR[]) AS categories,
    t.method,
    t.encrypted_required,
    t.mechanism,
    t.purpose,
    t.data_types,
    t.recipient_retention,
    t.source_section,
    t.source_quote
FROM declared_transfers AS t
LEFT JOIN declared_transfer_categories AS c USING (flow_id)
GROUP BY ALL
ORDER BY t.source_scope, t.recipient, t.destination_country, t.flow_id;

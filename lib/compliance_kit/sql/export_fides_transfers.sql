-- Declared transfers with the list of categories each may carry (Fides egress flows).
SELECT t.flow_id, t.source_scope, t.recipient, t.recipient_name, t.destination_country, t.mechanism,
       t.encrypted_required, t.purpose,
       coalesce(list(c.category_id ORDER BY c.category_id) FILTER (WHERE c.category_id IS NOT NULL),
                []::VARCHAR[]) AS categories
FROM declared_transfers AS t
LEFT JOIN declared_transfer_categories AS c USING (flow_id)
GROUP BY ALL
ORDER BY t.flow_id

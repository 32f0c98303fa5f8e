-- RoPA (Art. 30(1)(e)): transfers to third countries and their safeguards. A destination
-- is a third country when it is neither the source jurisdiction nor one of its members
-- (jurisdiction_lineage); from GLOBAL it is one for every user outside it; '*' is any country.
SELECT t.flow_id, t.source_scope, t.recipient, coalesce(t.recipient_name, t.recipient) AS recipient_name,
       t.destination_country,
       CASE WHEN t.destination_country = '*' THEN 'any country'
            WHEN t.source_scope = 'GLOBAL' THEN 'yes, for users outside ' || t.destination_country
            WHEN EXISTS (SELECT 1 FROM jurisdiction_lineage AS l
                         WHERE l.code = t.destination_country AND l.ancestor = t.source_scope)
                 THEN 'no'
            ELSE 'yes' END AS third_country,
       coalesce(t.mechanism, 'none stated') AS safeguard,
       t.method, t.encrypted_required,
       (SELECT count(*) FROM declared_transfer_categories AS c WHERE c.flow_id = t.flow_id) AS categories,
       t.source_section, t.source_quote
FROM declared_transfers AS t
ORDER BY t.source_scope, t.recipient, t.destination_country, t.flow_id

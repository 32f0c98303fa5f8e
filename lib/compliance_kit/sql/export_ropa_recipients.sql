-- RoPA (Art. 30(1)(d)): the recipients the policy names: the delegatees (processors) and
-- the recipients of declared transfers, with their destination countries and whether that
-- is a third country (as the Transfers sheet reads it: export_ropa_transfers.sql).
-- with: transfers = export_ropa_transfers.sql
SELECT 'processor' AS role, processor_id AS recipient, name, tasks AS what_for,
       jurisdiction AS declared_for, NULL AS destination_country, NULL AS third_country,
       source_section, source_quote
FROM processors
UNION ALL
SELECT 'transfer recipient' AS role, t.recipient, t.recipient_name AS name,
       d.purpose AS what_for, t.source_scope AS declared_for, t.destination_country, t.third_country,
       t.source_section, t.source_quote
FROM transfers AS t
JOIN declared_transfers AS d USING (flow_id)
ORDER BY role, recipient, declared_for, destination_country

-- RoPA (Art. 30(1)(d)): the recipients the policy names: the delegatees (processors) and
-- the recipients of declared transfers, with their destination countries. A recipient
-- outside the source jurisdiction is a recipient in a third country.
SELECT 'processor' AS role, processor_id AS recipient, name, tasks AS what_for,
       jurisdiction AS declared_for, NULL AS destination_country, source_section, source_quote
FROM processors
UNION ALL
SELECT 'transfer recipient' AS role, recipient, coalesce(recipient_name, recipient) AS name,
       purpose AS what_for, source_scope AS declared_for, destination_country,
       source_section, source_quote
FROM declared_transfers
ORDER BY role, recipient, declared_for, destination_country

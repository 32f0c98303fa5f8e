-- RoPA (GDPR Art. 30(1)(a)): the controllers and their contact details, with the quote
-- each row is read from. Reads the policy tables (policy_schema.sql).
SELECT scope, entity, address, source_section, source_quote
FROM data_controllers
ORDER BY CASE WHEN scope = 'GLOBAL' THEN 1 ELSE 0 END, scope

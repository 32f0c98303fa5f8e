-- The data categories a report parameter may name (compliance_kit.contract.StoreLookup).
SELECT category_id FROM data_categories ORDER BY category_id

-- The policy version the Fides export describes (the store's one policy_versions row).
SELECT policy_id, org, title, version FROM policy_versions ORDER BY policy_id LIMIT 1

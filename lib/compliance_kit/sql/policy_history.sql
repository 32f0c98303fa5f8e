-- The policy versions the store holds, oldest build first (policy_history).
SELECT policy_id, version, effective_date, spec_file, spec_sha256, source_sha256, built_at, active
FROM policy_history
ORDER BY built_at, policy_id, spec_sha256

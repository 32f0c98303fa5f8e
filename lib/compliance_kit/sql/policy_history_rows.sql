-- Every column of policy_history (to carry the versions of a store into its rebuild).
SELECT policy_id, version, effective_date, spec_file, spec_sha256, source_sha256, spec_text, built_at, active
FROM policy_history
ORDER BY built_at, policy_id, spec_sha256

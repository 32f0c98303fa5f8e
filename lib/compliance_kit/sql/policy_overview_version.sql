-- The policy version the store holds.
SELECT policy_id, title, version, source_sha256 FROM policy_versions

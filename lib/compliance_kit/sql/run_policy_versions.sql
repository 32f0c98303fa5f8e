-- The policy version(s) a run's manifest names (evidence: which policy text and spec the
-- store was built from, with their SHA-256). Read by reports/plan.py, read_store_info.
SELECT policy_id, title, version, effective_date, source_file, source_sha256, spec_file, spec_sha256
FROM policy_versions
ORDER BY policy_id

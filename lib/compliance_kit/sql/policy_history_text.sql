-- The spec text of the stored versions a reference names: a policy id (its latest build),
-- or "<policy_id>@<first characters of the spec's SHA-256>".
SELECT policy_id, spec_sha256, spec_text, built_at
FROM policy_history
WHERE policy_id = $policy_id AND starts_with(spec_sha256, $sha_prefix)
ORDER BY built_at DESC

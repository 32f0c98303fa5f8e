-- The build id the store carries (store_meta, written by `compliance-kit build`); read by
-- store.store_identity. No row: a store made without `build`.
SELECT build_id FROM store_meta ORDER BY built_at DESC LIMIT 1

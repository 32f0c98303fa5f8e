-- The store's identity: one row written by `compliance-kit build` (store.build_store), a
-- new build id for every build. A run records it in its manifest and every notebook of
-- the run checks that the store it opens carries the same id (store.connect), so a run
-- never reads two stores. A store made without `build` has no row; its identity is then
-- the SHA-256 of the file.
CREATE TABLE IF NOT EXISTS store_meta (
    build_id         VARCHAR NOT NULL,
    built_at         TIMESTAMPTZ NOT NULL,
    kit_version      VARCHAR
);

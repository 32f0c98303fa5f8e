-- Record a build's identity (store.build_store), once per build.
INSERT INTO store_meta (build_id, built_at, kit_version) VALUES ($build_id, $built_at, $kit_version)

-- The operational input files a run's manifest names: one row per loaded file, with its
-- SHA-256 and row counts (load_log, written by the loader). Read by reports/plan.py,
-- read_store_info.
SELECT table_name, source_file, source_sha256, rows_read, rows_loaded, rows_quarantined, loaded_at
FROM load_log
ORDER BY table_name, source_file

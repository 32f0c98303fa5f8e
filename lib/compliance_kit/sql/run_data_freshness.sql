-- How far each operational table reaches: its row count and its latest timestamp (any of
-- its time columns), for the run overview's freshness check (reports/freshness.py). Read
-- once per run by reports/plan.py (store_info) and recorded in the manifest as
-- "data_freshness"; the page only compares these with as_of.
SELECT 'records' AS table_name, count(*) AS row_count,
       greatest(max(created_at), max(erased_at)) AS latest_at
FROM records
UNION ALL
SELECT 'requests', count(*),
       greatest(max(received_at), max(id_requested_at), max(id_verified_at),
                max(extension_notified_at), max(completed_at))
FROM requests
UNION ALL
SELECT 'transfers', count(*), max(occurred_at) FROM transfers
UNION ALL
SELECT 'accounts', count(*), greatest(max(created_at), max(deleted_at)) FROM accounts
UNION ALL
SELECT 'events', count(*), max(occurred_at) FROM events
ORDER BY table_name

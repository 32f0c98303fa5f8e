-- The observed transfers a report looks at. Parameters (all may be NULL = no limit):
--   $window_start  DATE  first day included
--   $window_end    DATE  last day included (the whole day)
--   $as_of_end    TIMESTAMPTZ  the end of the as-of day, exclusive (compliance_kit.contract
--                 AsOf.end, the one definition every SQL file uses): a transfer counts
--                 when it happened strictly before it
--   $sources       VARCHAR[]  source jurisdictions; a bloc (EEA) or GLOBAL selects
--                  every code under it through jurisdiction_lineage
-- Composed by compliance_kit.analysis.flows as the CTE `scoped`.
SELECT
    t.transfer_id,
    t.occurred_at,
    t.source_jurisdiction,
    t.recipient,
    t.destination_country,
    t.category,
    t.record_count,
    t.bytes,
    t.mechanism,
    t.encrypted
FROM transfers AS t
WHERE ($window_start::DATE IS NULL OR t.occurred_at >= $window_start::DATE)
  AND ($window_end::DATE IS NULL OR t.occurred_at < $window_end::DATE + INTERVAL 1 DAY)
  AND ($as_of_end IS NULL OR t.occurred_at < $as_of_end)
  AND ($sources::VARCHAR[] IS NULL
       OR list_contains($sources::VARCHAR[], t.source_jurisdiction)
       OR t.source_jurisdiction IN (
              SELECT l.code FROM jurisdiction_lineage AS l
              WHERE list_contains($sources::VARCHAR[], l.ancestor)))

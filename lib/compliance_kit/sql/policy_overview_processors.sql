-- The processors the policy names (Korea delegatees), by jurisdiction.
SELECT name, tasks, jurisdiction FROM processors ORDER BY jurisdiction, name

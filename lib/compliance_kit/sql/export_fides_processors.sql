-- The processors (delegatees) a policy addendum names (Fides systems with responsibility Processor).
SELECT processor_id, name, tasks, jurisdiction FROM processors ORDER BY processor_id

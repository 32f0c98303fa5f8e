-- After prepare: requests whose deadline status is missing or unknown. A fixed rule always
-- yields a due date unless the calendar range is too short, so any row here is a bug.
SELECT count(*) AS broken
FROM request_status
WHERE deadline_status IS NULL
   OR deadline_status NOT IN ('fixed', 'clock_not_started', 'without_delay', 'none', 'no_rule')

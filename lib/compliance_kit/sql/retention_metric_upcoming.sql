-- Clocks running out within the horizon: records not yet erased whose deadline falls
-- after $as_of and within $horizon_days days of it, by day, category and system.
SELECT upcoming_day AS deadline_day, category, system, CAST(sum(n) AS BIGINT) AS records
FROM retention_cube
WHERE part = 'upcoming' AND upcoming_day IS NOT NULL
GROUP BY upcoming_day, category, system
ORDER BY deadline_day, category, system

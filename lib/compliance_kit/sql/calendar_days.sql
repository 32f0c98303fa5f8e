-- The working-day calendars (compliance_kit.calendars, kept as the TEMP table
-- calendar_days): per calendar and day, whether it is a working day, the count of working
-- days up to it (the n-th working day after d is the one whose index is index(d) + n) and
-- the next working day (itself when working: the roll-forward target).
-- with: calendar_source = calendar_source.sql
SELECT calendar, day, is_working,
       sum(is_working::BIGINT) OVER (PARTITION BY calendar ORDER BY day
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)::BIGINT AS working_day_index,
       min(CASE WHEN is_working THEN day END) OVER (PARTITION BY calendar ORDER BY day
                                     ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_working_day
FROM calendar_source
ORDER BY calendar, day

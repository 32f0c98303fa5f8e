-- Rule periods: every day of the calendar range (calendar_days) mapped to the start of
-- the period it falls in. Periods start at each distinct valid_from of
-- request_deadline_rules (and at the beginning of time), so which rules are in force is
-- the same on every day of a period. Stored as the TEMP table request_epochs.
WITH bounds AS (
    SELECT DISTINCT valid_from AS b FROM request_deadline_rules
    UNION
    SELECT DATE '0001-01-01'
),
days AS (
    SELECT DISTINCT day FROM calendar_days
)
SELECT d.day, max(b.b) AS epoch_start
FROM days AS d
JOIN bounds AS b ON b.b <= d.day
GROUP BY d.day

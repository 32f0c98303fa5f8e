-- One row per calendar and day (calendar, day, is_working) from the calendars'
-- weekend days and public holidays, which compliance_kit.calendars takes from the
-- `holidays` package. Parameters: $calendars, a list of
-- {calendar, weekend (weekday numbers, Monday = 0), holidays (dates)}; $first_day and
-- $last_day, the dates the table covers.
SELECT c.calendar, CAST(d.day AS DATE) AS day,
       NOT (list_contains(c.weekend, isodow(d.day) - 1)
            OR list_contains(c.holidays, CAST(d.day AS DATE))) AS is_working
FROM (SELECT unnest(CAST($calendars AS STRUCT(calendar VARCHAR, weekend INTEGER[], holidays DATE[])[])) AS c) AS u,
     range(CAST($first_day AS TIMESTAMP), CAST($last_day AS TIMESTAMP) + INTERVAL 1 DAY, INTERVAL 1 DAY) AS d(day)

-- One row per request in scope: its rules, deadlines, flags and class.
SELECT * FROM request_status ORDER BY request_id

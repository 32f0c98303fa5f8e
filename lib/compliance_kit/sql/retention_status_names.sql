-- The retention statuses by number. retention_status.sql gives each record's status as its
-- number (status_no: a small integer is cheaper than text to compute, carry and group on
-- through the one pass over 10M+ records); the queries that show a status by name join this
-- list, once per row they return. Numbered in the order of analysis/retention.py STATUSES;
-- the meaning of each is docs/metrics-retention.md, "Status".
SELECT * FROM (VALUES
    (1, 'erased_on_time'),
    (2, 'erased_late'),
    (3, 'overdue'),
    (4, 'clock_running'),
    (5, 'no_trigger'),
    (6, 'conflict'),
    (7, 'on_legal_hold')
) AS s(status_no, status)

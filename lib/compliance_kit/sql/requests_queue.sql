-- Open requests with a fixed deadline, by how far their deadline is as of the report date:
-- fill: dims list of jurisdiction, region, type, channel, month, week, deciding_rule_id, calendar, deadline_status
-- fill: source one of request_status, request_status_regions
-- more than 5 days to go, due within 5 days (the due date itself included), past due.
SELECT
    {dims}
    count(*) FILTER (WHERE queue_bucket = 'more_than_5_days') AS more_than_5_days,
    count(*) FILTER (WHERE queue_bucket = 'due_within_5_days') AS due_within_5_days,
    count(*) FILTER (WHERE queue_bucket = 'past_due') AS past_due,
    count(*) AS open
FROM {source}
WHERE queue_bucket IS NOT NULL
GROUP BY ALL
ORDER BY ALL

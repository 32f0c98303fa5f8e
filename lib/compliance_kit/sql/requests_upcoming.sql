-- Open requests with a fixed deadline, the soonest (and the overdue) first, with the rule
-- that decided the deadline, its basis and confidence. $limit rows.
-- The $limit rows are picked first, then joined to their rules.
WITH next AS (
    SELECT request_id, jurisdiction, type, channel, received_date, due_date,
           days_to_deadline, queue_bucket, class, deciding_rule_id, extended, paused
    FROM request_status
    WHERE queue_bucket IS NOT NULL
    ORDER BY due_date, request_id
    LIMIT $limit
)
SELECT s.request_id, s.jurisdiction, s.type, s.channel, s.received_date, s.due_date,
       s.days_to_deadline, s.queue_bucket, s.class, s.deciding_rule_id, d.basis,
       d.confidence, s.extended, s.paused
FROM next AS s
LEFT JOIN request_deadline_rules AS d ON d.rule_id = s.deciding_rule_id
ORDER BY s.due_date, s.request_id

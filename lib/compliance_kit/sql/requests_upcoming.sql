-- Open requests with a fixed deadline, the soonest (and the overdue) first, with the rule
-- that decided the deadline, its basis and confidence. $limit rows.
SELECT s.request_id, s.jurisdiction, s.type, s.channel, s.received_date, s.due_date,
       s.days_to_deadline, s.queue_bucket, s.class, s.deciding_rule_id, d.basis,
       d.confidence, s.extended, s.paused
FROM request_status AS s
LEFT JOIN request_deadline_rules AS d ON d.rule_id = s.deciding_rule_id
WHERE s.queue_bucket IS NOT NULL
ORDER BY s.due_date, s.request_id
LIMIT $limit

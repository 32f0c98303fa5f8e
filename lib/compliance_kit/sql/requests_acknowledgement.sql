-- Acknowledgement deadlines (deadline_kind = 'acknowledgement', e.g. CCPA 11 CCR 7021:
-- fill: dims list of jurisdiction, region, type, channel, month, week, deciding_rule_id, calendar, deadline_status
-- fill: source one of request_status, request_status_regions
-- confirm receipt within 10 business days). The data holds no acknowledgement timestamp,
-- so the first contact we can see stands for it: the earliest of the identity request,
-- the extension notice and the response (acknowledged_at in request_status).
SELECT {dims}
       ack_rule_id,
       count(*) AS requests,
       count(*) FILTER (WHERE ack_class = 'acknowledged_in_time') AS acknowledged_in_time,
       count(*) FILTER (WHERE ack_class = 'acknowledged_late') AS acknowledged_late,
       count(*) FILTER (WHERE ack_class = 'awaiting_in_time') AS awaiting_in_time,
       count(*) FILTER (WHERE ack_class = 'awaiting_late') AS awaiting_late
FROM {source}
WHERE ack_rule_id IS NOT NULL
GROUP BY ALL
ORDER BY ALL

-- Requests whose extension notice came after the original deadline had passed: the
-- extension does not count, and the late notice is itself a finding.
-- Needs the TEMP macro rq_day (requests_macros.sql).
-- macros: requests_macros.sql
SELECT request_id, jurisdiction, type, received_date, original_due_date,
       rq_day(extension_notified_at) AS notified_on,
       date_diff('day', original_due_date, rq_day(extension_notified_at)) AS days_after_deadline,
       rq_day(completed_at) AS completed_on, class, deciding_rule_id
FROM request_status
WHERE extension_notice_late
ORDER BY received_date, request_id

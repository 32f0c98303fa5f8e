-- Requests whose extension notice came after the original deadline had passed: the
-- extension does not count, and the late notice is itself a finding.
-- Needs the TEMP macro rq_day (requests_macros.sql).
-- macros: requests_macros.sql
SELECT request_id, jurisdiction, type, received_date, original_due_date,
       rq_local_day(extension_notified_at, time_zone) AS notified_on,
       date_diff('day', original_due_date, rq_local_day(extension_notified_at, time_zone)) AS days_after_deadline,
       rq_local_day(completed_at, time_zone) AS completed_on, class, deciding_rule_id
FROM request_status
WHERE extension_notice_late
ORDER BY received_date, request_id

-- Records per status under one reading of the policy.
-- with: status = retention_status.sql
-- with: status_names = retention_status_names.sql
SELECT n.status, count(*) AS n
FROM status AS s
LEFT JOIN status_names AS n ON n.status_no = s.status_no
GROUP BY n.status

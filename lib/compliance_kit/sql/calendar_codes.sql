-- Every holiday calendar the policy store names (deadline rules and data controllers).
SELECT holiday_calendar FROM request_deadline_rules WHERE holiday_calendar IS NOT NULL
UNION
SELECT holiday_calendar FROM data_controllers WHERE holiday_calendar IS NOT NULL

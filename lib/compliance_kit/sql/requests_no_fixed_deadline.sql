-- Requests whose rule sets no fixed period ('without delay', 'none') or that no rule
-- covers (class IS NULL): reported apart, with their turnaround, never as in time or late.
SELECT deadline_status, jurisdiction, type, deciding_rule_id, count(*) AS requests,
       count(*) FILTER (WHERE completed) AS completed,
       count(*) FILTER (WHERE NOT completed) AS open,
       quantile_cont(days_to_complete, 0.5) AS naive_median_days,
       max(days_observed) FILTER (WHERE NOT completed) AS oldest_open_days
FROM request_status
WHERE class IS NULL
GROUP BY ALL
ORDER BY ALL

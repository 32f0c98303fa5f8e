-- Requests received per week (the Monday it starts) and type.
SELECT week, type, count(*) AS requests
FROM request_status
GROUP BY ALL
ORDER BY ALL

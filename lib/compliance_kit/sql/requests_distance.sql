-- Days between the due date and the response (or the as-of date for open requests),
-- positive = days to spare, negative = days late; clipped to +-$clip, counted per class.
SELECT greatest(least(days_to_deadline, $clip), -$clip) AS days_to_deadline, class,
       count(*) AS requests
FROM request_status
WHERE days_to_deadline IS NOT NULL AND class IS NOT NULL
GROUP BY ALL
ORDER BY ALL

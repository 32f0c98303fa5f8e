-- fill: dims list of jurisdiction, region, type, channel, month, week, deciding_rule_id, calendar, deadline_status
-- fill: source one of request_status, request_status_regions
-- Kaplan-Meier estimate of the time to completion, per group (dims placeholder: whitelisted
-- request_status columns, each followed by a comma; empty for one curve).
-- A completed request is an event at days_to_complete; a request still open as of the
-- report date is censored at days_observed (it has been open that long, and counting).
-- At a time t with d events among n at risk (time >= t), S(t) = S(t-) * (1 - d / n);
-- censored requests at t are still at risk at t (events first, the usual convention).
WITH obs AS (
    SELECT {dims} days_observed AS t, completed AS event
    FROM {source}
),
by_time AS (
    SELECT {dims} t, count(*) FILTER (WHERE event) AS events,
           count(*) FILTER (WHERE NOT event) AS censored, count(*) AS leaving
    FROM obs
    GROUP BY ALL
),
at_risk AS (
    SELECT *,
           sum(leaving) OVER ({dims:partition} ORDER BY t DESC
                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n_at_risk
    FROM by_time
),
steps AS (
    SELECT *,
           -- a product as a sum of logs; a step where every one at risk completes ends at 0
           bool_or(events = n_at_risk) OVER w AS reaches_zero,
           sum(CASE WHEN events < n_at_risk THEN ln(1 - events / n_at_risk) ELSE 0 END) OVER w AS log_s
    FROM at_risk
    WINDOW w AS ({dims:partition} ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT {dims} t AS days, n_at_risk::BIGINT AS at_risk, events, censored,
       CASE WHEN reaches_zero THEN 0.0 ELSE round(exp(log_s), 12) END AS survival
FROM steps
ORDER BY ALL

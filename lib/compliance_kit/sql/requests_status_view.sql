-- The per-request view every metric reads (`request_status`, a view: materialised with
-- view=True by analysis/requests.py): request_status_base (requests_status.sql) plus
-- columns derived on demand (a view is inlined, so a query that does not use them does not
-- compute them, and the stored table stays narrow).
-- The rule ids, the calendar and the zone come from the request_rules row the request met
-- (rules_combo_id; its rules_tz is the zone of its jurisdiction, request_zones, or UTC; a
-- request that met no row, whose jurisdiction or type is missing, is in UTC as well):
-- strings of 16 bytes and more per request that the stored table would otherwise hold (at
-- 10M requests, about 1 GB more to keep or spill: docs/metrics-requests.md, "Where the
-- time goes"). The table has one row per key; it is read grouped by its key (max() of the
-- one value), which tells DuckDB so: a query that reads none of these columns then does
-- not join at all (DuckDB drops a left join to a side unique on the key whose columns
-- nobody reads; a join to the bare table costs a hash probe per request in every metric
-- query, about +40% on the metric set). The columns keep the order the stored table had.
SELECT b.request_id, b.jurisdiction, b.type, b.channel, b.received_date, b.completed_at,
       b.completed, b.outcome, b.deadline_status,
       rr.p_rule AS most_specific_rule_id, rr.w_rule AS policy_wide_rule_id,
       rr.t_rule AS statute_rule_id, b.decided_by_policy_wide, b.decided_by_statute,
       CASE WHEN b.decided_by_policy_wide THEN rr.w_cal
            WHEN b.decided_by_statute THEN rr.t_cal
            ELSE rr.p_cal END AS calendar,
       coalesce(rr.rules_tz, 'UTC') AS time_zone,
       b.original_due_date, b.due_date, b.extended, b.extension_notified_at,
       b.extension_told_until, b.extension_notice_late, b.extension_told_beyond_max, b.paused,
       b.pause_days, b.clarification_days, b.id_requested_at, b.id_verified_at,
       b.denial_category, b.class, b.days_to_complete, b.days_observed, b.days_to_deadline,
       b.queue_bucket, rr.a_rule AS ack_rule_id, b.ack_due_date, b.ack_class,
       CASE WHEN b.decided_by_policy_wide THEN rr.w_rule
            WHEN b.decided_by_statute THEN rr.t_rule
            ELSE rr.p_rule END AS deciding_rule_id,
       concat_ws(',', rr.p_rule, rr.t_rule, rr.w_rule) AS rules_applied,
       b.extension_notified_at IS NOT NULL AS extension_claimed,
       date_trunc('month', b.received_date)::DATE AS month,
       date_trunc('week', b.received_date)::DATE AS week
FROM request_status_base AS b
LEFT JOIN (
    SELECT combo_id, max(p_rule) AS p_rule, max(w_rule) AS w_rule, max(t_rule) AS t_rule,
           max(a_rule) AS a_rule, max(p_cal) AS p_cal, max(w_cal) AS w_cal, max(t_cal) AS t_cal,
           max(rules_tz) AS rules_tz
    FROM request_rules
    GROUP BY combo_id
) AS rr ON rr.combo_id = b.rules_combo_id

-- Request turnaround (docs/metrics-requests.md, "How it runs"): the deadlines of a plain
-- request (requests_in_scope.sql: nothing but its receipt moves them) per jurisdiction,
-- type and local day of receipt, decided by the slot machinery (requests_decided.sql) for
-- one made-up request of each day (requests_day_inputs.sql). Stored as the TEMP table
-- request_plain_due; requests_status.sql meets every plain request with it by one join,
-- so the machinery runs for a few thousand rows instead of most of the requests.
-- Parameters: $as_of DATE; $as_of_end TIMESTAMPTZ.
-- with: zone_ends = requests_zone_ends.sql
-- with: day_inputs = requests_day_inputs.sql
-- with: decided = requests_decided.sql
SELECT jurisdiction, type, received_date,
       combo_id, p_rule, w_rule, p_unit, pick_w, pick_t, due_by, due_date, original_due_by,
       original_due_date, extended, paused, pause_days, clarification_days, told_beyond_max,
       clock_waiting, a_due_date, a_due_by
FROM decided

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
-- Only what differs from day to day is kept (requests_status.sql gives a plain request no
-- extension, pause or clarification, and its original deadline is its deadline), and the
-- jurisdiction and type as the ENUMs request_status_base stores (requests.prepare declares
-- rq_jurisdiction_enum and rq_type_enum; plain strings on Spark): cast here once per day
-- rather than once per plain request.
SELECT jurisdiction, type, received_date,
       combo_id, p_rule IS NULL AND w_rule IS NULL AS ruleless, p_unit, pick_w, pick_t, due_by,
       due_date, a_due_date, a_due_by,
       CAST(jurisdiction AS rq_jurisdiction_enum) AS jurisdiction_enum,
       CAST(type AS rq_type_enum) AS type_enum
FROM decided

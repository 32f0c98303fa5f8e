-- The per-reading part of retention_status.sql: `{s}` is the reading's slot (strictest,
-- table or text: the readings of analysis/retention.py READINGS, by their slot name) and each section below is pasted into the matching placeholder of
-- retention_status.sql once per slot by compliance_kit.sql_compose (its `-- slots:` line),
-- so the three readings are evaluated in the same pass over the records.

-- [plan_columns] per (code, category): the reading's shortest erase_within rule per trigger
-- (its number: retention_rule_numbers.sql)
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'account_deleted') AS {s}_rule_no_account_deleted,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'account_deleted') AS {s}_months_account_deleted,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'account_deleted') AS {s}_us_account_deleted,
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'deletion_requested') AS {s}_rule_no_deletion_requested,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'deletion_requested') AS {s}_months_deletion_requested,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'deletion_requested') AS {s}_us_deletion_requested,
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'registration_abandoned') AS {s}_rule_no_registration_abandoned,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'registration_abandoned') AS {s}_months_registration_abandoned,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'registration_abandoned') AS {s}_us_registration_abandoned,
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'enquiry_resolved') AS {s}_rule_no_enquiry_resolved,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'enquiry_resolved') AS {s}_months_enquiry_resolved,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'enquiry_resolved') AS {s}_us_enquiry_resolved,
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'marketing_opt_out') AS {s}_rule_no_marketing_opt_out,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'marketing_opt_out') AS {s}_months_marketing_opt_out,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'marketing_opt_out') AS {s}_us_marketing_opt_out,
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'program_ended') AS {s}_rule_no_program_ended,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'program_ended') AS {s}_months_program_ended,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'program_ended') AS {s}_us_program_ended,
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'message_sent') AS {s}_rule_no_message_sent,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'message_sent') AS {s}_months_message_sent,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'message_sent') AS {s}_us_message_sent,
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'contract_terminated') AS {s}_rule_no_contract_terminated,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'contract_terminated') AS {s}_months_contract_terminated,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'contract_terminated') AS {s}_us_contract_terminated,
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'service_completed') AS {s}_rule_no_service_completed,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'service_completed') AS {s}_months_service_completed,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'service_completed') AS {s}_us_service_completed,
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'collected') AS {s}_rule_no_collected,
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'collected') AS {s}_months_collected,
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = 'collected') AS {s}_us_collected

-- [plan_select] the plan's columns of the reading, carried onto each record
p.{s}_rule_no_account_deleted, p.{s}_rule_no_deletion_requested, p.{s}_rule_no_registration_abandoned, p.{s}_rule_no_enquiry_resolved, p.{s}_rule_no_marketing_opt_out, p.{s}_rule_no_program_ended, p.{s}_rule_no_message_sent, p.{s}_rule_no_contract_terminated, p.{s}_rule_no_service_completed, p.{s}_rule_no_collected

-- [deadlines] one deadline per trigger (NULL: no rule, or the trigger has not happened)
CASE WHEN p.{s}_months_account_deleted > 0
     THEN epoch_us(make_timestamp(c.t_account_deleted) + p.{s}_months_account_deleted * INTERVAL '1 month') + p.{s}_us_account_deleted
     ELSE c.t_account_deleted + p.{s}_us_account_deleted END AS {s}_d_account_deleted,
CASE WHEN p.{s}_months_deletion_requested > 0
     THEN epoch_us(make_timestamp(c.t_deletion_requested) + p.{s}_months_deletion_requested * INTERVAL '1 month') + p.{s}_us_deletion_requested
     ELSE c.t_deletion_requested + p.{s}_us_deletion_requested END AS {s}_d_deletion_requested,
CASE WHEN p.{s}_months_registration_abandoned > 0
     THEN epoch_us(make_timestamp(c.t_registration_abandoned) + p.{s}_months_registration_abandoned * INTERVAL '1 month') + p.{s}_us_registration_abandoned
     ELSE c.t_registration_abandoned + p.{s}_us_registration_abandoned END AS {s}_d_registration_abandoned,
CASE WHEN p.{s}_months_enquiry_resolved > 0
     THEN epoch_us(make_timestamp(c.t_enquiry_resolved) + p.{s}_months_enquiry_resolved * INTERVAL '1 month') + p.{s}_us_enquiry_resolved
     ELSE c.t_enquiry_resolved + p.{s}_us_enquiry_resolved END AS {s}_d_enquiry_resolved,
CASE WHEN p.{s}_months_marketing_opt_out > 0
     THEN epoch_us(make_timestamp(c.t_marketing_opt_out) + p.{s}_months_marketing_opt_out * INTERVAL '1 month') + p.{s}_us_marketing_opt_out
     ELSE c.t_marketing_opt_out + p.{s}_us_marketing_opt_out END AS {s}_d_marketing_opt_out,
CASE WHEN p.{s}_months_program_ended > 0
     THEN epoch_us(make_timestamp(c.t_program_ended) + p.{s}_months_program_ended * INTERVAL '1 month') + p.{s}_us_program_ended
     ELSE c.t_program_ended + p.{s}_us_program_ended END AS {s}_d_program_ended,
CASE WHEN p.{s}_months_message_sent > 0
     THEN epoch_us(make_timestamp(c.t_message_sent) + p.{s}_months_message_sent * INTERVAL '1 month') + p.{s}_us_message_sent
     ELSE c.t_message_sent + p.{s}_us_message_sent END AS {s}_d_message_sent,
CASE WHEN p.{s}_months_contract_terminated > 0
     THEN epoch_us(make_timestamp(c.t_contract_terminated) + p.{s}_months_contract_terminated * INTERVAL '1 month') + p.{s}_us_contract_terminated
     ELSE c.t_contract_terminated + p.{s}_us_contract_terminated END AS {s}_d_contract_terminated,
CASE WHEN p.{s}_months_service_completed > 0
     THEN epoch_us(make_timestamp(c.t_service_completed) + p.{s}_months_service_completed * INTERVAL '1 month') + p.{s}_us_service_completed
     ELSE c.t_service_completed + p.{s}_us_service_completed END AS {s}_d_service_completed,
CASE WHEN p.{s}_months_collected > 0
     THEN epoch_us(make_timestamp(c.created_us) + p.{s}_months_collected * INTERVAL '1 month') + p.{s}_us_collected
     ELSE c.created_us + p.{s}_us_collected END AS {s}_d_collected

-- [earliest] the earliest of the reading's deadlines
least({s}_d_account_deleted, {s}_d_deletion_requested, {s}_d_registration_abandoned, {s}_d_enquiry_resolved, {s}_d_marketing_opt_out, {s}_d_program_ended, {s}_d_message_sent, {s}_d_contract_terminated, {s}_d_service_completed, {s}_d_collected) AS {s}_deadline_us

-- [winner] the trigger whose deadline is the earliest (ties: the order below)
CASE {s}_deadline_us
    WHEN {s}_d_account_deleted THEN 'account_deleted'
    WHEN {s}_d_deletion_requested THEN 'deletion_requested'
    WHEN {s}_d_registration_abandoned THEN 'registration_abandoned'
    WHEN {s}_d_enquiry_resolved THEN 'enquiry_resolved'
    WHEN {s}_d_marketing_opt_out THEN 'marketing_opt_out'
    WHEN {s}_d_program_ended THEN 'program_ended'
    WHEN {s}_d_message_sent THEN 'message_sent'
    WHEN {s}_d_contract_terminated THEN 'contract_terminated'
    WHEN {s}_d_service_completed THEN 'service_completed'
    WHEN {s}_d_collected THEN 'collected'
END AS {s}_trigger_event

-- [verdict] the reading's rule (its number), clock and status
CASE {s}_trigger_event
    WHEN 'account_deleted' THEN {s}_rule_no_account_deleted
    WHEN 'deletion_requested' THEN {s}_rule_no_deletion_requested
    WHEN 'registration_abandoned' THEN {s}_rule_no_registration_abandoned
    WHEN 'enquiry_resolved' THEN {s}_rule_no_enquiry_resolved
    WHEN 'marketing_opt_out' THEN {s}_rule_no_marketing_opt_out
    WHEN 'program_ended' THEN {s}_rule_no_program_ended
    WHEN 'message_sent' THEN {s}_rule_no_message_sent
    WHEN 'contract_terminated' THEN {s}_rule_no_contract_terminated
    WHEN 'service_completed' THEN {s}_rule_no_service_completed
    WHEN 'collected' THEN {s}_rule_no_collected
END AS {s}_rule_no,
CASE {s}_trigger_event
    WHEN 'account_deleted' THEN t_account_deleted
    WHEN 'deletion_requested' THEN t_deletion_requested
    WHEN 'registration_abandoned' THEN t_registration_abandoned
    WHEN 'enquiry_resolved' THEN t_enquiry_resolved
    WHEN 'marketing_opt_out' THEN t_marketing_opt_out
    WHEN 'program_ended' THEN t_program_ended
    WHEN 'message_sent' THEN t_message_sent
    WHEN 'contract_terminated' THEN t_contract_terminated
    WHEN 'service_completed' THEN t_service_completed
    WHEN 'collected' THEN t_collected
END AS {s}_clock_us,
-- the status as its number in retention_status_names.sql (named in the comments)
CASE
    WHEN legal_hold THEN 7 -- on_legal_hold
    WHEN {s}_deadline_us < retain_until_us THEN 6 -- conflict
    WHEN erased_us IS NOT NULL AND ({s}_deadline_us IS NULL OR erased_us <= {s}_deadline_us) THEN 1 -- erased_on_time
    WHEN erased_us IS NOT NULL THEN 2 -- erased_late
    WHEN {s}_deadline_us IS NULL THEN 5 -- no_trigger
    WHEN {s}_deadline_us < epoch_us($as_of_end) THEN 3 -- overdue
    ELSE 4 -- clock_running
END AS {s}_status_no

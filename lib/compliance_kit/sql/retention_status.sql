-- The retention verdict for every record of the inventory as of an instant.
--
-- Reads `resolved_rules` (retention_rules.sql, composed in by analysis/retention.py)
-- and the operational tables. Parameters (all bound, never formatted in):
--   $as_of          TIMESTAMP (UTC): the instant of the verdict. A report date D means
--                   the end of D, i.e. D + 1 day at 00:00 UTC.
--   $jurisdictions  VARCHAR[] or NULL: keep records of these jurisdictions (a bloc code
--                   such as 'EEA' keeps its members too)
--   $categories     VARCHAR[] or NULL
--   $systems        VARCHAR[] or NULL
--
-- Per record: the applicable erase_within rules (its category's plus the every-category
-- rules, each resolved through the hierarchy); the clock of each rule's trigger; the
-- deadline = clock + delay (calendar months, days, hours: exact to the second); the
-- earliest deadline wins. Only what happened by $as_of counts: a trigger after it has
-- not started a clock, an erasure after it has not happened yet.
--
-- The trigger vocabulary is fixed (see docs/metrics-retention.md): the rules are pivoted
-- into one column per trigger, so every record stays one row from scan to aggregate
-- (no per-record GROUP BY; this is what lets 100M records run in 1 GB).
-- All timestamps are compared as UTC TIMESTAMP: the store keeps TIMESTAMPTZ and the
-- session TimeZone is UTC (compliance_kit.store.connect), so the cast is exact.
WITH
-- One row per (code, category): for each trigger, the shortest erase_within rule
-- (ordered by months, then days and hours) and the longest minimum retention.
erase AS (
    SELECT *,
        row_number() OVER (
            PARTITION BY code, category, trigger_event
            ORDER BY delay_months, delay_days * 24 + delay_hours, rule_id
        ) AS rn
    FROM resolved_rules
    WHERE kind = 'erase_within' AND evaluated
),
retain AS (
    SELECT *,
        row_number() OVER (
            PARTITION BY code, category
            ORDER BY delay_months DESC, delay_days * 24 + delay_hours DESC, rule_id
        ) AS rn
    FROM resolved_rules
    WHERE kind = 'retain_minimum' AND evaluated
),
plan_keys AS (
    SELECT DISTINCT l.code, c.category_id AS category
    FROM jurisdiction_lineage AS l, data_categories AS c
),
plan AS (
    SELECT
        k.code,
        k.category,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'account_deleted') AS rule_account_deleted,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'account_deleted') AS delay_account_deleted,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'deletion_requested') AS rule_deletion_requested,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'deletion_requested') AS delay_deletion_requested,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'collected') AS rule_collected,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'collected') AS delay_collected,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'enquiry_resolved') AS rule_enquiry_resolved,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'enquiry_resolved') AS delay_enquiry_resolved,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'marketing_opt_out') AS rule_marketing_opt_out,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'marketing_opt_out') AS delay_marketing_opt_out,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'program_ended') AS rule_program_ended,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'program_ended') AS delay_program_ended,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'message_sent') AS rule_message_sent,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'message_sent') AS delay_message_sent,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'contract_terminated') AS rule_contract_terminated,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'contract_terminated') AS delay_contract_terminated,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'service_completed') AS rule_service_completed,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'service_completed') AS delay_service_completed,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'registration_abandoned') AS rule_registration_abandoned,
        max(e.delay)   FILTER (WHERE e.trigger_event = 'registration_abandoned') AS delay_registration_abandoned,
        max(m.rule_id) AS retain_rule,
        max(m.delay)   AS retain_delay
    FROM plan_keys AS k
    LEFT JOIN erase AS e ON e.code = k.code AND e.category = k.category AND e.rn = 1
    LEFT JOIN retain AS m ON m.code = k.code AND m.category = k.category AND m.rn = 1
    GROUP BY k.code, k.category
),
known_codes AS (
    SELECT DISTINCT code FROM jurisdiction_lineage
),
-- First occurrence of each lifecycle event per subject (a record_id or an account_id).
ev AS (
    SELECT
        subject_id,
        min(occurred_at) FILTER (WHERE event = 'enquiry_resolved') AS t_enquiry_resolved,
        min(occurred_at) FILTER (WHERE event = 'marketing_opt_out') AS t_marketing_opt_out,
        min(occurred_at) FILTER (WHERE event = 'program_ended') AS t_program_ended,
        min(occurred_at) FILTER (WHERE event = 'message_sent') AS t_message_sent,
        min(occurred_at) FILTER (WHERE event = 'contract_terminated') AS t_contract_terminated,
        min(occurred_at) FILTER (WHERE event = 'service_completed') AS t_service_completed,
        min(occurred_at) FILTER (WHERE event = 'registration_abandoned') AS t_registration_abandoned
    FROM (
        SELECT subject_id, event, CAST(occurred_at AS TIMESTAMP) AS occurred_at
        FROM events
    ) AS e
    WHERE occurred_at <= $as_of
    GROUP BY subject_id
),
deletion_requests AS (
    SELECT account_id, min(CAST(received_at AS TIMESTAMP)) AS t_deletion_requested
    FROM requests
    WHERE type = 'deletion' AND account_id IS NOT NULL
      AND CAST(received_at AS TIMESTAMP) <= $as_of
    GROUP BY account_id
),
-- Every account-level clock in one row per account, so a record joins once.
acct AS (
    SELECT
        coalesce(a.account_id, d.account_id, ev.subject_id) AS account_id,
        CASE WHEN CAST(a.deleted_at AS TIMESTAMP) <= $as_of
             THEN CAST(a.deleted_at AS TIMESTAMP) END AS t_account_deleted,
        d.t_deletion_requested,
        ev.t_enquiry_resolved, ev.t_marketing_opt_out, ev.t_program_ended, ev.t_message_sent,
        ev.t_contract_terminated, ev.t_service_completed, ev.t_registration_abandoned
    FROM accounts AS a
    FULL JOIN deletion_requests AS d ON d.account_id = a.account_id
    LEFT JOIN ev ON ev.subject_id = coalesce(a.account_id, d.account_id)
),
rec AS (
    SELECT
        r.record_id,
        r.account_id,
        r.category,
        r.system,
        r.jurisdiction,
        CASE WHEN k.code IS NULL THEN 'GLOBAL' ELSE r.jurisdiction END AS rule_jurisdiction,
        CAST(r.created_at AS TIMESTAMP) AS created_at,
        CASE WHEN CAST(r.erased_at AS TIMESTAMP) <= $as_of
             THEN CAST(r.erased_at AS TIMESTAMP) END AS erased_at,
        r.legal_hold
    FROM records AS r
    LEFT JOIN known_codes AS k ON k.code = r.jurisdiction
    WHERE CAST(r.created_at AS TIMESTAMP) <= $as_of
      AND coalesce(list_contains($categories, r.category), true)
      AND coalesce(list_contains($systems, r.system), true)
      AND (
          $jurisdictions IS NULL
          OR list_contains($jurisdictions, r.jurisdiction)
          OR r.jurisdiction IN (
              SELECT code FROM jurisdiction_lineage WHERE list_contains($jurisdictions, ancestor)
          )
      )
),
-- One deadline per trigger: the trigger's clock (as of $as_of) + the rule's delay.
deadlines AS (
    SELECT
        rec.*,
        p.retain_rule,
        rec.created_at + p.retain_delay AS retain_until,
        p.rule_account_deleted, p.rule_deletion_requested, p.rule_collected,
        p.rule_enquiry_resolved, p.rule_marketing_opt_out, p.rule_program_ended,
        p.rule_message_sent, p.rule_contract_terminated, p.rule_service_completed,
        p.rule_registration_abandoned,
        a.t_account_deleted,
        a.t_deletion_requested,
        rec.created_at AS t_collected,
        least(er.t_enquiry_resolved, a.t_enquiry_resolved) AS t_enquiry_resolved,
        least(er.t_marketing_opt_out, a.t_marketing_opt_out) AS t_marketing_opt_out,
        least(er.t_program_ended, a.t_program_ended) AS t_program_ended,
        least(er.t_message_sent, a.t_message_sent) AS t_message_sent,
        least(er.t_contract_terminated, a.t_contract_terminated) AS t_contract_terminated,
        least(er.t_service_completed, a.t_service_completed) AS t_service_completed,
        least(er.t_registration_abandoned, a.t_registration_abandoned) AS t_registration_abandoned,
        a.t_account_deleted + p.delay_account_deleted AS d_account_deleted,
        a.t_deletion_requested + p.delay_deletion_requested AS d_deletion_requested,
        rec.created_at + p.delay_collected AS d_collected,
        least(er.t_enquiry_resolved, a.t_enquiry_resolved) + p.delay_enquiry_resolved AS d_enquiry_resolved,
        least(er.t_marketing_opt_out, a.t_marketing_opt_out) + p.delay_marketing_opt_out AS d_marketing_opt_out,
        least(er.t_program_ended, a.t_program_ended) + p.delay_program_ended AS d_program_ended,
        least(er.t_message_sent, a.t_message_sent) + p.delay_message_sent AS d_message_sent,
        least(er.t_contract_terminated, a.t_contract_terminated) + p.delay_contract_terminated AS d_contract_terminated,
        least(er.t_service_completed, a.t_service_completed) + p.delay_service_completed AS d_service_completed,
        least(er.t_registration_abandoned, a.t_registration_abandoned) + p.delay_registration_abandoned AS d_registration_abandoned
    FROM rec
    LEFT JOIN plan AS p ON p.code = rec.rule_jurisdiction AND p.category = rec.category
    LEFT JOIN acct AS a ON a.account_id = rec.account_id
    LEFT JOIN ev AS er ON er.subject_id = rec.record_id
),
earliest AS (
    SELECT
        *,
        least(d_account_deleted, d_deletion_requested, d_collected, d_enquiry_resolved,
              d_marketing_opt_out, d_program_ended, d_message_sent, d_contract_terminated,
              d_service_completed, d_registration_abandoned) AS deadline
    FROM deadlines
),
winner AS (
    SELECT
        *,
        -- the trigger whose deadline is the earliest (ties: the order below)
        CASE deadline
            WHEN d_account_deleted THEN 'account_deleted'
            WHEN d_deletion_requested THEN 'deletion_requested'
            WHEN d_registration_abandoned THEN 'registration_abandoned'
            WHEN d_enquiry_resolved THEN 'enquiry_resolved'
            WHEN d_marketing_opt_out THEN 'marketing_opt_out'
            WHEN d_program_ended THEN 'program_ended'
            WHEN d_message_sent THEN 'message_sent'
            WHEN d_contract_terminated THEN 'contract_terminated'
            WHEN d_service_completed THEN 'service_completed'
            WHEN d_collected THEN 'collected'
        END AS trigger_event
    FROM earliest
),
verdict AS (
    SELECT
        record_id, account_id, category, system, jurisdiction, rule_jurisdiction,
        created_at, erased_at, legal_hold, trigger_event,
        CASE trigger_event
            WHEN 'account_deleted' THEN rule_account_deleted
            WHEN 'deletion_requested' THEN rule_deletion_requested
            WHEN 'registration_abandoned' THEN rule_registration_abandoned
            WHEN 'enquiry_resolved' THEN rule_enquiry_resolved
            WHEN 'marketing_opt_out' THEN rule_marketing_opt_out
            WHEN 'program_ended' THEN rule_program_ended
            WHEN 'message_sent' THEN rule_message_sent
            WHEN 'contract_terminated' THEN rule_contract_terminated
            WHEN 'service_completed' THEN rule_service_completed
            WHEN 'collected' THEN rule_collected
        END AS rule_id,
        CASE trigger_event
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
        END AS clock_start,
        deadline,
        retain_rule,
        retain_until,
        CASE
            WHEN legal_hold THEN 'on_legal_hold'
            WHEN deadline < retain_until THEN 'conflict'
            WHEN erased_at IS NOT NULL AND (deadline IS NULL OR erased_at <= deadline) THEN 'erased_on_time'
            WHEN erased_at IS NOT NULL THEN 'erased_late'
            WHEN deadline IS NULL THEN 'no_trigger'
            WHEN deadline < $as_of THEN 'overdue'
            ELSE 'clock_running'
        END AS status
    FROM winner
)
SELECT
    *,
    CASE WHEN status = 'overdue'
         THEN CAST(floor(date_diff('second', deadline, $as_of) / 86400.0) AS BIGINT) END AS days_overdue,
    CASE WHEN erased_at IS NOT NULL AND deadline > clock_start
         THEN date_diff('second', clock_start, erased_at) / date_diff('second', clock_start, deadline)
    END AS lag_ratio
FROM verdict

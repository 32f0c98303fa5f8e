-- The retention verdict for every record of the inventory as of an instant.
--
-- Reads `resolved_rules` (retention_rules.sql, composed in by analysis/retention.py)
-- with: resolved_rules = retention_rules.sql
-- and the operational tables. Parameters (all bound, never formatted in):
--   $as_of_end      TIMESTAMPTZ: the end of the as-of day D, exclusive (D + 1 day at
--                   00:00 UTC; compliance_kit.contract.AsOf.end, the one definition every
--                   SQL file uses): what happened strictly before it counts.
--   $jurisdictions  VARCHAR[] or NULL: keep records of these jurisdictions (a bloc code
--                   such as 'EEA' keeps its members too)
--   $categories     VARCHAR[] or NULL
--   $systems        VARCHAR[] or NULL
--
-- Per record: the applicable erase_within rules (its category's plus the every-category
-- rules, each resolved through the hierarchy); the clock of each rule's trigger; the
-- deadline = clock + delay (calendar months, then days and hours: exact to the
-- microsecond); the earliest deadline wins. Only what happened by the instant counts:
-- a trigger after it has not started a clock, an erasure after it has not happened yet.
--
-- Two choices for speed (docs/metrics-retention.md):
-- * the trigger vocabulary is fixed, so the rules are pivoted into one column per
--   trigger and every record stays one row from scan to aggregate (no per-record
--   GROUP BY: this is what lets 100M records run in 1 GB);
-- * instants are computed as microseconds since the epoch (epoch_us, exact integers):
--   days and hours are exact multiples in UTC, and only calendar months go through
--   timestamp arithmetic (on UTC wall time). TIMESTAMPTZ arithmetic and casts run
--   through ICU and cost 3-4x the whole scan. On Spark: epoch_us -> unix_micros,
--   make_timestamp(us) -> timestamp_micros.
WITH
-- One row per (code, category): for each trigger, the shortest erase_within rule
-- (ordered by months, then days and hours) and the longest minimum retention.
erase AS (
    SELECT *,
        CAST(delay_days * 86400 + delay_hours * 3600 AS BIGINT) * 1000000 AS delay_us,
        row_number() OVER (
            PARTITION BY code, category, trigger_event
            ORDER BY delay_months, delay_days * 24 + delay_hours, rule_id
        ) AS rn
    FROM resolved_rules
    WHERE kind = 'erase_within' AND evaluated
),
retain AS (
    SELECT *,
        CAST(delay_days * 86400 + delay_hours * 3600 AS BIGINT) * 1000000 AS delay_us,
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
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'account_deleted') AS months_account_deleted,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'account_deleted') AS us_account_deleted,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'deletion_requested') AS rule_deletion_requested,
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'deletion_requested') AS months_deletion_requested,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'deletion_requested') AS us_deletion_requested,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'registration_abandoned') AS rule_registration_abandoned,
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'registration_abandoned') AS months_registration_abandoned,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'registration_abandoned') AS us_registration_abandoned,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'enquiry_resolved') AS rule_enquiry_resolved,
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'enquiry_resolved') AS months_enquiry_resolved,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'enquiry_resolved') AS us_enquiry_resolved,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'marketing_opt_out') AS rule_marketing_opt_out,
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'marketing_opt_out') AS months_marketing_opt_out,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'marketing_opt_out') AS us_marketing_opt_out,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'program_ended') AS rule_program_ended,
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'program_ended') AS months_program_ended,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'program_ended') AS us_program_ended,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'message_sent') AS rule_message_sent,
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'message_sent') AS months_message_sent,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'message_sent') AS us_message_sent,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'contract_terminated') AS rule_contract_terminated,
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'contract_terminated') AS months_contract_terminated,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'contract_terminated') AS us_contract_terminated,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'service_completed') AS rule_service_completed,
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'service_completed') AS months_service_completed,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'service_completed') AS us_service_completed,
        max(e.rule_id) FILTER (WHERE e.trigger_event = 'collected') AS rule_collected,
        max(e.delay_months) FILTER (WHERE e.trigger_event = 'collected') AS months_collected,
        max(e.delay_us) FILTER (WHERE e.trigger_event = 'collected') AS us_collected,
        max(m.rule_id) AS retain_rule,
        max(m.delay_months) AS retain_months,
        max(m.delay_us) AS retain_us
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
        min(occurred_us) FILTER (WHERE event = 'enquiry_resolved') AS t_enquiry_resolved,
        min(occurred_us) FILTER (WHERE event = 'marketing_opt_out') AS t_marketing_opt_out,
        min(occurred_us) FILTER (WHERE event = 'program_ended') AS t_program_ended,
        min(occurred_us) FILTER (WHERE event = 'message_sent') AS t_message_sent,
        min(occurred_us) FILTER (WHERE event = 'contract_terminated') AS t_contract_terminated,
        min(occurred_us) FILTER (WHERE event = 'service_completed') AS t_service_completed,
        min(occurred_us) FILTER (WHERE event = 'registration_abandoned') AS t_registration_abandoned
    FROM (
        SELECT subject_id, event, epoch_us(occurred_at) AS occurred_us
        FROM events
    ) AS e
    WHERE occurred_us < epoch_us($as_of_end)
    GROUP BY subject_id
),
deletion_requests AS (
    SELECT account_id, min(received_us) AS t_deletion_requested
    FROM (
        SELECT account_id, epoch_us(received_at) AS received_us
        FROM requests
        WHERE type = 'deletion' AND account_id IS NOT NULL
    ) AS q
    WHERE received_us < epoch_us($as_of_end)
    GROUP BY account_id
),
-- Every account-level clock in one row per account, so a record joins once; accounts
-- with no clock at all (still open, no request, no event) are left out of the join.
acct AS (
    SELECT
        coalesce(a.account_id, d.account_id) AS account_id,
        CASE WHEN epoch_us(a.deleted_at) < epoch_us($as_of_end) THEN epoch_us(a.deleted_at) END AS t_account_deleted,
        d.t_deletion_requested,
        ev.t_enquiry_resolved, ev.t_marketing_opt_out, ev.t_program_ended, ev.t_message_sent, ev.t_contract_terminated, ev.t_service_completed, ev.t_registration_abandoned
    FROM accounts AS a
    FULL JOIN deletion_requests AS d ON d.account_id = a.account_id
    LEFT JOIN ev ON ev.subject_id = coalesce(a.account_id, d.account_id)
    WHERE epoch_us(a.deleted_at) < epoch_us($as_of_end)
       OR d.t_deletion_requested IS NOT NULL
       OR ev.subject_id IS NOT NULL
),
rec AS (
    SELECT
        r.record_id,
        r.account_id,
        r.category,
        r.system,
        r.jurisdiction,
        CASE WHEN k.code IS NULL THEN 'GLOBAL' ELSE r.jurisdiction END AS rule_jurisdiction,
        epoch_us(r.created_at) AS created_us,
        CASE WHEN epoch_us(r.erased_at) < epoch_us($as_of_end) THEN epoch_us(r.erased_at) END AS erased_us,
        r.legal_hold
    FROM records AS r
    LEFT JOIN known_codes AS k ON k.code = r.jurisdiction
    WHERE epoch_us(r.created_at) < epoch_us($as_of_end)
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
-- Every clock of the record, joined first while rows are narrow (a join that spills
-- partitions its probe rows to disk: the plan's columns come after).
clocks AS (
    SELECT
        rec.*,
        a.t_account_deleted,
        a.t_deletion_requested,
        least(er.t_enquiry_resolved, a.t_enquiry_resolved) AS t_enquiry_resolved,
        least(er.t_marketing_opt_out, a.t_marketing_opt_out) AS t_marketing_opt_out,
        least(er.t_program_ended, a.t_program_ended) AS t_program_ended,
        least(er.t_message_sent, a.t_message_sent) AS t_message_sent,
        least(er.t_contract_terminated, a.t_contract_terminated) AS t_contract_terminated,
        least(er.t_service_completed, a.t_service_completed) AS t_service_completed,
        least(er.t_registration_abandoned, a.t_registration_abandoned) AS t_registration_abandoned
    FROM rec
    LEFT JOIN acct AS a ON a.account_id = rec.account_id
    LEFT JOIN ev AS er ON er.subject_id = rec.record_id
),
-- One deadline per trigger (NULL: no rule, or the trigger has not happened).
deadlines AS (
    SELECT
        c.*,
        p.retain_rule,
        CASE WHEN p.retain_months > 0
             THEN epoch_us(make_timestamp(c.created_us) + p.retain_months * INTERVAL '1 month') + p.retain_us
             ELSE c.created_us + p.retain_us END AS retain_until_us,
        p.rule_account_deleted, p.rule_deletion_requested, p.rule_registration_abandoned, p.rule_enquiry_resolved, p.rule_marketing_opt_out, p.rule_program_ended, p.rule_message_sent, p.rule_contract_terminated, p.rule_service_completed, p.rule_collected,
        c.created_us AS t_collected,
        CASE WHEN p.months_account_deleted > 0
             THEN epoch_us(make_timestamp(c.t_account_deleted) + p.months_account_deleted * INTERVAL '1 month') + p.us_account_deleted
             ELSE c.t_account_deleted + p.us_account_deleted END AS d_account_deleted,
        CASE WHEN p.months_deletion_requested > 0
             THEN epoch_us(make_timestamp(c.t_deletion_requested) + p.months_deletion_requested * INTERVAL '1 month') + p.us_deletion_requested
             ELSE c.t_deletion_requested + p.us_deletion_requested END AS d_deletion_requested,
        CASE WHEN p.months_registration_abandoned > 0
             THEN epoch_us(make_timestamp(c.t_registration_abandoned) + p.months_registration_abandoned * INTERVAL '1 month') + p.us_registration_abandoned
             ELSE c.t_registration_abandoned + p.us_registration_abandoned END AS d_registration_abandoned,
        CASE WHEN p.months_enquiry_resolved > 0
             THEN epoch_us(make_timestamp(c.t_enquiry_resolved) + p.months_enquiry_resolved * INTERVAL '1 month') + p.us_enquiry_resolved
             ELSE c.t_enquiry_resolved + p.us_enquiry_resolved END AS d_enquiry_resolved,
        CASE WHEN p.months_marketing_opt_out > 0
             THEN epoch_us(make_timestamp(c.t_marketing_opt_out) + p.months_marketing_opt_out * INTERVAL '1 month') + p.us_marketing_opt_out
             ELSE c.t_marketing_opt_out + p.us_marketing_opt_out END AS d_marketing_opt_out,
        CASE WHEN p.months_program_ended > 0
             THEN epoch_us(make_timestamp(c.t_program_ended) + p.months_program_ended * INTERVAL '1 month') + p.us_program_ended
             ELSE c.t_program_ended + p.us_program_ended END AS d_program_ended,
        CASE WHEN p.months_message_sent > 0
             THEN epoch_us(make_timestamp(c.t_message_sent) + p.months_message_sent * INTERVAL '1 month') + p.us_message_sent
             ELSE c.t_message_sent + p.us_message_sent END AS d_message_sent,
        CASE WHEN p.months_contract_terminated > 0
             THEN epoch_us(make_timestamp(c.t_contract_terminated) + p.months_contract_terminated * INTERVAL '1 month') + p.us_contract_terminated
             ELSE c.t_contract_terminated + p.us_contract_terminated END AS d_contract_terminated,
        CASE WHEN p.months_service_completed > 0
             THEN epoch_us(make_timestamp(c.t_service_completed) + p.months_service_completed * INTERVAL '1 month') + p.us_service_completed
             ELSE c.t_service_completed + p.us_service_completed END AS d_service_completed,
        CASE WHEN p.months_collected > 0
             THEN epoch_us(make_timestamp(c.created_us) + p.months_collected * INTERVAL '1 month') + p.us_collected
             ELSE c.created_us + p.us_collected END AS d_collected
    FROM clocks AS c
    LEFT JOIN plan AS p ON p.code = c.rule_jurisdiction AND p.category = c.category
),
earliest AS (
    SELECT
        *,
        least(d_account_deleted, d_deletion_requested, d_registration_abandoned, d_enquiry_resolved, d_marketing_opt_out, d_program_ended, d_message_sent, d_contract_terminated, d_service_completed, d_collected) AS deadline_us
    FROM deadlines
),
winner AS (
    SELECT
        *,
        -- the trigger whose deadline is the earliest (ties: the order below)
        CASE deadline_us
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
        created_us, erased_us, legal_hold, trigger_event,
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
        END AS clock_us,
        deadline_us,
        retain_rule,
        retain_until_us,
        CASE
            WHEN legal_hold THEN 'on_legal_hold'
            WHEN deadline_us < retain_until_us THEN 'conflict'
            WHEN erased_us IS NOT NULL AND (deadline_us IS NULL OR erased_us <= deadline_us) THEN 'erased_on_time'
            WHEN erased_us IS NOT NULL THEN 'erased_late'
            WHEN deadline_us IS NULL THEN 'no_trigger'
            WHEN deadline_us < epoch_us($as_of_end) THEN 'overdue'
            ELSE 'clock_running'
        END AS status
    FROM winner
)
SELECT
    record_id, account_id, category, system, jurisdiction, rule_jurisdiction,
    make_timestamp(created_us) AS created_at,
    make_timestamp(erased_us) AS erased_at,
    legal_hold, trigger_event, rule_id,
    make_timestamp(clock_us) AS clock_start,
    make_timestamp(deadline_us) AS deadline,
    retain_rule,
    make_timestamp(retain_until_us) AS retain_until,
    status,
    CASE WHEN status = 'overdue'
         THEN CAST(floor((epoch_us($as_of_end) - deadline_us) / 86400000000.0) AS BIGINT) END AS days_overdue,
    CASE WHEN erased_us IS NOT NULL AND deadline_us > clock_us
         THEN (erased_us - clock_us) / (deadline_us - clock_us) END AS lag_ratio,
    -- for the cube: exact integers, so that histogram bins split exactly
    deadline_us,
    CASE WHEN erased_us IS NOT NULL AND deadline_us > clock_us THEN erased_us - clock_us END AS lag_us,
    CASE WHEN erased_us IS NOT NULL AND deadline_us > clock_us THEN deadline_us - clock_us END AS allowed_us
FROM verdict

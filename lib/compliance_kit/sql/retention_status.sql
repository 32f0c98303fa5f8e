-- The retention verdict for every record of the inventory as of an instant.
--
-- Reads `resolved_rules` (retention_rules.sql, composed in by analysis/retention.py)
-- with: resolved_rules = retention_rules.sql
-- with: known_codes = retention_jurisdiction_numbers.sql
-- with: category_nos = retention_category_numbers.sql
-- with: rule_nos = retention_rule_numbers.sql
-- and the operational tables. The three readings of the policy are evaluated in the same
-- pass (their per-reading expressions are retention_reading.sql, written once per slot):
-- slots: retention_reading.sql for s in strictest, table, text; lines for t in triggers, m in month_triggers, d in day_triggers
-- fill: triggers list of account_deleted, deletion_requested, registration_abandoned, enquiry_resolved, marketing_opt_out, program_ended, message_sent, contract_terminated, service_completed, collected
-- fill: month_triggers list of account_deleted, deletion_requested, registration_abandoned, enquiry_resolved, marketing_opt_out, program_ended, message_sent, contract_terminated, service_completed, collected
-- fill: day_triggers list of account_deleted, deletion_requested, registration_abandoned, enquiry_resolved, marketing_opt_out, program_ended, message_sent, contract_terminated, service_completed, collected
-- fill: reading one of strictest, table, text
-- fill: candidates one of all, overdue_candidates
-- Parameters (all bound, never formatted in):
--   $as_of_end      TIMESTAMPTZ: the end of the as-of day D, exclusive (D + 1 day at
--                   00:00 UTC; compliance_kit.contract.AsOf.end, the one definition every
--                   SQL file uses): what happened strictly before it counts.
--   $jurisdictions  VARCHAR[] or NULL: keep records of these jurisdictions (a bloc code
--                   such as 'EEA' keeps its members too)
--   $categories     VARCHAR[] or NULL
--   $systems        VARCHAR[] or NULL
--   $open_only      BOOLEAN: true keeps only the records that can be overdue (not on legal
--                   hold, not erased by the instant), before any join: the oldest-overdue
--                   list's pass (retention_oldest_overdue.sql); false (the cube) keeps all
--   {candidates}    (a fill-in) the records read: `all`, or `overdue_candidates`, only those
--                   whose deadline could be at most the bound of `overdue_bound` below (the
--                   oldest-overdue list's pass: retention_oldest_overdue.sql)
--   $candidates     INTEGER: with {candidates} = overdue_candidates, how many of the
--                   earliest possible deadlines set that bound (unused, 0, otherwise)
--   {reading}       (a fill-in, not a value) the reading whose verdict, rule, clock and
--                   deadline are returned: strictest, table or text; status_strictest_no,
--                   status_table_no and status_text_no give every reading's status. Written
--                   in, so that the other readings' rules and clocks, which nothing
--                   reads, are pruned from the plan (only their deadlines are computed)
--   $rule_sets_strictest, $rule_sets_table, $rule_sets_text: each reading's rule sets
--                   (retention_rules.sql)
--   {triggers}      (a fill-in) the triggers some erase_within rule of the policy uses, in
--                   the order above (it breaks ties between equal deadlines); the others
--                   can set no deadline, so their columns are left out of the pass
--                   (analysis/retention.py trigger_fill); {month_triggers} those some
--                   rule counts in calendar months, {day_triggers} the rest of {triggers}
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
            PARTITION BY slot, code, category, trigger_event
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
    -- minimum retention binds in every reading: one slot's copy of the rules
    WHERE kind = 'retain_minimum' AND evaluated AND slot = 'strictest'
),
-- The plan is joined onto each record on two small integers, the numbers of its
-- jurisdiction and category (known_codes, category_nos: hashing two integers per record
-- instead of two texts).
-- Two keys, not one number computed from them: DuckDB estimated a join on such an
-- expression as if each record matched every category's plan row of its jurisdiction (13x
-- the records with the bundled policy), and sized the aggregates after it (and their
-- memory) for that many rows.
global_code AS (
    SELECT code_no FROM known_codes WHERE code = 'GLOBAL'
),
plan_keys AS (
    SELECT k.code, k.code_no, c.category, c.category_no
    FROM known_codes AS k, category_nos AS c
),
plan AS (
    SELECT
        k.code_no,
        k.category_no,
        k.code,
        k.category,
        {plan_columns},
        max(m.rule_id) AS retain_rule,
        max(m.delay_months) AS retain_months,
        max(m.delay_us) AS retain_us
    FROM plan_keys AS k
    LEFT JOIN erase AS e ON e.code = k.code AND e.category = k.category AND e.rn = 1
    LEFT JOIN rule_nos AS en ON en.rule_id = e.rule_id
    LEFT JOIN retain AS m ON m.code = k.code AND m.category = k.category AND m.rn = 1
    GROUP BY k.code_no, k.category_no, k.code, k.category
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
-- The oldest-overdue list reads only the records whose deadline could be among the earliest
-- (candidates = overdue_candidates), chosen before any per-record join. A deadline is a
-- clock plus a delay, so no deadline of a clock comes before the clock plus the shortest
-- delay any rule of the reading gives its trigger (`min_delays`: days and hours; calendar
-- months only add). The bound is the $candidates-th earliest of these over every account
-- and event subject (never past the instant: an overdue deadline is before it), and a
-- record is read when its account, the record itself as an event subject, or its
-- collection could give a deadline at or before it: every record whose deadline is at or
-- before the bound is read. retention_oldest_overdue.sql keeps only those (the list is
-- exact when it fills its limit; analysis/retention.py oldest_overdue reads every record
-- otherwise).
min_delays AS (
    SELECT
        min(delay_us) FILTER (WHERE trigger_event = 'account_deleted') AS d_account_deleted,
        min(delay_us) FILTER (WHERE trigger_event = 'deletion_requested') AS d_deletion_requested,
        min(delay_us) FILTER (WHERE trigger_event = 'enquiry_resolved') AS d_enquiry_resolved,
        min(delay_us) FILTER (WHERE trigger_event = 'marketing_opt_out') AS d_marketing_opt_out,
        min(delay_us) FILTER (WHERE trigger_event = 'program_ended') AS d_program_ended,
        min(delay_us) FILTER (WHERE trigger_event = 'message_sent') AS d_message_sent,
        min(delay_us) FILTER (WHERE trigger_event = 'contract_terminated') AS d_contract_terminated,
        min(delay_us) FILTER (WHERE trigger_event = 'service_completed') AS d_service_completed,
        min(delay_us) FILTER (WHERE trigger_event = 'registration_abandoned') AS d_registration_abandoned,
        min(delay_us) FILTER (WHERE trigger_event = 'collected') AS d_collected
    FROM erase
    WHERE slot = '{reading}'
),
account_bounds AS (
    SELECT a.account_id, least(
        a.t_account_deleted + m.d_account_deleted,
        a.t_deletion_requested + m.d_deletion_requested,
        a.t_enquiry_resolved + m.d_enquiry_resolved,
        a.t_marketing_opt_out + m.d_marketing_opt_out,
        a.t_program_ended + m.d_program_ended,
        a.t_message_sent + m.d_message_sent,
        a.t_contract_terminated + m.d_contract_terminated,
        a.t_service_completed + m.d_service_completed,
        a.t_registration_abandoned + m.d_registration_abandoned,
        CAST(NULL AS BIGINT)) AS bound_us
    FROM acct AS a
    CROSS JOIN min_delays AS m
),
subject_bounds AS (
    SELECT e.subject_id, least(
        e.t_enquiry_resolved + m.d_enquiry_resolved,
        e.t_marketing_opt_out + m.d_marketing_opt_out,
        e.t_program_ended + m.d_program_ended,
        e.t_message_sent + m.d_message_sent,
        e.t_contract_terminated + m.d_contract_terminated,
        e.t_service_completed + m.d_service_completed,
        e.t_registration_abandoned + m.d_registration_abandoned,
        CAST(NULL AS BIGINT)) AS bound_us
    FROM ev AS e
    CROSS JOIN min_delays AS m
),
overdue_bound AS (
    -- the $candidates-th earliest (with fewer, the latest), at most the instant
    SELECT least(coalesce(max(bound_us), epoch_us($as_of_end)), epoch_us($as_of_end)) AS bound_us
    FROM (
        SELECT bound_us
        FROM (
            SELECT bound_us FROM account_bounds
            UNION ALL
            SELECT bound_us FROM subject_bounds
        ) AS b
        WHERE bound_us IS NOT NULL
        ORDER BY bound_us
        LIMIT $candidates
    ) AS k
),
records_overdue_candidates AS (
    SELECT r.*, o.bound_us AS candidate_bound_us
    FROM records AS r
    CROSS JOIN overdue_bound AS o
    CROSS JOIN min_delays AS m
    WHERE epoch_us(r.created_at) + m.d_collected <= o.bound_us
       OR r.account_id IN (
           SELECT a.account_id FROM account_bounds AS a, overdue_bound AS ob WHERE a.bound_us <= ob.bound_us)
       OR r.record_id IN (
           SELECT s.subject_id FROM subject_bounds AS s, overdue_bound AS ob WHERE s.bound_us <= ob.bound_us)
),
records_all AS (
    SELECT *, CAST(NULL AS BIGINT) AS candidate_bound_us FROM records
),
rec AS (
    SELECT
        r.record_id,
        r.account_id,
        r.category,
        r.system,
        r.jurisdiction,
        CASE WHEN k.code IS NULL THEN 'GLOBAL' ELSE r.jurisdiction END AS rule_jurisdiction,
        -- the plan's row: the record's jurisdiction (GLOBAL when not in the hierarchy) and
        -- category (NULL, no rule, for a category the policy does not list)
        coalesce(k.code_no, g.code_no) AS rule_code_no,
        -- the numbers the cube groups by (NULL: not in the hierarchy, not in the policy;
        -- the cube then groups by the text)
        k.code_no AS jurisdiction_no,
        cn.category_no,
        epoch_us(r.created_at) AS created_us,
        CASE WHEN epoch_us(r.erased_at) < epoch_us($as_of_end) THEN epoch_us(r.erased_at) END AS erased_us,
        r.legal_hold,
        r.candidate_bound_us
    FROM records_{candidates} AS r
    LEFT JOIN known_codes AS k ON k.code = r.jurisdiction
    LEFT JOIN category_nos AS cn ON cn.category = r.category
    LEFT JOIN global_code AS g ON true
    WHERE epoch_us(r.created_at) < epoch_us($as_of_end)
      AND coalesce(list_contains($categories, r.category), true)
      AND coalesce(list_contains($systems, r.system), true)
      AND (NOT $open_only
           OR (NOT coalesce(r.legal_hold, false)
               AND NOT coalesce(epoch_us(r.erased_at) < epoch_us($as_of_end), false)))
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
        least(er.t_registration_abandoned, a.t_registration_abandoned) AS t_registration_abandoned,
        rec.created_us AS t_collected
    FROM rec
    LEFT JOIN acct AS a ON a.account_id = rec.account_id
    LEFT JOIN ev AS er ON er.subject_id = rec.record_id
),
-- One deadline per trigger and reading (NULL: no rule, or the trigger has not happened).
deadlines AS (
    SELECT
        c.*,
        p.retain_rule,
        CASE WHEN p.retain_months > 0
             THEN epoch_us(make_timestamp(c.created_us) + p.retain_months * INTERVAL '1 month') + p.retain_us
             ELSE c.created_us + p.retain_us END AS retain_until_us,
        {plan_select},
        {deadlines}
    FROM clocks AS c
    LEFT JOIN plan AS p ON p.code_no = c.rule_code_no AND p.category_no = c.category_no
),
earliest AS (
    SELECT *, {earliest} FROM deadlines
),
winner AS (
    SELECT *, {winner} FROM earliest
),
verdicts AS (
    SELECT *, {verdict} FROM winner
),
-- The reading asked for: its trigger, rule, clock, deadline and status.
verdict AS (
    SELECT
        record_id, account_id, category, system, jurisdiction, rule_jurisdiction,
        category_no, jurisdiction_no,
        created_us, erased_us, legal_hold,
        {reading}_trigger_event AS trigger_event,
        {reading}_rule_no AS rule_no,
        {reading}_clock_us AS clock_us,
        {reading}_deadline_us AS deadline_us,
        retain_rule,
        retain_until_us,
        {reading}_status_no AS status_no,
        strictest_status_no AS status_strictest_no,
        table_status_no AS status_table_no,
        text_status_no AS status_text_no,
        candidate_bound_us
    FROM verdicts
)
SELECT
    record_id, account_id, category, system, jurisdiction, rule_jurisdiction,
    category_no, jurisdiction_no,
    make_timestamp(created_us) AS created_at,
    make_timestamp(erased_us) AS erased_at,
    legal_hold, trigger_event,
    -- the deciding rule as its number (retention_rule_numbers.sql: whatever shows it names it)
    rule_no,
    make_timestamp(clock_us) AS clock_start,
    make_timestamp(deadline_us) AS deadline,
    retain_rule,
    make_timestamp(retain_until_us) AS retain_until,
    -- the status as its number (retention_status_names.sql; retention_record_status.sql
    -- and the cube name it)
    status_no,
    CASE WHEN status_no = 3 -- overdue (retention_status_names.sql)
         THEN CAST(floor((epoch_us($as_of_end) - deadline_us) / 86400000000.0) AS BIGINT) END AS days_overdue,
    CASE WHEN erased_us IS NOT NULL AND deadline_us > clock_us
         THEN (erased_us - clock_us) / (deadline_us - clock_us) END AS lag_ratio,
    -- for the cube: exact integers, so that histogram bins split exactly
    deadline_us,
    CASE WHEN erased_us IS NOT NULL AND deadline_us > clock_us THEN erased_us - clock_us END AS lag_us,
    CASE WHEN erased_us IS NOT NULL AND deadline_us > clock_us THEN deadline_us - clock_us END AS allowed_us,
    -- every reading's verdict, for the comparison of readings (retention_cube.sql)
    status_strictest_no, status_table_no, status_text_no,
    -- the oldest-overdue list's bound (NULL: every record was read)
    candidate_bound_us
FROM verdict

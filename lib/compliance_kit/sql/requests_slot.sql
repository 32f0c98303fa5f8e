-- The per-slot part of requests_status.sql, written once: `{s}` is the slot (p, w or a)
-- and each section below is pasted into the matching placeholder of requests_status.sql,
-- once per slot, by compliance_kit.sql_compose (the `-- slots:` line of those files).

-- [combo_columns] the slot's rule, per (jurisdiction, type, rule period)
{s}.rule_id AS {s}_rule, {s}.cal AS {s}_cal, {s}.rc_id AS {s}_rc, {s}.unit AS {s}_unit,
{s}.amount AS {s}_amount, {s}.extension_amount AS {s}_ext_amount,
{s}.extension_needs_notice AS {s}_needs_notice, {s}.clock_start AS {s}_clock_start,
{s}.pause_for_identity AS {s}_pause_rule, {s}.roll AS {s}_roll,

-- [combo_joins]
LEFT JOIN slot_full AS {s}
  ON {s}.slot = '{s}' AND {s}.jurisdiction = c.jurisdiction AND {s}.type = c.type
 AND {s}.epoch_start = c.epoch_start

-- [slot_start] clock start and identity pause, per request (no joins)
-- The clock starts at receipt, or at identity verification where the rule says so (at
-- receipt when no identity check was asked; not yet while one is outstanding: NULL).
CASE WHEN {s}_clock_start = 'receipt' THEN received_at
     WHEN id_verified_at IS NOT NULL THEN id_verified_at
     WHEN id_requested_at IS NULL THEN received_at END AS {s}_start_at,
rq_day({s}_start_at) AS {s}_start_date,
-- The identity pause, where the rule allows one: from id_requested_at to id_verified_at,
-- or, while still outstanding, to the completion or the as-of date (its end, for hours).
-- Whole calendar days for day-based units, exact for hours; it moves the deadline.
coalesce({s}_pause_rule AND id_requested_at IS NOT NULL AND id_requested_at >= {s}_start_at,
         FALSE) AS {s}_paused,
CASE WHEN {s}_paused
     THEN greatest(date_diff('day', rq_day(id_requested_at),
                             least(rq_day(coalesce(id_verified_at, done_at)), $as_of::DATE)), 0)
     ELSE 0 END::INTEGER AS {s}_pause_days,
CASE WHEN {s}_paused
     THEN greatest(least(coalesce(id_verified_at, done_at), $as_of_end)
                   - id_requested_at, INTERVAL 0 SECOND)
     ELSE INTERVAL 0 SECOND END AS {s}_pause_span,
-- Hour-based deadlines are instants.
CASE WHEN {s}_unit = 'hours' THEN {s}_start_at + to_hours({s}_amount) + {s}_pause_span END AS {s}_orig_at,
CASE WHEN {s}_unit = 'hours' AND {s}_ext_amount IS NOT NULL
     THEN {s}_start_at + to_hours({s}_amount + {s}_ext_amount) + {s}_pause_span END AS {s}_ext_at,

-- [slot_joins] the precomputed dates; a calendar lookup only where a date must be rolled
-- again (a paused request, or an hour-based deadline): the key is NULL otherwise
LEFT JOIN request_due_lookup AS {s}_lk ON {s}_lk.rc_id = s.{s}_rc AND {s}_lk.start_date = s.{s}_start_date
LEFT JOIN calendar_days AS {s}_r1
  ON s.{s}_roll AND {s}_r1.calendar = s.{s}_cal
 AND {s}_r1.day = CASE WHEN s.{s}_unit = 'hours' THEN rq_day(s.{s}_orig_at)
                       WHEN s.{s}_pause_days > 0 THEN {s}_lk.orig_raw + s.{s}_pause_days END
LEFT JOIN calendar_days AS {s}_r2
  ON s.{s}_roll AND s.extension_notified_at IS NOT NULL AND {s}_r2.calendar = s.{s}_cal
 AND {s}_r2.day = CASE WHEN s.{s}_unit = 'hours' THEN rq_day(s.{s}_ext_at)
                       WHEN s.{s}_pause_days > 0 THEN {s}_lk.ext_raw + s.{s}_pause_days END

-- [slot_due] the slot's original and extended deadlines (a date, and the instant before
-- which the response is in time), and whether the extension counts
CASE WHEN s.{s}_unit = 'hours'
          THEN CASE WHEN s.{s}_roll AND NOT {s}_r1.is_working THEN {s}_r1.next_working_day ELSE rq_day(s.{s}_orig_at) END
     WHEN s.{s}_pause_days > 0
          THEN CASE WHEN s.{s}_roll THEN {s}_r1.next_working_day ELSE {s}_lk.orig_raw + s.{s}_pause_days END
     ELSE {s}_lk.orig_rolled END AS {s}_orig_due_date,
CASE WHEN s.{s}_unit = 'hours' AND (s.{s}_roll AND NOT {s}_r1.is_working) IS NOT TRUE THEN s.{s}_orig_at
     ELSE rq_midnight({s}_orig_due_date + 1) END AS {s}_orig_due_by,
CASE WHEN s.{s}_unit = 'hours'
          THEN CASE WHEN s.{s}_roll AND NOT {s}_r2.is_working THEN {s}_r2.next_working_day ELSE rq_day(s.{s}_ext_at) END
     WHEN s.{s}_pause_days > 0
          THEN CASE WHEN s.{s}_roll THEN {s}_r2.next_working_day ELSE {s}_lk.ext_raw + s.{s}_pause_days END
     ELSE {s}_lk.ext_rolled END AS {s}_ext_due_date,
CASE WHEN s.{s}_unit = 'hours' AND (s.{s}_roll AND NOT {s}_r2.is_working) IS NOT TRUE THEN s.{s}_ext_at
     ELSE rq_midnight({s}_ext_due_date + 1) END AS {s}_ext_due_by,
-- An extension counts when the rule allows one and, where notice is needed, the notice
-- came before the end of the original deadline; a later notice counts for nothing.
coalesce(s.{s}_ext_amount IS NOT NULL AND s.extension_notified_at IS NOT NULL
         AND (NOT s.{s}_needs_notice OR s.extension_notified_at < {s}_orig_due_by), FALSE) AS {s}_extended,
CASE WHEN {s}_extended THEN {s}_ext_due_date ELSE {s}_orig_due_date END AS {s}_due_date,
CASE WHEN {s}_extended THEN {s}_ext_due_by ELSE {s}_orig_due_by END AS {s}_due_by,

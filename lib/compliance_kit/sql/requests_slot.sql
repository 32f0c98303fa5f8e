-- The per-slot part of requests_rules.sql and requests_decided.sql (the slot machinery),
-- written once: `{s}` is the slot (p, w, a or t) and each section below is pasted into the
-- matching placeholder of those files, once per slot, by compliance_kit.sql_compose (the
-- `-- slots:` line of those files).

-- [combo_columns] the slot's rule, per (jurisdiction, type, rule period)
{s}.rule_id AS {s}_rule, {s}.cal AS {s}_cal, {s}.rc_id AS {s}_rc, {s}.unit AS {s}_unit,
{s}.amount AS {s}_amount, {s}.extension_amount AS {s}_ext_amount,
{s}.extension_needs_notice AS {s}_needs_notice, {s}.clock_start AS {s}_clock_start,
{s}.pause_for_identity AS {s}_pause_rule, {s}.pause_for_clarification AS {s}_clar_rule,
{s}.roll AS {s}_roll,

-- [combo_joins]
LEFT JOIN slot_full AS {s}
  ON {s}.slot = '{s}' AND {s}.jurisdiction = c.jurisdiction AND {s}.type = c.type
 AND {s}.epoch_start = c.epoch_start

-- [slot_start] clock start and identity pause, per request (no joins)
-- Identity modes (docs/metrics-requests.md, "Identity checks"): clock_start =
-- 'identity_verified' is "latest of": the clock starts at the later of receipt and the
-- identity information received (UK: DPA 2018 / UK GDPR Art 12A, ICO), and has not started
-- while a check asked for is outstanding (NULL); pause_for_identity stops the clock between
-- id_requested_at and id_verified_at (EEA); neither: identity time is ignored (CCPA).
CASE WHEN {s}_clock_start = 'receipt' THEN received_at
     WHEN id_verified_at IS NOT NULL THEN greatest(received_at, id_verified_at)
     WHEN id_requested_at IS NULL THEN received_at END AS {s}_start_at,
-- the local day of receipt, already known, unless the clock starts later
CASE WHEN {s}_start_at = received_at THEN received_date ELSE rq_local_day({s}_start_at, tz) END AS {s}_start_date,
-- The identity pause, where the rule allows one: from id_requested_at to id_verified_at,
-- or, while still outstanding, to the completion or the as-of date (its end, for hours).
-- Whole local days for day-based units, exact for hours; it moves the deadline.
coalesce({s}_pause_rule AND id_requested_at IS NOT NULL AND id_requested_at >= {s}_start_at,
         FALSE) AS {s}_id_paused,
-- The clarification stop-the-clock (UK GDPR Art 12A, DUAA 2025 s 76), day-based units: from
-- clarification_requested_at to clarification_received_at (or, while awaited, to the
-- completion or the as-of date). Added to the identity pause (they rarely overlap; an
-- overlap would count twice: documented).
coalesce({s}_clar_rule AND clarification_requested_at IS NOT NULL
         AND clarification_requested_at >= {s}_start_at AND {s}_unit <> 'hours', FALSE) AS {s}_clarified,
CASE WHEN {s}_clarified
     THEN greatest(date_diff('day', rq_local_day(clarification_requested_at, tz),
                             least(rq_local_day(coalesce(clarification_received_at, done_at), tz), $as_of::DATE)), 0)
     ELSE 0 END::INTEGER AS {s}_clar_days,
{s}_id_paused OR {s}_clar_days > 0 AS {s}_paused,
(CASE WHEN {s}_id_paused
     THEN greatest(date_diff('day', rq_local_day(id_requested_at, tz),
                             least(rq_local_day(coalesce(id_verified_at, done_at), tz), $as_of::DATE)), 0)
     ELSE 0 END + {s}_clar_days)::INTEGER AS {s}_pause_days,
CASE WHEN {s}_id_paused
     THEN greatest(least(coalesce(id_verified_at, done_at), as_of_end)
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
 AND {s}_r1.day = CASE WHEN s.{s}_unit = 'hours' THEN rq_local_day(s.{s}_orig_at, s.tz)
                       WHEN s.{s}_pause_days > 0 THEN {s}_lk.orig_raw + s.{s}_pause_days END
LEFT JOIN calendar_days AS {s}_r2
  ON s.{s}_roll AND s.extension_notified_at IS NOT NULL AND {s}_r2.calendar = s.{s}_cal
 AND {s}_r2.day = CASE WHEN s.{s}_unit = 'hours' THEN rq_local_day(s.{s}_ext_at, s.tz)
                       WHEN s.{s}_pause_days > 0 THEN {s}_lk.ext_raw + s.{s}_pause_days END

-- [slot_due] the slot's original and extended deadlines (a date, and the instant before
-- which the response is in time: the end of the due day in the request's zone), and
-- whether the extension counts
CASE WHEN s.{s}_unit = 'hours'
          THEN CASE WHEN s.{s}_roll AND NOT {s}_r1.is_working THEN {s}_r1.next_working_day ELSE rq_local_day(s.{s}_orig_at, s.tz) END
     WHEN s.{s}_pause_days > 0
          THEN CASE WHEN s.{s}_roll THEN {s}_r1.next_working_day ELSE {s}_lk.orig_raw + s.{s}_pause_days END
     ELSE {s}_lk.orig_rolled END AS {s}_orig_due_date,
-- (the end of a precomputed date is precomputed too: request_due_lookup)
CASE WHEN s.{s}_unit = 'hours' AND (s.{s}_roll AND NOT {s}_r1.is_working) IS NOT TRUE THEN s.{s}_orig_at
     WHEN s.{s}_unit <> 'hours' AND s.{s}_pause_days = 0 THEN {s}_lk.orig_rolled_by
     ELSE rq_local_midnight({s}_orig_due_date + 1, s.tz) END AS {s}_orig_due_by,
-- The legal maximum with the extension.
CASE WHEN s.{s}_unit = 'hours'
          THEN CASE WHEN s.{s}_roll AND NOT {s}_r2.is_working THEN {s}_r2.next_working_day ELSE rq_local_day(s.{s}_ext_at, s.tz) END
     WHEN s.{s}_pause_days > 0
          THEN CASE WHEN s.{s}_roll THEN {s}_r2.next_working_day ELSE {s}_lk.ext_raw + s.{s}_pause_days END
     ELSE {s}_lk.ext_rolled END AS {s}_ext_max_due_date,
-- (read only with an extension notice: {s}_extended and {s}_told need one)
CASE WHEN s.extension_notified_at IS NULL THEN NULL
     WHEN s.{s}_unit = 'hours' AND (s.{s}_roll AND NOT {s}_r2.is_working) IS NOT TRUE THEN s.{s}_ext_at
     WHEN s.{s}_unit <> 'hours' AND s.{s}_pause_days = 0 THEN {s}_lk.ext_rolled_by
     ELSE rq_local_midnight({s}_ext_max_due_date + 1, s.tz) END AS {s}_ext_max_due_by,
-- A told extension (extension_told_until: the date the requester was told): that day,
-- capped at the legal maximum, and never before the original deadline (an earlier date
-- told does not shorten what the law gives). No date told: the legal maximum.
s.extension_told_until IS NOT NULL AND {s}_ext_max_due_date IS NOT NULL AS {s}_told,
CASE WHEN {s}_told
     THEN greatest({s}_orig_due_date, least(rq_local_day(s.extension_told_until, s.tz), {s}_ext_max_due_date))
     ELSE {s}_ext_max_due_date END AS {s}_ext_due_date,
CASE WHEN {s}_told
     THEN greatest({s}_orig_due_by, least(rq_local_midnight(rq_local_day(s.extension_told_until, s.tz) + 1, s.tz),
                                          {s}_ext_max_due_by))
     ELSE {s}_ext_max_due_by END AS {s}_ext_due_by,
coalesce({s}_told AND rq_local_day(s.extension_told_until, s.tz) > {s}_ext_max_due_date, FALSE) AS {s}_told_beyond_max,
-- An extension counts when the rule allows one and, where notice is needed, the notice
-- came before the end of the original deadline; a later notice counts for nothing.
coalesce(s.{s}_ext_amount IS NOT NULL AND s.extension_notified_at IS NOT NULL
         AND (NOT s.{s}_needs_notice OR s.extension_notified_at < {s}_orig_due_by), FALSE) AS {s}_extended,
CASE WHEN {s}_extended THEN {s}_ext_due_date ELSE {s}_orig_due_date END AS {s}_due_date,
CASE WHEN {s}_extended THEN {s}_ext_due_by ELSE {s}_orig_due_by END AS {s}_due_by,

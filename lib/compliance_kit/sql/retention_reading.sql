-- The per-reading part of retention_status.sql: `{s}` is the reading's slot (strictest,
-- table or text: the readings of analysis/retention.py READINGS, by their slot name) and each
-- section below is pasted into the matching placeholder of retention_status.sql once per slot
-- by compliance_kit.sql_compose (its `-- slots:` line), so the three readings are evaluated
-- in the same pass over the records.
--
-- Per trigger: a line holding `{t}` is written once per trigger some erase_within rule of
-- the policy uses (retention_status.sql's `triggers`, in the order of the vocabulary: the
-- order breaks ties below); `{m}` once per trigger some rule counts in calendar months
-- (`month_triggers`), `{d}` once per other trigger (`day_triggers`: days and hours only).
-- A trigger no rule uses has no deadline in any reading (no plan row has a rule for it), so
-- leaving it out changes no verdict and spares its plan columns, its deadline and its CASE
-- branches on every record.

-- [plan_columns] per (code, category): the reading's shortest erase_within rule per trigger
-- (its number: retention_rule_numbers.sql) and its delay
max(en.rule_no) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = '{t}') AS {s}_rule_no_{t},
max(e.delay_us) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = '{t}') AS {s}_us_{t},
max(e.delay_months) FILTER (WHERE e.slot = '{s}' AND e.trigger_event = '{m}') AS {s}_months_{m},

-- [plan_select] the plan's columns of the reading, carried onto each record
p.{s}_rule_no_{t},

-- [deadlines] one deadline per trigger (NULL: no rule, or the trigger has not happened);
-- calendar months on UTC wall time only for the triggers some rule counts in months
CASE WHEN p.{s}_months_{m} > 0 THEN epoch_us(make_timestamp(c.t_{m}) + p.{s}_months_{m} * INTERVAL '1 month') + p.{s}_us_{m} ELSE c.t_{m} + p.{s}_us_{m} END AS {s}_d_{m},
c.t_{d} + p.{s}_us_{d} AS {s}_d_{d},

-- [earliest] the earliest of the reading's deadlines (least skips NULLs; the last argument
-- only closes the list)
least(
    {s}_d_{t},
    CAST(NULL AS BIGINT)) AS {s}_deadline_us

-- [winner] the trigger whose deadline is the earliest (ties: the order of the triggers)
CASE {s}_deadline_us
    WHEN {s}_d_{t} THEN '{t}'
END AS {s}_trigger_event

-- [verdict] the reading's rule (its number), clock and status: those of the winner's
-- trigger, found the way the winner is (the first trigger whose deadline is the earliest), on
-- integers rather than on the winner's name, which only the per-record outputs read
CASE {s}_deadline_us
    WHEN {s}_d_{t} THEN {s}_rule_no_{t}
END AS {s}_rule_no,
CASE {s}_deadline_us
    WHEN {s}_d_{t} THEN t_{t}
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

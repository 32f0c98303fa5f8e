-- RoPA (Art. 30(1)(f)): the time limits for erasure, one row per retention rule, with the
-- quote it is read from.
SELECT r.rule_id, r.rule_set, r.kind, coalesce(r.category_id, '(every category)') AS category,
       r.jurisdiction, r.recipient, r.trigger_event, r.max_delay, r.earliest_of,
       r.legal_hold_exempt, r.notes, r.source_section, r.source_quote
FROM retention_rules AS r
ORDER BY CASE r.rule_set WHEN 'retention_table' THEN 1 WHEN 'retention_text' THEN 2
                         WHEN 'addendum' THEN 3 ELSE 4 END, r.rule_id

-- Every deadline rule's jurisdiction, type, period, basis and confidence, keyed like the
-- deciding_rule_id of request_status (for the performance table per rule).
SELECT rule_id AS deciding_rule_id, jurisdiction AS rule_jurisdiction, request_type,
       unit, amount, basis, confidence
FROM request_deadline_rules
ORDER BY rule_id

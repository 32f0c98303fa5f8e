-- The rules that decided deadlines, with their basis and confidence; low-confidence
-- statutory defaults (confidence 'low ...') and rows the encoding marks for review
-- (legal_review) are flagged for legal review.
SELECT s.deciding_rule_id AS rule_id, d.jurisdiction, d.request_type, d.deadline_kind,
       d.unit, d.amount, d.extension_amount, d.basis, d.confidence, d.citation,
       d.valid_from, d.identity_mode,
       d.confidence LIKE 'low%' OR coalesce(d.legal_review, FALSE) AS low_confidence,
       count(*) AS requests
FROM request_status AS s
JOIN request_deadline_rules AS d ON d.rule_id = s.deciding_rule_id
GROUP BY ALL
ORDER BY low_confidence DESC, requests DESC, rule_id

-- The rules that decided deadlines, with their basis and confidence; low-confidence
-- statutory defaults (confidence 'low ...') and rows the encoding marks for review
-- (legal_review) are flagged for legal review.
-- Counted per rule first, then joined to the rules (a few rows, not one per request).
WITH used AS (
    SELECT deciding_rule_id, count(*) AS requests
    FROM request_status
    WHERE deciding_rule_id IS NOT NULL
    GROUP BY deciding_rule_id
)
SELECT u.deciding_rule_id AS rule_id, d.jurisdiction, d.request_type, d.deadline_kind,
       d.unit, d.amount, d.extension_amount, d.basis, d.confidence, d.citation,
       d.valid_from, d.identity_mode,
       d.confidence LIKE 'low%' OR coalesce(d.legal_review, FALSE) AS low_confidence,
       u.requests
FROM used AS u
JOIN request_deadline_rules AS d ON d.rule_id = u.deciding_rule_id
ORDER BY low_confidence DESC, requests DESC, rule_id

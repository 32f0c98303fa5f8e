-- One row per jurisdiction the policy or statute speaks about: the rules that apply
-- to a data subject there, each resolved through the hierarchy (the most specific
-- jurisdiction that states the fact wins), with where each came from.
WITH subjects AS (
    SELECT jurisdiction AS code FROM jurisdiction_rules
    UNION
    SELECT jurisdiction FROM request_deadline_rules
),
facts AS (
    SELECT s.code, l.depth, r.*
    FROM subjects AS s
    JOIN jurisdiction_lineage AS l ON l.code = s.code
    JOIN jurisdiction_rules AS r ON r.jurisdiction = l.ancestor
),
age AS (
    SELECT code, minimum_age, jurisdiction AS age_from,
           row_number() OVER (PARTITION BY code ORDER BY depth) AS rn
    FROM facts WHERE minimum_age IS NOT NULL
),
consent AS (
    SELECT code, transfer_consent_required, transfer_mechanism, jurisdiction AS transfer_from,
           row_number() OVER (PARTITION BY code ORDER BY depth) AS rn
    FROM facts WHERE transfer_consent_required IS NOT NULL OR transfer_mechanism IS NOT NULL
),
deadline AS (
    SELECT s.code, d.*, l.depth,
           row_number() OVER (
               PARTITION BY s.code
               -- the precedence the request engine applies (requests_rules.sql), so the
               -- matrix shows the rule an access request is measured against
               ORDER BY l.depth, (d.request_type = '*'),
                        (d.unit IN ('without_delay', 'none')),
                        (d.basis <> 'policy'), d.valid_from DESC, d.rule_id
           ) AS rn
    FROM subjects AS s
    JOIN jurisdiction_lineage AS l ON l.code = s.code
    JOIN request_deadline_rules AS d ON d.jurisdiction = l.ancestor
    WHERE d.deadline_kind = 'response' AND d.request_type IN ('access', '*')
)
SELECT
    s.code AS jurisdiction,
    j.name,
    age.minimum_age,
    age.age_from,
    CASE
        WHEN deadline.unit IN ('without_delay', 'none') THEN replace(deadline.unit, '_', ' ')
        -- '1 calendar month', '45 calendar days': singular when the amount is one
        WHEN deadline.amount = 1 THEN '1 ' || rtrim(replace(deadline.unit, '_', ' '), 's')
        ELSE deadline.amount || ' ' || replace(deadline.unit, '_', ' ')
    END AS access_deadline,
    CASE
        WHEN deadline.extension_amount = 1 THEN '+1 ' || rtrim(replace(deadline.extension_unit, '_', ' '), 's')
        WHEN deadline.extension_amount IS NOT NULL
        THEN '+' || deadline.extension_amount || ' ' || replace(deadline.extension_unit, '_', ' ')
    END AS extension,
    deadline.jurisdiction AS deadline_from,
    deadline.basis AS deadline_basis,
    deadline.confidence AS deadline_confidence,
    deadline.citation AS deadline_citation,
    consent.transfer_consent_required,
    consent.transfer_mechanism,
    consent.transfer_from
FROM subjects AS s
JOIN jurisdictions AS j ON j.code = s.code
LEFT JOIN age ON age.code = s.code AND age.rn = 1
LEFT JOIN deadline ON deadline.code = s.code AND deadline.rn = 1
LEFT JOIN consent ON consent.code = s.code AND consent.rn = 1
ORDER BY s.code;

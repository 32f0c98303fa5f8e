-- Classify observed transfers against the declared flows, ONE class each, the first
-- that applies:
--   undeclared_recipient   no declared flow for the source jurisdiction (or any of
--                          its ancestors: FR is covered by an EEA flow, everyone by
--                          GLOBAL) names this recipient or '*'
--   undeclared_destination the recipient is declared for the source, but not to this
--                          destination country ('*' matches any)
--   undeclared_category    recipient + destination declared, but the category is not
--                          in declared_transfer_categories of any such flow
--   missing_mechanism      the source's rule (jurisdiction_rules, most specific through
--                          the lineage: transfer_mechanism, else 'consent' when
--                          transfer_consent_required) or the flow's mechanism needs a
--                          mechanism and transfers.mechanism is NULL or another one
--   unencrypted            the flow says encrypted_required and encrypted = false
--   declared               otherwise
-- A transfer conforms to a declaration if ANY fully matching flow is satisfied: each
-- candidate flow gets the stage it reaches (0 = wrong recipient .. 5 = declared) and
-- the transfer takes its best candidate's stage; ties go to the most specific flow
-- (smallest lineage depth, then a named recipient over '*', a named country over '*').
--
-- Input: the relation `transfer_keys` (source_jurisdiction, recipient,
-- destination_country, category, mechanism, encrypted), the distinct combinations of
-- the transfers in scope: classification depends on nothing else, so it runs over a
-- few thousand keys however many transfers there are. Composed by
-- compliance_kit.analysis.flows as the CTE `classified_keys`.
-- with: transfer_keys = flows_transfer_keys.sql
WITH src AS (
    SELECT DISTINCT source_jurisdiction AS code FROM transfer_keys
),
known AS (
    SELECT DISTINCT code FROM jurisdiction_lineage
),
-- Each source's ancestors, itself at depth 0. A code the hierarchy does not know
-- still has itself and GLOBAL.
src_lineage AS (
    SELECT s.code, l.ancestor, l.depth
    FROM src AS s JOIN jurisdiction_lineage AS l ON l.code = s.code
    UNION ALL
    SELECT s.code, s.code AS ancestor, 0 AS depth
    FROM src AS s WHERE s.code NOT IN (SELECT code FROM known)
    UNION ALL
    SELECT s.code, 'GLOBAL' AS ancestor, 1000 AS depth
    FROM src AS s WHERE s.code NOT IN (SELECT code FROM known) AND s.code <> 'GLOBAL'
),
-- The most specific jurisdiction rule that says anything about transfers.
source_rule AS (
    SELECT code, rule_jurisdiction, required_mechanism, rule_section, rule_quote
    FROM (
        SELECT sl.code,
               r.jurisdiction AS rule_jurisdiction,
               coalesce(r.transfer_mechanism,
                        CASE WHEN r.transfer_consent_required THEN 'consent' END) AS required_mechanism,
               r.source_section AS rule_section,
               r.source_quote AS rule_quote,
               row_number() OVER (PARTITION BY sl.code ORDER BY sl.depth, r.jurisdiction) AS rn
        FROM src_lineage AS sl
        JOIN jurisdiction_rules AS r ON r.jurisdiction = sl.ancestor
        WHERE r.transfer_consent_required IS NOT NULL OR r.transfer_mechanism IS NOT NULL
    ) AS ranked
    WHERE rn = 1
),
keyed AS (
    SELECT k.*, sr.rule_jurisdiction, sr.required_mechanism, sr.rule_section, sr.rule_quote,
           coalesce(sr.required_mechanism IS NULL OR k.mechanism = sr.required_mechanism, false)
               AS rule_mechanism_ok
    FROM transfer_keys AS k
    LEFT JOIN source_rule AS sr ON sr.code = k.source_jurisdiction
),
-- Every declared flow whose source scope is the source or one of its ancestors.
candidates AS (
    SELECT
        k.source_jurisdiction, k.recipient, k.destination_country, k.category,
        k.mechanism, k.encrypted,
        f.flow_id, f.recipient AS flow_recipient, f.destination_country AS flow_destination,
        f.mechanism AS flow_mechanism, f.encrypted_required, f.method,
        f.source_section AS flow_section, f.source_quote AS flow_quote,
        sl.depth,
        k.rule_mechanism_ok,
        coalesce(f.mechanism IS NULL OR k.mechanism = f.mechanism, false) AS flow_mechanism_ok,
        CASE
            WHEN f.recipient <> k.recipient AND f.recipient <> '*' THEN 0
            WHEN f.destination_country <> k.destination_country AND f.destination_country <> '*' THEN 1
            WHEN c.category_id IS NULL THEN 2
            WHEN NOT k.rule_mechanism_ok
                 OR NOT coalesce(f.mechanism IS NULL OR k.mechanism = f.mechanism, false) THEN 3
            WHEN f.encrypted_required AND NOT k.encrypted THEN 4
            ELSE 5
        END AS stage
    FROM keyed AS k
    JOIN src_lineage AS sl ON sl.code = k.source_jurisdiction
    JOIN declared_transfers AS f ON f.source_scope = sl.ancestor
    LEFT JOIN declared_transfer_categories AS c
           ON c.flow_id = f.flow_id AND c.category_id = k.category
),
best AS (
    SELECT *
    FROM (
        SELECT cand.*,
               row_number() OVER (
                   PARTITION BY source_jurisdiction, recipient, destination_country, category,
                                mechanism, encrypted
                   ORDER BY stage DESC, depth,
                            CASE WHEN flow_recipient = '*' THEN 1 ELSE 0 END,
                            CASE WHEN flow_destination = '*' THEN 1 ELSE 0 END,
                            flow_id
               ) AS rn
        FROM candidates AS cand
    ) AS ranked
    WHERE rn = 1
),
-- For the rule text: where the recipient is declared to go, and which categories a
-- recipient + destination pair is declared for.
declared_destinations AS (
    SELECT source_jurisdiction, recipient, destination_country, category, mechanism, encrypted,
           string_agg(DISTINCT flow_destination, ', ' ORDER BY flow_destination) AS destinations
    FROM candidates
    WHERE stage >= 1
    GROUP BY source_jurisdiction, recipient, destination_country, category, mechanism, encrypted
),
declared_categories AS (
    SELECT cand.source_jurisdiction, cand.recipient, cand.destination_country, cand.category,
           cand.mechanism, cand.encrypted,
           string_agg(DISTINCT dc.category_id, ', ' ORDER BY dc.category_id) AS categories
    FROM candidates AS cand
    JOIN declared_transfer_categories AS dc ON dc.flow_id = cand.flow_id
    WHERE cand.stage >= 2
    GROUP BY ALL
)
SELECT
    k.source_jurisdiction, k.recipient, k.destination_country, k.category, k.mechanism, k.encrypted,
    CASE coalesce(b.stage, 0)
        WHEN 0 THEN 'undeclared_recipient'
        WHEN 1 THEN 'undeclared_destination'
        WHEN 2 THEN 'undeclared_category'
        WHEN 3 THEN 'missing_mechanism'
        WHEN 4 THEN 'unencrypted'
        ELSE 'declared'
    END AS classification,
    CASE WHEN b.stage >= 3 THEN b.flow_id END AS flow_id,
    CASE WHEN b.stage IN (1, 2) THEN b.flow_id END AS nearest_flow_id,
    k.rule_jurisdiction,
    k.required_mechanism,
    CASE coalesce(b.stage, 0)
        WHEN 0 THEN 'no declared transfer from ' || k.source_jurisdiction
                    || ' (or a bloc containing it) names recipient ' || k.recipient
        WHEN 1 THEN k.recipient || ' is declared from ' || k.source_jurisdiction || ' only to '
                    || coalesce(dd.destinations, '?') || ', not to ' || k.destination_country
        WHEN 2 THEN 'category ' || k.category || ' is not declared for ' || k.recipient || ' in '
                    || k.destination_country || ' (declared: ' || coalesce(dcat.categories, 'none') || ')'
        WHEN 3 THEN CASE
            WHEN NOT k.rule_mechanism_ok
                THEN 'transfers from ' || k.source_jurisdiction || ' need ' || k.required_mechanism
                     || ' (rule of ' || k.rule_jurisdiction || '); recorded: '
                     || coalesce(k.mechanism, 'none')
            ELSE 'flow ' || b.flow_id || ' rests on ' || b.flow_mechanism || '; recorded: '
                 || coalesce(k.mechanism, 'none')
            END
        WHEN 4 THEN 'flow ' || b.flow_id || ' declares "' || coalesce(b.method, 'encrypted transmission')
                    || '"; the transfer was not encrypted'
    END AS rule_broken,
    CASE
        WHEN b.stage = 3 AND NOT k.rule_mechanism_ok THEN k.rule_section
        WHEN b.stage BETWEEN 1 AND 4 THEN b.flow_section
    END AS rule_section,
    CASE
        WHEN b.stage = 3 AND NOT k.rule_mechanism_ok THEN k.rule_quote
        WHEN b.stage BETWEEN 1 AND 4 THEN b.flow_quote
    END AS rule_quote
FROM keyed AS k
LEFT JOIN best AS b
       ON b.source_jurisdiction = k.source_jurisdiction AND b.recipient = k.recipient
      AND b.destination_country = k.destination_country AND b.category = k.category
      AND b.mechanism IS NOT DISTINCT FROM k.mechanism AND b.encrypted = k.encrypted
LEFT JOIN declared_destinations AS dd
       ON dd.source_jurisdiction = k.source_jurisdiction AND dd.recipient = k.recipient
      AND dd.destination_country = k.destination_country AND dd.category = k.category
      AND dd.mechanism IS NOT DISTINCT FROM k.mechanism AND dd.encrypted = k.encrypted
LEFT JOIN declared_categories AS dcat
       ON dcat.source_jurisdiction = k.source_jurisdiction AND dcat.recipient = k.recipient
      AND dcat.destination_country = k.destination_country AND dcat.category = k.category
      AND dcat.mechanism IS NOT DISTINCT FROM k.mechanism AND dcat.encrypted = k.encrypted

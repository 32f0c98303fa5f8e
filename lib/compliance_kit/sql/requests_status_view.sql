-- The per-request view every metric reads: request_status_base (requests_status.sql) plus
-- columns derived on demand (a view is inlined, so a query that does not use them does not
-- compute them, and the stored table stays narrow).
CREATE OR REPLACE TEMP VIEW request_status AS
SELECT b.*,
       CASE WHEN b.decided_by_policy_wide THEN b.policy_wide_rule_id
            ELSE b.most_specific_rule_id END AS deciding_rule_id,
       concat_ws(',', b.most_specific_rule_id, b.policy_wide_rule_id) AS rules_applied,
       b.extension_notified_at IS NOT NULL AS extension_claimed,
       date_trunc('month', b.received_date)::DATE AS month,
       date_trunc('week', b.received_date)::DATE AS week
FROM request_status_base AS b;

-- region: a jurisdiction's widest bloc or country below GLOBAL (FR -> EEA, US-CA -> US),
-- for tables and charts that would otherwise split into dozens of small cells. A separate
-- view, so that only the queries grouping by region pay for the join.
CREATE OR REPLACE TEMP TABLE request_regions AS
SELECT code, arg_max(ancestor, depth) AS region
FROM jurisdiction_lineage
WHERE ancestor <> 'GLOBAL'
GROUP BY code;

CREATE OR REPLACE TEMP VIEW request_status_regions AS
SELECT s.*, coalesce(g.region, s.jurisdiction) AS region
FROM request_status AS s
LEFT JOIN request_regions AS g ON g.code = s.jurisdiction;

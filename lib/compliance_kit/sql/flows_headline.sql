-- The headline figures (metrics.json `flows.*`). Shares are NULL when nothing is in
-- scope. undeclared_* counts the three undeclared classes; nonconforming_* counts
-- declared flows used without their mechanism or encryption. undeclared_flows counts
-- distinct source x recipient x destination combinations with an undeclared transfer.
-- Reads `flow_summary`.
SELECT
    CAST(coalesce(sum(transfers), 0) AS BIGINT) AS transfers,
    CAST(coalesce(sum(records), 0) AS BIGINT) AS records,
    CAST(coalesce(sum(bytes), 0) AS BIGINT) AS bytes,
    coalesce(sum(records) FILTER (WHERE classification = 'declared'), 0)
        / nullif(sum(records), 0) AS share_declared_records,
    coalesce(sum(bytes) FILTER (WHERE classification = 'declared'), 0)
        / nullif(sum(bytes), 0) AS share_declared_bytes,
    CAST(coalesce(sum(transfers) FILTER (WHERE classification LIKE 'undeclared%'), 0) AS BIGINT)
        AS undeclared_transfers,
    CAST(coalesce(sum(transfers) FILTER (WHERE classification IN ('missing_mechanism', 'unencrypted')), 0) AS BIGINT)
        AS nonconforming_transfers,
    count(DISTINCT source_jurisdiction || '>' || recipient || '>' || destination_country)
        FILTER (WHERE classification LIKE 'undeclared%') AS undeclared_flows
FROM flow_summary

-- Each declared flow and the observed transfers that matched it (class declared,
-- missing_mechanism or unencrypted): a declared flow nobody uses may be a stale
-- declaration; one used mostly without its safeguard is a control gap.
-- Reads `flow_summary` and `declared_transfers`.
SELECT
    d.flow_id, d.source_scope, d.recipient, d.destination_country, d.mechanism,
    d.encrypted_required,
    CAST(coalesce(sum(s.transfers), 0) AS BIGINT) AS transfers,
    CAST(coalesce(sum(s.records), 0) AS BIGINT) AS records,
    CAST(coalesce(sum(s.transfers) FILTER (WHERE s.classification = 'declared'), 0) AS BIGINT) AS conforming_transfers,
    CAST(coalesce(sum(s.transfers) FILTER (WHERE s.classification <> 'declared'), 0) AS BIGINT) AS nonconforming_transfers,
    min(s.month) AS first_month,
    max(s.month) AS last_month
FROM declared_transfers AS d
LEFT JOIN flow_summary AS s ON s.flow_id = d.flow_id
GROUP BY d.flow_id, d.source_scope, d.recipient, d.destination_country, d.mechanism, d.encrypted_required
ORDER BY d.source_scope, d.recipient, d.destination_country, d.flow_id

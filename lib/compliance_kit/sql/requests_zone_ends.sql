-- Request turnaround (docs/metrics-requests.md, "How it runs"): per jurisdiction of
-- request_zones, the end of the as-of day in its zone (one local midnight per zone, not one
-- per request) and whether a rule of the jurisdiction counts hours (request_rules: its
-- requests are never plain, as an hour deadline is an instant after the receipt, not a
-- date: requests_in_scope.sql).
-- Parameter: $as_of_end TIMESTAMPTZ (compliance_kit.contract.AsOf.end).
-- macros: requests_macros.sql
SELECT z.jurisdiction, z.time_zone, z.zone_no,
       rq_local_midnight(rq_day($as_of_end), z.time_zone) AS as_of_end,
       coalesce(h.counts_hours, FALSE) AS counts_hours
FROM request_zones AS z
LEFT JOIN (
    SELECT jurisdiction,
           bool_or(coalesce(p_unit = 'hours', FALSE) OR coalesce(w_unit = 'hours', FALSE)
                   OR coalesce(t_unit = 'hours', FALSE) OR coalesce(a_unit = 'hours', FALSE)) AS counts_hours
    FROM request_rules
    GROUP BY jurisdiction
) AS h ON h.jurisdiction = z.jurisdiction

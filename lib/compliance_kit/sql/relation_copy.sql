-- A whole relation, to copy it from the store to another engine: the policy tables the
-- Spark engine ships to its session (engines/spark.py), and the request lookups built
-- in DuckDB for the pass over the requests on Spark (analysis/requests.py).
-- fill: relation one of retention_rules, jurisdiction_lineage, data_categories, jurisdictions, declared_transfers, declared_transfer_categories, jurisdiction_rules, request_deadline_rules, request_epochs, request_rules, request_due_lookup, calendar_days, request_zones, request_zone_days
SELECT * FROM {relation}

-- The distinct classification keys of a relation of transfers (`scoped` or the
-- monthly aggregate `monthly`): the input of flows_classify_keys.sql.
-- fill: relation one of scoped, monthly
SELECT DISTINCT source_jurisdiction, recipient, destination_country, category, mechanism, encrypted
FROM {relation}

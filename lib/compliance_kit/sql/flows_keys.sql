-- One row per classification key with its class, matched flow and the rule it breaks
-- (the table classified_keys, flows_classify_keys.sql over `monthly`), in a fixed order.
SELECT * FROM classified_keys ORDER BY ALL

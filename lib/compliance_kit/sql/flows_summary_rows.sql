-- The classified monthly aggregate (the table flow_summary, flows_summary.sql), in a
-- fixed order: for analysts slicing their own way (analysis/flows.py summary).
SELECT * FROM flow_summary ORDER BY ALL

-- The data categories of the policy by number (category_no, 1 = the first id in order).
-- The pass over every record (retention_status.sql) carries a record's category as this
-- number, cheaper than its text to join on, carry and group by; the cube
-- (retention_cube.sql) names its rows through this same list. A record whose category the
-- policy does not list has no number (it carries its text instead).
SELECT category_id AS category, CAST(row_number() OVER (ORDER BY category_id) AS INTEGER) AS category_no
FROM (SELECT DISTINCT category_id FROM data_categories) AS d

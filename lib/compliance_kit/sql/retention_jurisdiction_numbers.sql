-- The jurisdictions of the hierarchy by number (code_no, 1 = the first code in order).
-- The pass over every record (retention_status.sql) carries a record's jurisdiction as this
-- number, cheaper than its text to join on, carry and group by; the cube
-- (retention_cube.sql) names its rows through this same list. A record whose jurisdiction
-- is not in the hierarchy has no number (it carries its text instead).
SELECT code, CAST(row_number() OVER (ORDER BY code) AS INTEGER) AS code_no
FROM (SELECT DISTINCT code FROM jurisdiction_lineage) AS d

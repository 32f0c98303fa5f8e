-- The systems a report parameter may name: those the data inventory holds records in
-- (compliance_kit.contract.StoreLookup).
SELECT DISTINCT system FROM records WHERE system IS NOT NULL ORDER BY system

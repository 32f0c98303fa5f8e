-- The request types a report parameter may name (compliance_kit.contract.StoreLookup).
SELECT request_type FROM request_types ORDER BY request_type

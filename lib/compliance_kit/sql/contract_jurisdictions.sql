-- The jurisdiction codes a report parameter may name (compliance_kit.contract.StoreLookup):
-- the policy's codes (countries, subdivisions, blocs such as EEA, and GLOBAL) and every code
-- the operational data uses. The policy's spelling comes first: codes are matched
-- case-insensitively and mapped to the first spelling seen.
SELECT code FROM (
    SELECT code, 0 AS preference FROM jurisdictions
    UNION ALL SELECT jurisdiction, 1 FROM accounts
    UNION ALL SELECT jurisdiction, 1 FROM records
    UNION ALL SELECT jurisdiction, 1 FROM requests
    UNION ALL SELECT source_jurisdiction, 1 FROM transfers
) AS c
WHERE code IS NOT NULL
GROUP BY code
ORDER BY min(preference), code

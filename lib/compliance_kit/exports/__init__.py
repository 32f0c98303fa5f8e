"""Documents the kit hands over in other shapes (docs/exports.md):

- `ropa`: the GDPR Art. 30(1) record of processing from the policy store, every cell with
  its source quote, and a sheet of the practice observed in the operational data;
- `fides`: a fideslang manifest (systems, privacy declarations) and back to a policy-spec
  skeleton, through the mapping tables in data/fides/mapping.yaml;
- `ccpa_7102`: the CCPA 11 CCR 7102 annual request metrics (HTML fragment + CSV).

Exports read the store and the analyses' own functions; they compute no metric of their own.
"""

-- Deadline rules the per-request pass cannot compute: an extension stated in another unit
-- than the rule's, or a fixed unit without an amount (analysis/requests.py refuses them
-- with PolicySpecError before any request is read).
SELECT rule_id, unit, extension_unit FROM request_deadline_rules
WHERE (extension_amount IS NOT NULL AND extension_unit IS DISTINCT FROM unit)
   OR (unit IN ('calendar_months', 'calendar_days', 'business_days', 'hours') AND amount IS NULL)
ORDER BY rule_id

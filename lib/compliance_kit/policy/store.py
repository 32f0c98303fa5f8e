"""Write a validated policy spec into the store's policy tables (policy_schema.sql).

Values are always bound parameters (executemany); only our own table names are
formatted into the SQL. Provenance is checked first: a spec whose quotes cannot be
found on the page never reaches the store.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..files import sha256_file
from .provenance import check_provenance
from .spec import PolicySpec, lineage

# column order of each table, as in policy_schema.sql
COLUMNS = {
    "policy_versions": ["policy_id", "org", "title", "version", "effective_date", "source_file",
                        "source_sha256", "spec_file", "spec_sha256"],
    "policy_parts": ["part_id", "title", "last_updated", "source_section", "source_quote"],
    "jurisdictions": ["code", "name", "kind"],
    "jurisdiction_lineage": ["code", "ancestor", "depth"],
    "data_controllers": ["scope", "entity", "address", "holiday_calendar", "source_section", "source_quote"],
    "data_categories": ["category_id", "name", "information", "source_section", "source_quote"],
    "processing_purposes": ["purpose_id", "category_id", "information", "mandatory", "purposes",
                            "legal_basis", "source_section", "source_quote"],
    "retention_triggers": ["trigger_event", "description", "clock_source"],
    "retention_rules": ["rule_id", "rule_set", "kind", "category_id", "jurisdiction", "recipient",
                        "trigger_event", "max_delay", "delay_months", "delay_days", "delay_hours",
                        "earliest_of", "legal_hold_exempt", "exception", "notes", "source_section",
                        "source_quote"],
    "request_types": ["request_type", "description"],
    "jurisdiction_rules": ["jurisdiction", "minimum_age", "minor_rule", "transfer_consent_required",
                           "transfer_mechanism", "extra_retention", "notes", "basis", "confidence",
                           "source_section", "source_quote"],
    "jurisdiction_rights": ["jurisdiction", "request_type", "source_section", "source_quote"],
    "request_deadline_rules": ["rule_id", "jurisdiction", "request_type", "deadline_kind", "unit", "amount",
                               "extension_unit", "extension_amount", "extension_needs_notice",
                               "clock_start", "pause_for_identity", "roll_forward", "holiday_calendar",
                               "basis", "citation", "confidence", "valid_from", "notes",
                               "source_section", "source_quote", "identity_mode",
                               "identity_citation", "pause_for_clarification", "legal_review"],
    "processors": ["processor_id", "name", "tasks", "jurisdiction", "source_section", "source_quote"],
    "declared_transfers": ["flow_id", "source_scope", "recipient", "recipient_name", "destination_country",
                           "method", "encrypted_required", "mechanism", "purpose", "data_types",
                           "recipient_retention", "source_section", "source_quote"],
    "declared_transfer_categories": ["flow_id", "category_id"],
    "modules": ["module_no", "name", "last_updated"],
}




def _src(source) -> tuple:
    return (None, None) if source is None else (source.section, source.quote)


def policy_rows(spec: PolicySpec, spec_path: str | Path) -> dict[str, list[tuple]]:
    """Every table's rows as tuples in COLUMNS order (no database needed)."""
    spec_path = Path(spec_path)
    source_path = spec.source_path
    p = spec.policy
    rows: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
    rows["policy_versions"].append((
        p.id, p.org, p.title, p.version, p.effective_date, str(source_path.as_posix()),
        sha256_file(source_path), str(spec_path.as_posix()), sha256_file(spec_path),
    ))
    rows["policy_parts"] = [(x.id, x.title, x.last_updated, *_src(x.source)) for x in spec.parts]
    rows["jurisdictions"] = [(j.code, j.name, j.kind) for j in spec.jurisdictions]
    rows["jurisdiction_lineage"] = sorted(lineage(spec))
    rows["data_controllers"] = [
        (c.scope, c.entity, c.address, c.holiday_calendar, *_src(c.source)) for c in spec.controllers
    ]
    rows["data_categories"] = [(c.id, c.name, c.information, *_src(c.source)) for c in spec.categories]
    rows["processing_purposes"] = [
        (x.id, x.category, x.information, x.mandatory, x.purposes, x.legal_basis, *_src(x.source))
        for x in spec.purposes
    ]
    rows["retention_triggers"] = [(t.id, t.description, t.clock_source) for t in spec.triggers]
    rows["retention_rules"] = [
        (r.id, r.rule_set, r.kind, r.category, r.jurisdiction, r.recipient, r.trigger, r.max_delay,
         *r.delay_parts, r.earliest_of, r.legal_hold_exempt, r.exception, r.notes, *_src(r.source))
        for r in spec.retention_rules
    ]
    rows["request_types"] = [(t.id, t.description) for t in spec.request_types]
    rows["jurisdiction_rules"] = [
        (r.jurisdiction, r.minimum_age, r.minor_rule, r.transfer_consent_required, r.transfer_mechanism,
         r.extra_retention, r.notes, r.basis, r.confidence, *_src(r.source))
        for r in spec.jurisdiction_rules
    ]
    rows["jurisdiction_rights"] = [
        (r.jurisdiction, t, *_src(r.source)) for r in spec.rights for t in r.request_types
    ]
    rows["request_deadline_rules"] = [
        (d.id, d.jurisdiction, d.request_type, d.deadline_kind, d.unit, d.amount, d.extension_unit,
         d.extension_amount, d.extension_needs_notice, d.clock_start, d.pause_for_identity,
         d.roll_forward, d.holiday_calendar, d.basis, d.citation, d.confidence, d.valid_from, d.notes,
         *_src(d.source), d.identity_mode, d.identity_citation, d.pause_for_clarification,
         d.legal_review)
        for d in spec.request_deadlines
    ]
    rows["processors"] = [(x.id, x.name, x.tasks, x.jurisdiction, *_src(x.source)) for x in spec.processors]
    rows["declared_transfers"] = [
        (t.id, t.source_scope, t.recipient, t.recipient_name, t.destination, t.method,
         t.encrypted_required, t.mechanism, t.purpose, t.data_types, t.recipient_retention,
         *_src(t.source))
        for t in spec.transfers
    ]
    rows["declared_transfer_categories"] = [
        (t.id, c) for t in spec.transfers for c in spec.transfer_categories(t)
    ]
    rows["modules"] = [(m.number, m.name, m.last_updated) for m in spec.modules]
    return rows


def write_policy(con: duckdb.DuckDBPyConnection, spec: PolicySpec, spec_path: str | Path,
                 check: bool = True) -> str:
    """Fill every policy table from `spec` (provenance checked first unless check=False)
    in one transaction; return the policy id. The schema must exist (store.create_schema)."""
    if check:
        check_provenance(spec)
    rows = policy_rows(spec, spec_path)
    con.execute("BEGIN TRANSACTION")
    try:
        for table, cols in COLUMNS.items():
            data = rows[table]
            if not data:
                continue
            placeholders = ", ".join("?" for _ in cols)
            con.executemany(
                f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({placeholders})', data
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return spec.policy.id

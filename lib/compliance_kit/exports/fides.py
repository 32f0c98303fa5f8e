"""The policy as a fideslang manifest (https://github.com/ethyca/fideslang), and a Fides
manifest back to a policy-spec skeleton, through the mapping tables of
data/fides/mapping.yaml (docs/exports.md).

Export (`export_manifest`): one system for the organisation (the controller), whose privacy
declarations are the policy's purposes (data use, data categories, data subjects, legal
basis, retention as an ISO 8601 duration), with an egress flow to one system per recipient
(the processors and the recipients of declared transfers). Fides keeps no start event for a
retention period and no destination country for a flow: the kit writes those under the
system's free-form `meta.compliance_kit`, so a round trip keeps them.

Import (`import_manifest`): the skeleton of a policy spec with everything that maps filled
in and every quote (and every fact Fides does not hold) written `TODO: ...` for the analyst;
`compliance-kit policy check` refuses the file while one is left (policy.provenance). What
does not map is returned as a list, and written at the top of the file.

Validation (`validate_manifest`): fideslang 3.1.4 pins pydantic < 2.13 and cannot be
installed beside the kit (pydantic 2.14), so the manifest is validated against the JSON
Schema of fideslang's own `Taxonomy` model (data/fides/fideslang-3.1.4.taxonomy.schema.json,
generated from fideslang 3.1.4 in an isolated environment) and every fides_key it uses
against fideslang's default taxonomy (data/fides/fideslang-3.1.4.default-taxonomy-keys.yaml);
where `fideslang` is importable, its models validate it too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import yaml

from .. import engines
from ..errors import UserError
from ..policy.durations import DurationError, split
from .mapping import MAPPING, load_mapping

FIDES_DIR = MAPPING.parent
SCHEMA = FIDES_DIR / "fideslang-3.1.4.taxonomy.schema.json"
TAXONOMY_KEYS = FIDES_DIR / "fideslang-3.1.4.default-taxonomy-keys.yaml"
TODO = "TODO"
# Where the analyses read a trigger's time (docs/policy-spec.md, triggers.clock_source)
CLOCK_SOURCES = {"account_deleted": "accounts.deleted_at", "collected": "records.created_at",
                 "deletion_requested": "requests"}


def fides_key(text: str) -> str:
    """A fides_key (letters, digits, _ . - only) from an id or a name."""
    key = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_")
    return key or "unnamed"


def _legal_basis(text: str | None, mapping: dict) -> str | None:
    for rule in mapping.get("legal_bases", []):
        if text and rule["contains"].lower() in text.lower():
            return rule["fides"]
    return None


# ------------------------------------------------------------------------------ export

def export_manifest(con: duckdb.DuckDBPyConnection, mapping: dict | None = None) -> dict:
    """The fideslang manifest ({"system": [...]}) of the store's policy."""
    mapping = mapping or load_mapping()
    engine = engines.of(con)
    q = lambda name: engine.query(name).to_dicts()  # noqa: E731
    (version,) = q("export_fides_policy.sql")
    purposes = q("export_ropa_purposes.sql")
    retention = {r["category"]: r for r in q("export_ropa_allowed_delay.sql")}
    transfers = q("export_fides_transfers.sql")
    processors = q("export_fides_processors.sql")
    controllers = q("export_ropa_controllers.sql")
    uses, cats, subjects = mapping["data_uses"], mapping["data_categories"], mapping["data_subjects"]

    declarations, kit_retention = [], {}
    for p in purposes:
        category = p["category_id"]
        rule = retention.get(category)
        d = {"name": p["purpose_id"], "data_use": uses.get(p["purpose_id"]),
             "data_categories": list(cats.get(category, [])), "data_subjects": list(subjects.get(category, []))}
        basis = _legal_basis(p["legal_basis"], mapping)
        if basis:
            d["legal_basis_for_processing"] = basis
        if rule:
            d["retention_period"] = rule["max_delay"]
            kit_retention[p["purpose_id"]] = {"category": category, "max_delay": rule["max_delay"],
                                              "trigger": rule["trigger_event"]}
        declarations.append(d)

    main_key = fides_key(version["org"])
    recipients: dict[str, dict] = {}
    for t in transfers:
        if t["recipient"] == "*":
            continue
        r = recipients.setdefault(t["recipient"], {"name": t["recipient_name"] or t["recipient"],
                                                   "categories": set(), "description": t["purpose"]})
        for c in t["categories"]:
            r["categories"].update(cats.get(c, []))
    for p in processors:
        recipients.setdefault(p["processor_id"], {"name": p["name"], "categories": set(), "description": None})
        recipients[p["processor_id"]]["description"] = recipients[p["processor_id"]]["description"] or p["tasks"]
        recipients[p["processor_id"]]["processor_for"] = p["jurisdiction"]

    mechanisms = sorted({mapping["transfer_mechanisms"][t["mechanism"]] for t in transfers if t["mechanism"]})
    legal = next((c for c in controllers if c["address"]), controllers[0] if controllers else None)
    encrypted = [t["flow_id"] for t in transfers if t["encrypted_required"]]
    main = {
        "fides_key": main_key, "name": version["title"], "system_type": "Service",
        "description": f"{version['title']} ({version['policy_id']}), exported by compliance-kit",
        "responsibility": ["Controller"], "processes_personal_data": True,
        "does_international_transfers": bool(transfers), "legal_basis_for_transfers": mechanisms,
        "privacy_declarations": declarations,
        "egress": [{"fides_key": fides_key(k), "type": "system", "data_categories": sorted(v["categories"]) or None}
                   for k, v in sorted(recipients.items())],
        "meta": {"compliance_kit": {
            "policy_id": version["policy_id"], "org": version["org"], "version": version["version"],
            "retention": kit_retention,
            "transfers": [{"flow_id": t["flow_id"], "source_scope": t["source_scope"], "recipient": t["recipient"],
                           "destination": t["destination_country"], "mechanism": t["mechanism"],
                           "encrypted_required": t["encrypted_required"], "categories": list(t["categories"])}
                          for t in transfers],
        }},
    }
    if legal:
        main["legal_name"] = legal["entity"]
        if legal["address"]:
            main["legal_address"] = legal["address"]
    if encrypted:
        main["data_security_practices"] = "Encrypted transmission: " + ", ".join(encrypted)
    systems = [main]
    for key, r in sorted(recipients.items()):
        system = {"fides_key": fides_key(key), "name": r["name"], "system_type": "Service",
                  "responsibility": ["Processor"] if "processor_for" in r else [],
                  "privacy_declarations": [],
                  "ingress": [{"fides_key": main_key, "type": "system"}]}
        if r["description"]:
            system["description"] = r["description"]
        if "processor_for" in r:
            system["meta"] = {"compliance_kit": {"processor_for": r["processor_for"], "tasks": r["description"]}}
        systems.append(system)
    return {"system": systems}


def taxonomy_keys(path: str | Path = TAXONOMY_KEYS) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def validate_manifest(manifest: dict) -> list[str]:
    """Problems of a manifest against fideslang 3.1.4 (empty: valid): the JSON Schema of its
    Taxonomy model, the fides_keys of its default taxonomy, egress/ingress naming systems of
    the manifest, and fideslang's own models where the package is importable."""
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    problems = [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
                for e in jsonschema.Draft202012Validator(schema).iter_errors(manifest)]
    keys = taxonomy_keys()
    systems = manifest.get("system") or []
    names = {s.get("fides_key") for s in systems}
    for s in systems:
        for i, d in enumerate(s.get("privacy_declarations") or []):
            where = f"system {s.get('fides_key')} declaration {i} ({d.get('name')})"
            if d.get("data_use") not in keys["data_use"]:
                problems.append(f"{where}: data_use {d.get('data_use')!r} is not in fideslang's taxonomy")
            problems += [f"{where}: data category {c!r} is not in fideslang's taxonomy"
                         for c in d.get("data_categories") or [] if c not in keys["data_category"]]
            problems += [f"{where}: data subject {c!r} is not in fideslang's taxonomy"
                         for c in d.get("data_subjects") or [] if c not in keys["data_subject"]]
        for flow in (s.get("egress") or []) + (s.get("ingress") or []):
            if flow.get("type") == "system" and flow.get("fides_key") not in names:
                problems.append(f"system {s.get('fides_key')}: flow to unknown system {flow.get('fides_key')!r}")
    try:
        from fideslang.models import Taxonomy  # optional: not installable beside pydantic 2.14
    except ImportError:
        return problems
    try:
        Taxonomy.model_validate(manifest)
    except Exception as exc:  # pydantic ValidationError: one line per error
        problems.append(f"fideslang: {exc}")
    return problems


# ------------------------------------------------------------------------------ import

def _todo(what: str) -> str:
    return f"{TODO}: {what}"


def _kind(code: str) -> str:
    if code == "GLOBAL":
        return "global"
    if "-" in code:
        return "subdivision"
    return "country" if len(code) == 2 else "bloc"


def import_manifest(manifest: dict, mapping: dict | None = None, today: dt.date | None = None
                    ) -> tuple[dict, list[str]]:
    """(policy-spec skeleton as a dict, what did not map). Every quote is a TODO."""
    mapping = mapping or load_mapping()
    systems = manifest.get("system") or []
    if not isinstance(systems, list) or not systems:
        raise UserError("the Fides manifest has no `system` list: nothing to import")
    main = next((s for s in systems if "Controller" in (s.get("responsibility") or [])),
                next((s for s in systems if s.get("privacy_declarations")), systems[0]))
    kit = ((main.get("meta") or {}).get("compliance_kit") or {})
    by_key = {s.get("fides_key"): s for s in systems}
    reverse_cats = {tuple(sorted(v)): k for k, v in mapping["data_categories"].items()}
    unmapped: list[str] = []
    source = lambda what: {"section": TODO, "quote": _todo(f"quote the page for {what}")}  # noqa: E731

    org = kit.get("org") or main.get("fides_key") or "imported"
    spec: dict = {"spec_version": 1, "policy": {
        "id": f"{org}/{kit.get('version') or 'imported'}", "org": org, "title": main.get("name") or org,
        "version": kit.get("version") or _todo("the policy's 'last updated' date"),
        "effective_date": (today or dt.date.today()).isoformat(), "source_file": "source.html",
        "source": source("the page header ('Last updated')")}}

    categories, purposes, rules, triggers = {}, [], [], {}
    for i, d in enumerate(main.get("privacy_declarations") or []):
        pid = fides_key(d.get("name") or f"purpose_{i + 1}")
        key = tuple(sorted(d.get("data_categories") or []))
        category = reverse_cats.get(key)
        if category is None and key:
            unmapped.append(f"privacy declaration {pid}: data categories {list(key)} match no category of "
                            "data/fides/mapping.yaml (purpose imported with category: null)")
        if category:
            categories.setdefault(category, {"id": category, "name": _todo(f"name of {category}"),
                                             "information": _todo(f"the policy's words for {category}"),
                                             "source": source(f"category {category}")})
        expected_use = mapping["data_uses"].get(pid)
        if expected_use != d.get("data_use"):
            unmapped.append(f"privacy declaration {pid}: data use {d.get('data_use')!r} has no purpose in "
                            "data/fides/mapping.yaml (kept only as the purpose's note)")
        if d.get("data_subjects") and category and sorted(d["data_subjects"]) != sorted(
                mapping["data_subjects"].get(category, [])):
            unmapped.append(f"privacy declaration {pid}: data subjects {d['data_subjects']} (the policy spec "
                            "holds no data subjects)")
        basis = d.get("legal_basis_for_processing")
        purposes.append({"id": pid, "category": category,
                         "information": _todo(f"the personal information of {pid}"), "mandatory": False,
                         "purposes": _todo(f"quote the purpose (Fides data use {d.get('data_use')})"),
                         "legal_basis": _todo(f"quote the legal basis (Fides: {basis or 'none'})"),
                         "source": source(f"purpose {pid}")})
        period = d.get("retention_period")
        if period and category:
            try:
                split(period)
            except DurationError:
                unmapped.append(f"privacy declaration {pid}: retention_period {period!r} is not an ISO 8601 "
                                "duration (free text: encode it by hand)")
                continue
            meta = (kit.get("retention") or {}).get(pid) or {}
            trigger = meta.get("trigger") or "collected"
            if not meta.get("trigger"):
                unmapped.append(f"privacy declaration {pid}: retention {period} has no start event in Fides "
                                "(imported as from collection: check it)")
            triggers.setdefault(trigger, {"id": trigger, "description": _todo(f"describe {trigger}"),
                                          "clock_source": CLOCK_SOURCES.get(trigger, "events")})
            if not any(r["category"] == category for r in rules):
                rules.append({"id": f"ret_{category}", "rule_set": "retention_table", "kind": "erase_within",
                              "category": category, "jurisdiction": "GLOBAL", "trigger": trigger,
                              "max_delay": period, "legal_hold_exempt": False,
                              "notes": _todo("does the rule yield to a legal hold? (legal_hold_exempt)"),
                              "source": source(f"the retention of {category}")})
        elif period:
            unmapped.append(f"privacy declaration {pid}: retention {period} without a mapped category")

    transfers = []
    for t in kit.get("transfers") or []:
        recipient_system = by_key.get(fides_key(t["recipient"]), {})
        cats = t.get("categories") or []
        transfers.append({"id": t["flow_id"], "source_scope": t["source_scope"], "recipient": t["recipient"],
                          "recipient_name": recipient_system.get("name"), "destination": t["destination"],
                          "encrypted_required": bool(t.get("encrypted_required")), "mechanism": t.get("mechanism"),
                          "categories": [c for c in cats if c in categories] or "all",
                          "source": source(f"the transfer {t['flow_id']}")})
        missing = [c for c in cats if c not in categories]
        if missing and len(missing) < len(cats):
            unmapped.append(f"transfer {t['flow_id']}: categories {missing} are not among the imported ones")
    if not kit.get("transfers"):
        for flow in main.get("egress") or []:
            unmapped.append(f"egress to {flow.get('fides_key')}: Fides gives no destination country "
                            "(encode the transfer by hand)")

    processors = []
    for s in systems:
        pmeta = ((s.get("meta") or {}).get("compliance_kit") or {})
        if s is not main and pmeta.get("processor_for"):
            processors.append({"id": s["fides_key"], "name": s.get("name") or s["fides_key"],
                               "tasks": pmeta.get("tasks") or s.get("description") or _todo("tasks"),
                               "jurisdiction": pmeta["processor_for"],
                               "source": source(f"the processor {s['fides_key']}")})
        elif s is not main and s.get("privacy_declarations"):
            unmapped.append(f"system {s.get('fides_key')}: its privacy declarations (a second controller "
                            "system) are not imported")

    codes = {"GLOBAL"} | {t["source_scope"] for t in transfers} | {p["jurisdiction"] for p in processors} | {
        t["destination"] for t in transfers if t["destination"] != "*"}
    spec["jurisdictions"] = [{"code": c, "name": _todo(f"name of {c}") if c != "GLOBAL" else "Global",
                              "kind": _kind(c), **({"parents": ["GLOBAL"]} if c != "GLOBAL" else {})}
                             for c in sorted(codes, key=lambda c: (c != "GLOBAL", c))]
    if main.get("legal_name"):
        spec["controllers"] = [{"scope": "GLOBAL", "entity": main["legal_name"],
                                "address": main.get("legal_address"), "source": source("the controller")}]
    spec["categories"] = list(categories.values())
    spec["purposes"] = purposes
    spec["triggers"] = list(triggers.values())
    spec["retention_rules"] = rules
    spec["processors"] = processors
    spec["transfers"] = transfers
    unmapped += [f"{what}: fideslang has no field for it (encode it from the policy)" for what in (
        "jurisdiction hierarchy (blocs, names)", "request types and rights", "request deadlines",
        "jurisdiction rules (minimum ages, consent for transfers)", "the page's tables", "modules",
        "retention rules other than one per purpose's category (text rules, addenda, recipients' copies)")]
    return spec, unmapped


def skeleton_yaml(spec: dict, unmapped: list[str], source: str) -> str:
    """The skeleton as YAML, headed by what the analyst must do."""
    def count(value) -> int:
        if isinstance(value, dict):
            return sum(count(v) for v in value.values())
        if isinstance(value, list):
            return sum(count(v) for v in value)
        return int(isinstance(value, str) and value.startswith(TODO))

    todo = count(spec)
    head = [f"# Policy spec skeleton imported from the Fides manifest {source} by `compliance-kit import fides`.",
            f"# {todo} values read 'TODO...': quote the published page for each (docs/policy-spec.md);",
            "# `compliance-kit policy check --policy <this file>` refuses the file until none is left.",
            "#", "# Not mapped (encode by hand):"] + [f"# - {u}" for u in unmapped]
    return "\n".join(head) + "\n\n" + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=110)


def load_manifest(path: str | Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read the Fides manifest ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML or JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: a Fides manifest is a mapping with a `system` list")
    return data

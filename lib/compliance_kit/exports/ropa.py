"""The record of processing activities (GDPR Art. 30(1)) from the policy store, every row
with the quote it is read from, and an "Observed" sheet of the practice the operational
data shows.

Declared sheets (policy tables, queries `sql/export_ropa_*.sql`): Controllers (a),
Purposes (b), Data categories and Data subjects (c), Recipients (d), Transfers with their
safeguards (e), Retention (f), Security (g, where the policy states a measure).

Observed sheet (the analyses' own functions, nothing computed here):
- flows seen per recipient and destination: `flows.metric_set` -> `usage_for_display`
  (declared flows in use) and `findings_for_display` (undeclared or non-conforming);
- erasure per category: `retention.evaluate` -> `lag_percentile_table` (p95 of the lag as
  a multiple of the allowed delay) beside the allowed delay of the retention table;
- requests answered in time: `requests.prepare` -> `headline` -> `figures.shown_figure`.
The sheet is an aggregate: every count and statistic goes through the kit's k
suppression (those display functions), as on a shared page.
"""

from __future__ import annotations


import duckdb

from .. import engines
from ..analysis import flows, requests, retention
from ..contract import AsOf
from ..figures import shown_figure
from ..privacy.suppression import check_k
from .mapping import load_mapping
from .sheets import Provenance, Sheet


def _src(row: dict, note: str | None = None) -> Provenance:
    return Provenance(section=row.get("source_section"), quote=row.get("source_quote"), note=note)


def _rows(engine, name: str) -> list[dict]:
    return engine.query(name).to_dicts()


def declared_sheets(con: duckdb.DuckDBPyConnection, mapping: dict | None = None) -> list[Sheet]:
    """The Art. 30(1) sheets, read from the store's policy tables."""
    engine = engines.of(con)
    mapping = mapping or load_mapping()
    sheets = []

    s = Sheet("Controllers", ["scope", "controller", "address / contact"],
              note="Art. 30(1)(a): name and contact details of the controller, per jurisdiction served.")
    for r in _rows(engine, "export_ropa_controllers.sql"):
        s.add([r["scope"], r["entity"], r["address"] or "(not stated)"], _src(r))
    sheets.append(s)

    s = Sheet("Purposes", ["purpose", "purposes of processing", "legal basis", "personal data", "mandatory",
                           "data category"],
              note="Art. 30(1)(b): the purposes of the processing, as the policy's 'How we use' table states them.")
    for r in _rows(engine, "export_ropa_purposes.sql"):
        s.add([r["purpose_id"], r["purposes"], r["legal_basis"], r["information"], r["mandatory"],
               r["category_id"] or "(none)"], _src(r))
    sheets.append(s)

    s = Sheet("Data categories", ["category", "name", "personal data"],
              note="Art. 30(1)(c): the categories of personal data.")
    categories = _rows(engine, "export_ropa_categories.sql")
    for r in categories:
        s.add([r["category_id"], r["name"], r["information"]], _src(r))
    sheets.append(s)

    subjects = mapping.get("data_subjects", {})
    s = Sheet("Data subjects", ["category", "categories of data subjects"],
              note="Art. 30(1)(c): the policy names no categories of data subjects; these are the kit's "
                   "reading per data category (data/fides/mapping.yaml), next to the category's quote.")
    for r in categories:
        s.add([r["category_id"], ", ".join(subjects.get(r["category_id"], [])) or "(not mapped)"],
              _src(r, note="data subjects: the kit's reading (data/fides/mapping.yaml), not the policy's words"))
    sheets.append(s)

    s = Sheet("Recipients", ["role", "recipient", "name", "what for", "declared for", "destination country",
                             "third country"],
              note="Art. 30(1)(d): the recipients the policy names; a destination outside the source "
                   "jurisdiction is a third country (see Transfers for the safeguards).")
    for r in _rows(engine, "export_ropa_recipients.sql"):
        s.add([r["role"], r["recipient"], r["name"], r["what_for"], r["declared_for"],
               r["destination_country"] or "(not stated)", r["third_country"] or "(not stated)"], _src(r))
    sheets.append(s)

    s = Sheet("Transfers", ["flow", "from", "recipient", "recipient name", "destination", "third country",
                            "safeguard", "method", "encryption promised", "data categories"],
              note="Art. 30(1)(e): transfers to third countries and their safeguards ('*' = any).")
    for r in _rows(engine, "export_ropa_transfers.sql"):
        s.add([r["flow_id"], r["source_scope"], r["recipient"], r["recipient_name"], r["destination_country"],
               r["third_country"], r["safeguard"], r["method"], r["encrypted_required"], r["categories"]], _src(r))
    sheets.append(s)

    s = Sheet("Retention", ["rule", "rule set", "kind", "category", "jurisdiction", "recipient", "from event",
                            "time limit (ISO 8601)", "whichever is earlier with", "yields to legal hold", "notes"],
              note="Art. 30(1)(f): the time limits for erasure, one row per retention rule.")
    for r in _rows(engine, "export_ropa_retention.sql"):
        s.add([r["rule_id"], r["rule_set"], r["kind"], r["category"], r["jurisdiction"], r["recipient"],
               r["trigger_event"], r["max_delay"], r["earliest_of"], r["legal_hold_exempt"], r["notes"]], _src(r))
    sheets.append(s)

    s = Sheet("Security", ["flow", "recipient", "destination", "measure"],
              note="Art. 30(1)(g): the security measures the policy states (where it states none, nothing is listed).")
    for r in _rows(engine, "export_ropa_security.sql"):
        s.add([r["flow_id"], r["recipient"], r["destination_country"], r["measure"]], _src(r))
    sheets.append(s)
    return sheets


OBSERVED_COLUMNS = ["measure", "subject", "source jurisdiction", "destination", "declared", "count",
                    "figure", "the policy allows"]


def observed_sheet(con: duckdb.DuckDBPyConnection, as_of, k: int) -> Sheet:
    """What the operational data shows against the declarations, as of the end of `as_of`,
    every count and statistic protected with k (the analyses' display functions)."""
    check_k(k)
    day = AsOf.parse(as_of)
    engine = engines.of(con)
    s = Sheet("Observed", OBSERVED_COLUMNS,
              note=f"Practice observed in the operational data up to the end of {day} (UTC). Aggregates only: "
                   f"counts from 1 to {k - 1} and the cells that would give them away read 'hidden' or '<{k}'.")

    metrics = flows.metric_set(engine, as_of=day)
    where = "flows.metric_set -> flows.usage_for_display (flows_usage.sql)"
    for r in flows.usage_for_display(metrics, k).iter_rows(named=True):
        if r["transfers"] == "0":
            continue  # a declared flow nobody used: not a flow seen
        safeguard = ", ".join(x for x in (r["mechanism"], "encryption" if r["encrypted_required"] else None) if x)
        s.add(["flow seen", r["recipient"], r["source_scope"], r["destination_country"], f"yes ({r['flow_id']})",
               f"{r['transfers']} transfers",
               f"{r['conforming_transfers']} conforming, {r['nonconforming_transfers']} not",
               safeguard or "no safeguard stated"],
              Provenance(observed=f"{where}, {r['first_month']} to {r['last_month']}"))
    where = "flows.metric_set -> flows.findings_for_display (flows_findings.sql)"
    for r in flows.findings_for_display(metrics, k).iter_rows(named=True):
        s.add(["flow seen", r["recipient"], r["source_jurisdiction"], r["destination_country"],
               f"no: {r['classification']} ({r['category']})", f"{r['transfers']} transfers",
               f"{r['records']} records, {r['bytes']} bytes", r["rule_broken"]],
              Provenance(section=r["rule_section"], quote=r["rule_quote"],
                         observed=f"{where}, {r['first_month']} to {r['last_month']}"))

    run = retention.evaluate(engine, day)
    allowed = {r["category"]: r for r in _rows(engine, "export_ropa_allowed_delay.sql")}
    where = "retention.evaluate -> retention.lag_percentile_table (retention_metric_lag_percentiles.sql)"
    for r in retention.lag_percentile_table(run, k).iter_rows(named=True):
        rule = allowed.get(r["category"], {})
        p95 = "hidden" if r["p95"] is None else f"p95 lag = {r['p95']:.2f} x the allowed delay"
        allows = (f"{rule['max_delay']} after {rule['trigger_event']}" if rule
                  else "each record's own rule (1.00 = at the deadline)")
        s.add(["erasure achieved", r["category"], "", "", "", f"{r['erased']} records erased", p95, allows],
              Provenance(section=rule.get("source_section"), quote=rule.get("source_quote"),
                         observed=where, note="lag / allowed delay per record: 1.00 = erased at the deadline"))

    prepared = requests.prepare(engine, day)
    figures = requests.headline(prepared)
    share = shown_figure("requests", "performance_pct", figures, k)
    received = shown_figure("requests", "received", figures, k)
    s.add(["requests answered in time", "requests with a fixed deadline", "", "", "",
           f"{received.text} received", f"{share.text} answered in time",
           "the deadline of each request's jurisdiction and type (request_deadline_rules)"],
          Provenance(observed="requests.prepare -> requests.headline (requests_performance.sql), "
                              "shown with figures.shown_figure"))
    return s


def build(con: duckdb.DuckDBPyConnection, as_of, k: int) -> list[Sheet]:
    return [*declared_sheets(con), observed_sheet(con, as_of, k)]

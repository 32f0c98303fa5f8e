"""Fixtures for the data-flow tests: a tiny hand-built store (policy rows + transfers)
whose every classification can be worked out by reading this file.

Import in test files: `from conftest_flows import flows_store, add_transfers`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from compliance_kit.store import connect, create_schema

CATEGORIES = (
    "account_data", "credit_card", "transaction_records", "photo_id", "usage_logs",
    "support_tickets", "incident_logs", "enquiry_data", "tech_support_enquiry",
    "promotional_contact", "marketing_data", "covid_program", "business_contact",
)

JURISDICTIONS = [
    # code, name, kind, parents (nearest first)
    ("GLOBAL", "Everywhere", "global", []),
    ("EEA", "European Economic Area", "bloc", ["GLOBAL"]),
    ("FR", "France", "country", ["EEA", "GLOBAL"]),
    ("DE", "Germany", "country", ["EEA", "GLOBAL"]),
    ("JP", "Japan", "country", ["GLOBAL"]),
    ("KR", "Korea", "country", ["GLOBAL"]),
    ("CA", "Canada", "country", ["GLOBAL"]),
    ("US", "United States", "country", ["GLOBAL"]),
    ("US-CA", "California", "subdivision", ["US", "GLOBAL"]),
]

RULES = [
    # jurisdiction, transfer_consent_required, transfer_mechanism, quote
    ("GLOBAL", None, None, None),
    ("EEA", None, "scc", "we rely on the European Commission's model contracts"),
    ("JP", True, "consent", "you consent to the cross-border transfer of your information"),
    # a more specific rule switching the requirement off for one country
    ("DE", False, None, "test-only: no mechanism needed from DE"),
]

FLOWS = [
    # flow_id, scope, recipient, destination, method, encrypted_required, mechanism, categories
    ("kr_adyen", "KR", "adyen_sg", "SG", "Encrypted transmission", True, None, ["credit_card"]),
    ("kr_frensworkz", "KR", "frensworkz", "CN", "Online transmission", False, None,
     ["account_data", "business_contact"]),
    ("kr_salesforce", "KR", "salesforce_sg", "US", "Online transmission", False, None,
     ["promotional_contact", "marketing_data"]),
    ("eea_scc_cn", "EEA", "*", "CN", None, False, "scc", ["account_data", "usage_logs"]),
    ("jp_consent", "JP", "*", "*", None, False, "consent", ["account_data", "usage_logs"]),
    ("ca_sg", "CA", "tencent_group", "SG", None, False, None, ["account_data"]),
    ("ca_hk", "CA", "tencent_group", "HK", None, False, None, ["account_data"]),
    ("global_cn", "GLOBAL", "tencent_group", "CN", None, False, None, ["account_data"]),
]


def _insert_policy(con) -> None:
    for code, name, kind, parents in JURISDICTIONS:
        con.execute("INSERT INTO jurisdictions VALUES (?, ?, ?)", [code, name, kind])
        con.execute("INSERT INTO jurisdiction_lineage VALUES (?, ?, 0)", [code, code])
        for depth, parent in enumerate(parents, start=1):
            con.execute("INSERT INTO jurisdiction_lineage VALUES (?, ?, ?)", [code, parent, depth])
    for cat in CATEGORIES:
        con.execute("INSERT INTO data_categories VALUES (?, ?, ?, 'Data Retention', ?)",
                    [cat, cat, cat, f"quote for {cat}"])
    for jur, consent, mech, quote in RULES:
        con.execute(
            "INSERT INTO jurisdiction_rules (jurisdiction, transfer_consent_required, "
            "transfer_mechanism, basis, confidence, source_section, source_quote) "
            "VALUES (?, ?, ?, 'policy', 'high', ?, ?)",
            [jur, consent, mech, f"{jur} addendum" if quote else None, quote])
    for flow_id, scope, rec, dest, method, enc, mech, cats in FLOWS:
        con.execute(
            "INSERT INTO declared_transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [flow_id, scope, rec, None if rec == "*" else f"{rec} Ltd", dest, method, enc, mech,
             "purpose", "types as written", "7 years" if rec == "adyen_sg" else None,
             "Overseas Transfer", f"quote of {flow_id}"])
        for cat in cats:
            con.execute("INSERT INTO declared_transfer_categories VALUES (?, ?)", [flow_id, cat])


def add_transfers(con, rows) -> None:
    """rows: dicts with transfer_id, source, recipient, destination, category and
    optional occurred_at (default 2026-03-15 UTC), record_count (10), bytes (1000),
    mechanism (None), encrypted (True)."""
    for r in rows:
        con.execute(
            "INSERT INTO transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r["transfer_id"],
             r.get("occurred_at", dt.datetime(2026, 3, 15, 12, tzinfo=dt.timezone.utc)),
             r["source"], r["recipient"], r["destination"], r["category"],
             r.get("record_count", 10), r.get("bytes", 1000), r.get("mechanism"),
             r.get("encrypted", True)])


@pytest.fixture
def flows_store(tmp_path):
    """A store with the hand-built policy and no transfers yet (add them with
    add_transfers); yields the open read-write connection."""
    con = connect(tmp_path / "flows.duckdb")
    create_schema(con)
    _insert_policy(con)
    yield con
    con.close()

"""Transfer classification on hand-built cases: each case is one transfer whose class
(and matched flow, and rule) can be read off tests/conftest_flows.py."""

import polars as pl
import pytest

from compliance_kit.analysis import flows
from conftest_flows import add_transfers, flows_store  # noqa: F401  (fixture)


def classify_one(con, **row):
    add_transfers(con, [{"transfer_id": "t1", **row}])
    got = flows.classify_transfers(con)
    assert got.height == 1
    return got.row(0, named=True)


def test_declared_flow_with_one_undeclared_category(flows_store):
    # Frensworkz is declared from KR to CN for account_data and business_contact only.
    r = classify_one(flows_store, source="KR", recipient="frensworkz", destination="CN",
                     category="credit_card")
    assert r["classification"] == "undeclared_category"
    assert r["flow_id"] is None
    assert r["nearest_flow_id"] == "kr_frensworkz"
    assert "credit_card" in r["rule_broken"] and "business_contact" in r["rule_broken"]
    assert r["rule_quote"] == "quote of kr_frensworkz"


def test_declared_category_of_same_flow_is_declared(flows_store):
    r = classify_one(flows_store, source="KR", recipient="frensworkz", destination="CN",
                     category="business_contact")
    assert r["classification"] == "declared"
    assert r["flow_id"] == "kr_frensworkz"
    assert r["rule_broken"] is None


def test_recipient_declared_to_another_country(flows_store):
    # Salesforce is declared from KR to the United States; observed going to Singapore.
    r = classify_one(flows_store, source="KR", recipient="salesforce_sg", destination="SG",
                     category="marketing_data")
    assert r["classification"] == "undeclared_destination"
    assert r["nearest_flow_id"] == "kr_salesforce"
    assert "only to US" in r["rule_broken"] and "not to SG" in r["rule_broken"]


def test_japanese_source_without_consent(flows_store):
    r = classify_one(flows_store, source="JP", recipient="tencent_group", destination="SG",
                     category="account_data", mechanism=None)
    assert r["classification"] == "missing_mechanism"
    assert r["flow_id"] == "jp_consent"
    assert r["required_mechanism"] == "consent"
    assert r["rule_jurisdiction"] == "JP"
    assert "need consent" in r["rule_broken"] and "recorded: none" in r["rule_broken"]
    assert r["rule_quote"] == "you consent to the cross-border transfer of your information"


def test_japanese_source_with_the_wrong_mechanism(flows_store):
    r = classify_one(flows_store, source="JP", recipient="tencent_group", destination="SG",
                     category="account_data", mechanism="scc")
    assert r["classification"] == "missing_mechanism"
    assert "recorded: scc" in r["rule_broken"]


def test_japanese_source_with_consent_to_any_country(flows_store):
    # The JP flow names recipient '*' and destination '*'.
    r = classify_one(flows_store, source="JP", recipient="anyone_at_all", destination="BR",
                     category="usage_logs", mechanism="consent")
    assert r["classification"] == "declared"
    assert r["flow_id"] == "jp_consent"


def test_country_inside_a_bloc_matches_the_bloc_flow(flows_store):
    # France is in the EEA; the EEA flow to CN rests on SCCs (and so does the EEA rule).
    r = classify_one(flows_store, source="FR", recipient="tencent_group", destination="CN",
                     category="usage_logs", mechanism="scc")
    assert r["classification"] == "declared"
    assert r["flow_id"] == "eea_scc_cn"


def test_country_inside_a_bloc_needs_the_bloc_mechanism(flows_store):
    r = classify_one(flows_store, source="FR", recipient="someone", destination="CN",
                     category="usage_logs", mechanism=None)
    assert r["classification"] == "missing_mechanism"
    assert r["rule_jurisdiction"] == "EEA"
    assert r["required_mechanism"] == "scc"


def test_more_specific_rule_wins_but_flow_mechanism_still_applies(flows_store):
    # DE's own rule needs no mechanism, but the EEA flow itself rests on SCCs.
    r = classify_one(flows_store, source="DE", recipient="someone", destination="CN",
                     category="usage_logs", mechanism=None)
    assert r["classification"] == "missing_mechanism"
    assert r["rule_jurisdiction"] == "DE"
    assert "flow eea_scc_cn rests on scc" in r["rule_broken"]
    assert r["rule_quote"] == "quote of eea_scc_cn"


def test_global_flow_covers_every_source_and_the_satisfied_flow_wins(flows_store):
    # FR -> tencent_group CN account_data matches the EEA flow (scc) and the GLOBAL flow
    # (no mechanism); the EEA rule needs scc either way, which the transfer has.
    r = classify_one(flows_store, source="FR", recipient="tencent_group", destination="CN",
                     category="account_data", mechanism="scc")
    assert r["classification"] == "declared"
    assert r["flow_id"] == "eea_scc_cn"  # the bloc is more specific than GLOBAL


def test_source_unknown_to_the_hierarchy_is_covered_by_global(flows_store):
    r = classify_one(flows_store, source="BR", recipient="tencent_group", destination="CN",
                     category="account_data")
    assert r["classification"] == "declared"
    assert r["flow_id"] == "global_cn"


def test_subdivision_inherits_through_its_country(flows_store):
    r = classify_one(flows_store, source="US-CA", recipient="tencent_group", destination="CN",
                     category="account_data")
    assert r["classification"] == "declared"
    assert r["flow_id"] == "global_cn"


def test_unencrypted_transfer_to_a_flow_requiring_encryption(flows_store):
    r = classify_one(flows_store, source="KR", recipient="adyen_sg", destination="SG",
                     category="credit_card", encrypted=False)
    assert r["classification"] == "unencrypted"
    assert r["flow_id"] == "kr_adyen"
    assert "Encrypted transmission" in r["rule_broken"]


def test_encrypted_transfer_to_the_same_flow_is_declared(flows_store):
    r = classify_one(flows_store, source="KR", recipient="adyen_sg", destination="SG",
                     category="credit_card", encrypted=True)
    assert r["classification"] == "declared"


def test_wholly_unknown_recipient(flows_store):
    r = classify_one(flows_store, source="KR", recipient="unknown_vendor", destination="US",
                     category="account_data")
    assert r["classification"] == "undeclared_recipient"
    assert r["flow_id"] is None and r["nearest_flow_id"] is None
    assert "unknown_vendor" in r["rule_broken"]
    assert r["rule_quote"] is None


def test_first_class_that_applies_wins(flows_store):
    # Wrong category AND unencrypted on an encryption-required flow: the category comes first.
    r = classify_one(flows_store, source="KR", recipient="adyen_sg", destination="SG",
                     category="account_data", encrypted=False)
    assert r["classification"] == "undeclared_category"


def test_recipient_declared_only_for_another_source(flows_store):
    # adyen_sg is declared for KR only; from CA it is an undeclared recipient.
    r = classify_one(flows_store, source="CA", recipient="adyen_sg", destination="SG",
                     category="credit_card")
    assert r["classification"] == "undeclared_recipient"


def test_every_transfer_gets_exactly_one_class(flows_store):
    rows = [
        {"transfer_id": f"t{i}", "source": s, "recipient": rec, "destination": d, "category": c,
         "mechanism": m, "encrypted": e}
        for i, (s, rec, d, c, m, e) in enumerate([
            ("KR", "adyen_sg", "SG", "credit_card", None, True),
            ("KR", "adyen_sg", "SG", "credit_card", None, True),   # duplicate key
            ("FR", "tencent_group", "CN", "account_data", "scc", True),
            ("FR", "tencent_group", "CN", "account_data", None, True),
            ("CA", "tencent_group", "HK", "account_data", None, False),
            ("CA", "tencent_group", "US", "account_data", None, False),
        ])
    ]
    add_transfers(flows_store, rows)
    got = flows.classify_transfers(flows_store).sort("transfer_id")
    assert got["transfer_id"].to_list() == [f"t{i}" for i in range(6)]
    assert got["classification"].to_list() == [
        "declared", "declared", "declared", "missing_mechanism", "declared",
        "undeclared_destination"]
    assert set(got["classification"]) <= set(flows.CLASSIFICATIONS)


def test_declared_flows_table(flows_store):
    d = flows.declared_flows(flows_store)
    assert d.height == 8
    fr = d.filter(pl.col("flow_id") == "kr_frensworkz").row(0, named=True)
    assert fr["categories"] == ["account_data", "business_contact"]
    assert fr["recipient_name"] == "frensworkz Ltd"
    assert fr["source_quote"] == "quote of kr_frensworkz"
    assert {"source_scope", "recipient", "destination_country", "method", "mechanism",
            "encrypted_required", "recipient_retention"} <= set(d.columns)


def test_recipient_retention_lists_named_recipients_only(flows_store):
    r = flows.recipient_retention(flows_store)
    assert "*" not in r["recipient"].to_list()
    assert r.filter(pl.col("recipient") == "adyen_sg")["recipient_retention"].to_list() == ["7 years"]

"""The store built from the bundled policy (compliance_kit.store.build_store): every
policy table filled, counts the issue asks for, hashes, lineage, conflicts."""

import hashlib

import duckdb

from compliance_kit.policy.conflicts import find_conflicts
from compliance_kit.store import POLICY_TABLES, connect

from conftest_policy import NAMED_JURISDICTIONS, POLICY_YAML, SOURCE_HTML, policy_store  # noqa: F401


def _q(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def test_every_policy_table_is_filled(policy_store):
    db, report = policy_store
    assert report.policy_id == "tencent-cloud/2022-05-25"
    assert set(report.policy_rows) == set(POLICY_TABLES)
    assert all(n > 0 for n in report.policy_rows.values()), report.policy_rows


def test_counts_the_issue_asks_for(policy_store):
    db, _ = policy_store
    con = connect(db, read_only=True)
    try:
        assert _q(con, "SELECT count(*) FROM processing_purposes")[0][0] == 14
        assert _q(con, "SELECT count(*) FROM retention_rules WHERE rule_set = 'retention_table'")[0][0] == 13
        assert _q(con, "SELECT count(*) FROM data_categories")[0][0] == 13
        assert _q(con, "SELECT count(*) FROM processors")[0][0] == 4
        assert _q(con, "SELECT count(*) FROM declared_transfers WHERE source_scope = 'KR'")[0][0] == 5
        assert _q(con, "SELECT count(*) FROM modules")[0][0] == 39
        have = {r[0] for r in _q(con, "SELECT jurisdiction FROM jurisdiction_rules")}
        assert set(NAMED_JURISDICTIONS) <= have, set(NAMED_JURISDICTIONS) - have
    finally:
        con.close()


def test_versions_hashes_and_parts(policy_store):
    db, _ = policy_store
    con = connect(db, read_only=True)
    try:
        (row,) = _q(con, "SELECT version, effective_date, source_sha256, spec_sha256 FROM policy_versions")
        assert row[0] == "2022-05-25" and str(row[1]) == "2022-05-25"
        assert row[2] == hashlib.sha256(SOURCE_HTML.read_bytes()).hexdigest()
        assert row[3] == hashlib.sha256(POLICY_YAML.read_bytes()).hexdigest()
        parts = dict(_q(con, "SELECT part_id, CAST(last_updated AS VARCHAR) FROM policy_parts"))
        assert parts == {"main": "2022-05-25", "addendum_kr": "2020-12-07", "modules": "2020-08-17"}
        assert {r[0] for r in _q(con, "SELECT DISTINCT last_updated FROM modules")} == {
            _q(con, "SELECT DATE '2020-08-17'")[0][0]}
    finally:
        con.close()


def test_lineage_closure(policy_store):
    db, _ = policy_store
    con = connect(db, read_only=True)
    try:
        lineage = {(c, a): d for c, a, d in _q(con, "SELECT code, ancestor, depth FROM jurisdiction_lineage")}
        assert lineage[("FR", "FR")] == 0 and lineage[("FR", "EEA")] == 1 and lineage[("FR", "GLOBAL")] == 2
        assert lineage[("US-CA", "US")] == 1 and lineage[("US-CA", "GLOBAL")] == 2
        codes = {r[0] for r in _q(con, "SELECT code FROM jurisdictions")}
        assert all((c, c) in lineage and (c, "GLOBAL") in lineage for c in codes)
        assert _q(con, "SELECT count(*) FROM jurisdiction_lineage WHERE ancestor = 'EEA' AND depth = 1")[0][0] == 30
    finally:
        con.close()


def test_rules_as_stored(policy_store):
    db, _ = policy_store
    con = connect(db, read_only=True)
    try:
        r = dict(((x[0]), x[1:]) for x in _q(con, """
            SELECT rule_id, trigger_event, max_delay, delay_months, delay_days, delay_hours, legal_hold_exempt
            FROM retention_rules"""))
        assert r["ret_support_tickets"] == ("account_deleted", "PT24H", 0, 0, 24, True)
        assert r["ret_id_minimum"] == ("collected", "P5Y", 60, 0, 0, True)
        assert r["ret_rcpt_image_frame_sms"][:2] == ("message_sent", "P13M")
        assert _q(con, """SELECT count(*) FROM retention_rules
                          WHERE rule_set = 'recipient' AND (jurisdiction <> 'KR' OR recipient IS NULL)""")[0][0] == 0
        # every trigger a rule uses has a clock source
        assert _q(con, """SELECT count(*) FROM retention_rules r
                          LEFT JOIN retention_triggers t USING (trigger_event) WHERE t.clock_source IS NULL""")[0][0] == 0
        enc = dict(_q(con, "SELECT flow_id, encrypted_required FROM declared_transfers WHERE source_scope = 'KR'"))
        assert enc == {"kr_adyen_sg": True, "kr_frensworkz": False, "kr_image_frame_hk": False,
                       "kr_salesforce_sg": False, "kr_tencent_computing_cn": False}
        # text flows carry every category
        assert _q(con, "SELECT count(*) FROM declared_transfer_categories WHERE flow_id = 'global_cn'")[0][0] == 13
        dl = _q(con, """SELECT unit, amount, extension_amount, holiday_calendar, basis FROM request_deadline_rules
                        WHERE rule_id IN ('dl_eea', 'dl_us_ca', 'dl_us_ca_ack') ORDER BY rule_id""")
        assert dl == [("calendar_months", 1, 2, "NL", "policy"), ("calendar_days", 45, 45, "US", "policy"),
                      ("business_days", 10, None, "US", "statute")]
        assert _q(con, "SELECT count(*) FROM request_deadline_rules WHERE basis = 'statute' AND source_quote IS NOT NULL")[0][0] == 0
        assert dict(_q(con, "SELECT scope, holiday_calendar FROM data_controllers WHERE scope IN ('EEA','GB','CH')")) == {
            "EEA": "NL", "GB": "NL", "CH": "NL"}
    finally:
        con.close()


def test_conflicts_found_from_the_rules(policy_store):
    db, _ = policy_store
    con = connect(db, read_only=True)
    try:
        c = find_conflicts(con)
    finally:
        con.close()
    pairs = {(k, a, b) for k, a, b in c.select("conflict_kind", "rule_a", "rule_b").iter_rows()}
    # Indonesia's five-year minimum against the 30-day and 10-day erasures
    assert ("minimum_vs_erasure", "ret_id_minimum", "ret_account_data") in pairs
    assert ("minimum_vs_erasure", "ret_id_minimum", "ret_text_deletion_request") in pairs
    # the table's 30 and 90 days after account deletion against the text's 10 days
    assert ("different_erasure_delays", "ret_account_data", "ret_text_account_deleted") in pairs
    assert ("different_erasure_delays", "ret_text_account_deleted", "ret_transaction_records") in pairs
    # not conflicts: different categories, different recipients, one earliest_of group
    flat = {x for p in pairs for x in p[1:]}
    assert not any(r.startswith("ret_rcpt_") for r in flat)
    assert ("different_erasure_delays", "ret_account_data", "ret_credit_card") not in pairs
    stricter = dict(((a, b), s) for a, b, s in c.select("rule_a", "rule_b", "stricter_rule").iter_rows())
    assert stricter[("ret_account_data", "ret_text_account_deleted")] == "ret_text_account_deleted"


def test_conflicts_follow_the_rules_not_a_list(tmp_path):
    """Remove Indonesia's minimum from a copy of the store: its conflicts disappear."""
    from compliance_kit.policy.spec import load_spec
    from compliance_kit.policy.store import write_policy
    from compliance_kit.store import create_schema

    spec = load_spec(POLICY_YAML)
    spec.retention_rules = [r for r in spec.retention_rules if r.id != "ret_id_minimum"]
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    try:
        create_schema(con)
        write_policy(con, spec, POLICY_YAML)
        c = find_conflicts(con)
    finally:
        con.close()
    assert c.height > 0
    assert set(c["conflict_kind"].to_list()) == {"different_erasure_delays"}


def test_building_twice_gives_the_same_policy_rows(tmp_path):
    from compliance_kit.store import build_store

    a = build_store(tmp_path / "a.duckdb", POLICY_YAML)
    b = build_store(tmp_path / "a.duckdb", POLICY_YAML)
    assert a.policy_rows == b.policy_rows

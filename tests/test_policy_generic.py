"""The format is generic: a tiny policy of a fictional company checks and builds."""

import subprocess

from compliance_kit.policy.extract import parse_page
from compliance_kit.store import build_store, connect

from conftest_policy import CLI, FIXTURES

MINIMAL = FIXTURES / "minimal"


def test_minimal_page_extracts_without_the_script_copy():
    page = parse_page(MINIMAL / "source.html")
    assert [len(t.rows) for t in page.tables] == [2]
    assert page.tables[0].rows[0] == ["Account data (name, email)",
                                      "Erased within thirty (30) days of the date the account is deleted."]
    assert page.text.count("thirty (30) days") == 1  # not again from the <script> copy
    assert "Last updated: 2025-03-01" in page.sections[0].text


def test_minimal_spec_checks_and_builds(tmp_path):
    out = subprocess.run([str(CLI), "policy", "check", "--policy", str(MINIMAL / "policy.yaml")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    report = build_store(tmp_path / "example.duckdb", MINIMAL / "policy.yaml")
    assert report.policy_id == "example-co/2025-03-01"
    con = connect(tmp_path / "example.duckdb", read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM retention_rules").fetchall() == [(2,)]
        assert con.execute("SELECT depth FROM jurisdiction_lineage WHERE code = 'DE' AND ancestor = 'GLOBAL'").fetchall() == [(2,)]
        assert con.execute("SELECT minimum_age FROM jurisdiction_rules").fetchall() == [(16,)]
    finally:
        con.close()

"""Policy versions: a store keeps every version it was built with, `policy diff` lists the
rules added, removed and changed with both quotes, runs record the version, and the run
index marks where it changed (`data-policy-change`, "rules changed here") in the runs
table and on every trend."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance_kit.cli import cli
from compliance_kit.paths import DEFAULT_POLICY
from compliance_kit.policy.spec import load_spec
from compliance_kit.policy.versions import diff, load_version
from compliance_kit.reports.index import POLICY_CHANGE as POLICY_CHANGE_TEXT
from compliance_kit.reports.index import render_index
from compliance_kit.store import build_store, connect
from conftest_reports import NOTEBOOKS, run_cli, run_dirs

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / DEFAULT_POLICY
V1_ID, V2_ID = "tencent-cloud/2022-05-25", "tencent-cloud/2023-01-01"
OLD_ACCOUNT_RULE = """  - id: ret_account_data
    rule_set: retention_table
    kind: erase_within
    category: account_data
    jurisdiction: GLOBAL
    trigger: account_deleted
    max_delay: P30D
    phrase: thirty (30) days
"""
TW = '  - {code: TW, name: "Taiwan, China", kind: country, parents: [GLOBAL]}\n'


@pytest.fixture(scope="module")
def v2(tmp_path_factory) -> Path:
    """The bundled spec edited as a new version: account data kept 60 days instead of 30
    (same quote, the phrase dropped), and a new jurisdiction (New Zealand)."""
    folder = tmp_path_factory.mktemp("v2")
    shutil.copy(V1.parent / "source.html", folder / "source.html")
    text = V1.read_text(encoding="utf-8")
    assert OLD_ACCOUNT_RULE in text and TW in text
    text = (text.replace(f"  id: {V1_ID}\n", f"  id: {V2_ID}\n", 1)
            .replace('  version: "2022-05-25"\n', '  version: "2023-01-01"\n', 1)
            .replace(OLD_ACCOUNT_RULE, OLD_ACCOUNT_RULE.replace("    max_delay: P30D\n    phrase: thirty (30) days\n",
                                                                "    max_delay: P60D\n"))
            .replace(TW, TW + "  - {code: NZ, name: New Zealand, kind: country, parents: [GLOBAL]}\n"))
    path = folder / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_diff_lists_the_changed_period_and_the_new_jurisdiction_with_both_quotes(v2):
    old, new = load_spec(V1), load_spec(v2)
    changes = {(c.collection, c.key): c for c in diff(old, new)}
    assert set(changes) == {("retention_rules", "ret_account_data"), ("jurisdictions", "NZ")}
    rule = changes[("retention_rules", "ret_account_data")]
    assert rule.kind == "changed" and rule.fields["max_delay"] == ("P30D", "P60D")
    quote = next(r.source.quote for r in old.retention_rules if r.id == "ret_account_data")
    assert rule.old_quote == quote and rule.new_quote == quote
    assert changes[("jurisdictions", "NZ")].kind == "added"
    back = {(c.collection, c.key): c.kind for c in diff(new, old)}
    assert back[("jurisdictions", "NZ")] == "removed"
    assert diff(old, old) == []


def test_a_removed_rule_keeps_its_quote(v2):
    old = load_spec(V1)
    new = old.model_copy(update={"modules": old.modules[:-1]})
    (change,) = diff(old, new)
    assert change.kind == "removed" and change.collection == "modules"
    assert change.old_quote == old.modules[-1].source.quote


@pytest.fixture(scope="module")
def two_version_store(tmp_path_factory, v2):
    """A store built with the bundled policy, then rebuilt with v2 (no operational data)."""
    db = tmp_path_factory.mktemp("store") / "compliance.duckdb"
    build_store(db, V1)
    build_store(db, v2)
    return db


def test_the_store_holds_both_versions_and_the_new_one_is_active(two_version_store):
    con = connect(two_version_store, read_only=True)
    rows = con.sql("SELECT policy_id, active FROM policy_history ORDER BY built_at, policy_id").fetchall()
    (active,) = con.sql("SELECT policy_id FROM policy_versions").fetchall()[0]
    con.close()
    assert sorted(rows) == [(V1_ID, False), (V2_ID, True)]
    assert active == V2_ID
    spec, label = load_version(V1_ID, two_version_store)
    assert spec.policy.id == V1_ID and label.startswith(V1_ID + "@")


def test_policy_diff_command_reads_versions_from_the_store(two_version_store):
    result = CliRunner().invoke(cli, ["policy", "diff", V1_ID, V2_ID, "--db", str(two_version_store)])
    assert result.exit_code == 0, result.output
    assert "changed  retention_rules[ret_account_data]" in result.output
    assert "max_delay: P30D -> P60D" in result.output
    assert "added    jurisdictions[NZ]" in result.output
    assert "old quote:" in result.output
    as_json = CliRunner().invoke(cli, ["policy", "diff", V1_ID, V2_ID, "--db", str(two_version_store), "--json"])
    kinds = {(c["collection"], c["key"]): c["kind"] for c in json.loads(as_json.output)["changes"]}
    assert kinds == {("retention_rules", "ret_account_data"): "changed", ("jurisdictions", "NZ"): "added"}
    unknown = CliRunner().invoke(cli, ["policy", "diff", "nope/1", V2_ID, "--db", str(two_version_store)])
    assert unknown.exit_code != 0 and "neither a policy spec file" in str(unknown.exception)


ROW_MARK = 'class="rules-changed"'   # the runs table's note where the rules changed


def _fake_run(folder, start, policy_id, sha, accounts):
    return {"folder": folder, "metrics": {"accounts": {"accounts": accounts}},
            "manifest": {"start": start, "exit_status": 0, "parameters": {"as_of": "2026-10-31"},
                         "policy": [{"policy_id": policy_id, "spec_sha256": sha}], "notebooks": []}}


def test_the_index_marks_a_change_only_where_the_version_changed():
    runs = [_fake_run("r3", "3", "p/2", "b" * 64, 9), _fake_run("r2", "2", "p/2", "b" * 64, 8),
            _fake_run("r1", "1", "p/1", "a" * 64, 7)]             # newest first, as load_runs gives
    html = render_index(runs)
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr id="run-(r\d)">(.*?)</tr>', html, re.S)}
    assert ROW_MARK in rows["r2"]
    assert ROW_MARK not in rows["r1"] + rows["r3"]
    same = render_index([_fake_run("r2", "2", "p/1", "a" * 64, 8), _fake_run("r1", "1", "p/1", "a" * 64, 7)])
    assert ROW_MARK not in same and "data-policy-change" not in same


def _marker_between_dots(svg: str) -> None:
    dots = [float(x) for x in re.findall(r'<circle class="mark" cx="([\d.]+)"', svg)]
    (marker,) = re.findall(r'<line data-policy-change="[^"]*" x1="([\d.]+)"', svg)
    assert len(dots) == 2 and dots[0] < float(marker) < dots[1], (dots, marker)
    assert f"<title>{POLICY_CHANGE_TEXT}</title>" in svg


def test_two_runs_under_two_versions_show_the_marker_between_them(tmp_path, v2):
    db = tmp_path / "compliance.duckdb"
    out = tmp_path / "reports"
    args = ("run", "fx_accounts", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db, "--out", out)
    build_store(db, V1)
    first = run_cli(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    build_store(db, v2)
    second = run_cli(*args)
    assert second.returncode == 0, second.stdout + second.stderr

    runs = run_dirs(out)
    assert len(runs) == 2
    used = sorted((json.loads((r / "internal" / "manifest.json").read_text())["start"],
                   json.loads((r / "internal" / "manifest.json").read_text())["policy"][0]["policy_id"])
                  for r in runs)
    assert [pid for _, pid in used] == [V1_ID, V2_ID]          # each run recorded its version

    html = (out / "index.html").read_text(encoding="utf-8")
    newer = sorted(runs, key=lambda r: json.loads((r / "internal" / "manifest.json").read_text())["start"])[-1]
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr id="run-([^"]+)">(.*?)</tr>', html, re.S)}
    assert ROW_MARK in rows[newer.name]
    assert sum(ROW_MARK in row for row in rows.values()) == 1
    trends = html.split("<h2>Trends</h2>", 1)[1]
    sparklines = re.findall(r"<svg class=\"sparkline\".*?</svg>", trends, re.S)
    assert sparklines, "the fixture notebook writes headline figures"
    for svg in sparklines:                                        # every trend chart
        _marker_between_dots(svg)


def test_a_store_from_before_policy_history_starts_a_new_history(tmp_path):
    import duckdb

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE policy_versions (policy_id VARCHAR)")     # an older store's schema
    con.close()
    build_store(db, V1)
    con = connect(db, read_only=True)
    assert con.sql("SELECT policy_id, active FROM policy_history").fetchall() == [(V1_ID, True)]
    con.close()


def test_a_store_that_cannot_be_read_stops_the_build_rather_than_lose_its_history(tmp_path):
    from compliance_kit.errors import UserError

    db = tmp_path / "broken.duckdb"
    db.write_text("not a database", encoding="utf-8")
    with pytest.raises(UserError, match="cannot read the policy versions"):
        build_store(db, V1)

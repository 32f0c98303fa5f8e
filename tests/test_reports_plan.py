"""The plan step alone: the one parameter check, and what the manifest reads from the
store, including a store without the kit's policy tables."""

import datetime as dt

import duckdb
import pytest

from compliance_kit.errors import ParameterError, UserError
from compliance_kit.reports.inspect import inspect_parameters
from compliance_kit.reports.plan import RunRequest, policy_label, read_store_info, validate_parameters

from conftest_reports import NOTEBOOKS, build_fixture_store


@pytest.fixture
def fx_notebooks():
    return [inspect_parameters(NOTEBOOKS / "fx_accounts.ipynb"), inspect_parameters(NOTEBOOKS / "fx_counts.ipynb")]


def test_validate_parameters_injects_only_what_each_notebook_declares(fx_notebooks):
    req = RunRequest(notebooks=[nb.path for nb in fx_notebooks], as_of=dt.date(2026, 10, 30),
                     overrides={"k": "7", "sleep_seconds": "0.5"}, from_cli={"k": True, "sleep_seconds": True})
    injected, effective = validate_parameters(fx_notebooks, req)
    assert injected == {"fx_accounts": {"k": 7, "as_of": "2026-10-30"},
                        "fx_counts": {"k": 7, "sleep_seconds": 0.5, "as_of": "2026-10-30"}}
    assert effective["fx_accounts"]["min_accounts"] == 1            # the notebook's default
    assert effective["fx_counts"]["chart_renderer"] == "svg"
    assert "sleep_seconds" not in effective["fx_accounts"]


@pytest.mark.parametrize("overrides, as_of, message", [
    ({"as_of": "2026-10-31"}, "2026-10-31", "as_of given twice"),
    ({}, "31/10/2026", "YYYY-MM-DD"),
    ({"k": "0"}, "2026-10-31", r"fx_accounts.ipynb: .*k"),            # the shared check, per notebook
    ({"k": "five"}, "2026-10-31", "whole number"),                    # the type, from the parameters cell
    ({"chart_renderer": "gif"}, "2026-10-31", "chart_renderer"),
    ({"nope": "1"}, "2026-10-31", "unknown parameter 'nope'"),
    ({"metrics_path": "/tmp/x.json"}, "2026-10-31", "set by the runner"),
])
def test_validate_parameters_refuses_bad_values(fx_notebooks, overrides, as_of, message):
    req = RunRequest(notebooks=[nb.path for nb in fx_notebooks], as_of=as_of, overrides=overrides,
                     from_cli={n: True for n in overrides})
    with pytest.raises(ParameterError, match=message):
        validate_parameters(fx_notebooks, req)


def test_store_info_of_a_kit_store(tmp_path):
    db = tmp_path / "store.duckdb"
    build_fixture_store(db)
    info = read_store_info(db)
    assert info["policy_versions"] == [{
        "policy_id": "fixture/2022-05-25", "title": "Fixture Privacy Policy", "version": "2022-05-25",
        "effective_date": "2022-05-25", "source_file": "source.html", "source_sha256": "a" * 64,
        "spec_file": "policy.yaml", "spec_sha256": "b" * 64}]
    assert [(i["table_name"], i["source_file"], i["rows_quarantined"]) for i in info["inputs"]] == [
        ("accounts", "sample/accounts.parquet", 0), ("records", "sample/records.parquet", 0)]
    assert info["inputs"][0]["loaded_at"] == "2026-10-31T00:00:00+00:00"   # JSON-ready text
    assert policy_label(info) == "fixture/2022-05-25 (Fixture Privacy Policy, version 2022-05-25)"


def test_store_without_policy_versions_is_reported_as_unknown_policy(tmp_path):
    db = tmp_path / "bare.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE accounts (account_id VARCHAR)")   # neither policy_versions nor load_log
    con.close()
    info = read_store_info(db)
    assert info == {"policy_versions": [], "inputs": []}
    assert policy_label(info) == "unknown (no policy_versions row in the store)"


def test_store_with_an_older_policy_versions_table_says_rebuild(tmp_path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE policy_versions (policy_id VARCHAR, title VARCHAR)")
    con.close()
    with pytest.raises(UserError, match=r"policy_versions table without the columns .*\"version\" not found.*compliance-kit build"):
        read_store_info(db)


def test_a_file_that_is_not_a_store_is_a_user_error(tmp_path):
    db = tmp_path / "not-a-store.duckdb"
    db.write_text("this is not a DuckDB file\n" * 100)
    with pytest.raises(UserError, match="cannot open the store .* read-only"):
        read_store_info(db)

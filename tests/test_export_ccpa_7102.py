"""`compliance-kit export ccpa-7102`: the 11 CCR 7102(a) figures of a calendar year equal
the request notebook's 7102 table (rq.ccpa_7102 over the requests prepared for that year),
totals unsuppressed, every value escaped."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance_kit import engines
from compliance_kit.analysis import requests as rq
from compliance_kit.cli import cli
from compliance_kit.exports import ccpa_7102
from compliance_kit.store import connect
from conftest_exports import AS_OF, export_store  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2025
SUMMED = ("received", "complied_in_whole_or_part", "denied", "open")


@pytest.fixture(scope="module")
def con(export_store):
    con = connect(export_store, read_only=True)
    yield con
    con.close()


def notebook_table(con, year, scope="US-CA"):
    """The notebook's 7102 table for requests received in `year` (its prepare call with that
    window, then its cell `rq.ccpa_7102(requests, scope="US-CA")`)."""
    requests = rq.prepare(engines.get("duckdb", con), as_of=AS_OF, window_start=f"{year}-01-01",
                          window_end=f"{year}-12-31")
    return rq.ccpa_7102(requests, scope=scope)


def test_the_notebook_shows_the_table_of_rq_ccpa_7102():
    nb = json.loads((ROOT / "notebooks" / "request_turnaround.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any('rq.ccpa_7102(requests, scope="US-CA")' in s for s in sources)


@pytest.mark.parametrize("consumers, scope", [("california", "US-CA"), ("all", "GLOBAL")])
def test_export_equals_the_notebooks_table_for_the_same_year(con, consumers, scope):
    table = notebook_table(con, YEAR, scope)
    assert table.height, "the sample has requests in the year"
    got = {r["category"]: r for r in ccpa_7102.disclosure(con, YEAR, consumers, AS_OF).table.iter_rows(named=True)}
    assert list(got) == [c for c, _ in ccpa_7102.CATEGORIES]
    rows = table.to_dicts()
    assert {r["ccpa_category"] for r in rows} <= set(got) | {"other"}
    for category, exported in got.items():
        types = [r for r in rows if r["ccpa_category"] == category]
        for column in SUMMED:
            assert exported[column] == sum(r[column] for r in types), (category, column)
        if len(types) == 1:      # one request type: the same statistics, to the digit
            assert exported["median_days"] == types[0]["median_days"]
            assert exported["mean_days"] == types[0]["mean_days"]
        elif not types:
            assert exported["received"] == 0 and exported["median_days"] is None


def test_small_counts_are_disclosed_not_suppressed_and_the_note_says_why(con):
    d = ccpa_7102.disclosure(con, YEAR, "california", AS_OF)
    html = ccpa_7102.to_html(d)
    assert "Small-cell suppression does not apply" in html
    small = [v for v in d.table["received"].to_list() if 1 <= v < 5]
    for v in small:
        assert f"<td>{v}</td>" in html
    assert "hidden" not in html and "&lt;5" not in html
    assert not html.lstrip().startswith("<!doctype") and "<html" not in html


def test_every_value_is_escaped(con, monkeypatch):
    monkeypatch.setattr(ccpa_7102, "CATEGORIES", (("know", "<script>alert(1)</script>"),))
    html = ccpa_7102.to_html(ccpa_7102.disclosure(con, YEAR, "california", AS_OF))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_default_year_is_the_previous_calendar_year(export_store, tmp_path):
    assert ccpa_7102.default_year("2026-10-31") == 2025
    result = CliRunner().invoke(cli, ["export", "ccpa-7102", "--db", str(export_store), "--as-of", AS_OF,
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with (tmp_path / "ccpa-7102-2025-california.csv").open(encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    assert [line["category"] for line in lines] == [c for c, _ in ccpa_7102.CATEGORIES]
    assert (tmp_path / "ccpa-7102-2025-california.html").exists()


def test_a_future_year_is_a_clear_error(export_store, tmp_path):
    result = CliRunner().invoke(cli, ["export", "ccpa-7102", "--db", str(export_store), "--as-of", AS_OF,
                                      "--year", "2030", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "after the as-of day" in str(result.exception)

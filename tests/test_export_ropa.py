"""`compliance-kit export ropa`: the Art. 30(1) sheets with each row's quote as a cell note
(XLSX) or provenance columns (CSV, HTML), and the Observed sheet from the analyses' own
functions, protected with k."""

from __future__ import annotations

import csv
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from compliance_kit import engines
from compliance_kit.analysis import requests as rq
from compliance_kit.analysis import retention
from compliance_kit.cli import cli
from compliance_kit.exports.sheets import Provenance, Sheet, write_html
from compliance_kit.figures import shown_figure
from compliance_kit.store import connect
from conftest_exports import AS_OF, export_store  # noqa: F401

SHEETS = ["Controllers", "Purposes", "Data categories", "Data subjects", "Recipients", "Transfers",
          "Retention", "Security", "Observed"]
K = 5


def _export(db, out, *extra):
    result = CliRunner().invoke(cli, ["export", "ropa", "--out", str(out), "--db", str(db),
                                      "--as-of", AS_OF, "-k", str(K), *extra])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def workbook(export_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("ropa") / "ropa.xlsx"
    return load_workbook(_export(export_store, out))


def _data_rows(ws):
    header = [c.value for c in ws[2]]
    return header, [row for row in ws.iter_rows(min_row=3)]


def test_the_workbook_has_every_art_30_sheet_and_the_observed_sheet(workbook):
    assert workbook.sheetnames == SHEETS


def test_every_cell_of_every_sheet_carries_a_note(workbook):
    for ws in workbook.worksheets:
        header, rows = _data_rows(ws)
        assert rows, ws.title if ws.title != "Security" else "no encrypted transfer declared"
        for row in rows:
            for cell in row[:len(header)]:
                assert cell.comment is not None and cell.comment.text.strip(), (ws.title, cell.coordinate)


def test_controllers_carry_the_contact_information_quote_from_the_store(workbook, export_store):
    con = connect(export_store, read_only=True)
    expected = {(r[0], r[1]): r[2] for r in con.sql(
        "SELECT scope, entity, source_quote FROM data_controllers").fetchall()}
    con.close()
    header, rows = _data_rows(workbook["Controllers"])
    assert header == ["scope", "controller", "address / contact"]
    got = {(row[0].value, row[1].value): row[1].comment.text for row in rows}
    assert set(got) == set(expected)
    for key, quote in expected.items():
        assert f"\u201c{quote}\u201d" in got[key]
        assert "Source: Contact Information" in got[key]


def test_retention_periods_are_the_stores_with_their_quotes(workbook, export_store):
    con = connect(export_store, read_only=True)
    expected = {r[0]: (r[1], r[2]) for r in con.sql(
        "SELECT rule_id, max_delay, source_quote FROM retention_rules").fetchall()}
    con.close()
    header, rows = _data_rows(workbook["Retention"])
    limit = header.index("time limit (ISO 8601)")
    got = {row[0].value: (row[limit].value, row[limit].comment.text) for row in rows}
    assert set(got) == set(expected)
    for rule_id, (delay, quote) in expected.items():
        assert got[rule_id][0] == delay
        assert quote in got[rule_id][1]


def test_transfers_name_third_countries_and_safeguards(workbook):
    header, rows = _data_rows(workbook["Transfers"])
    by_flow = {row[0].value: {h: c.value for h, c in zip(header, row)} for row in rows}
    assert by_flow["eea_cn_scc"]["third country"] == "yes"
    assert by_flow["eea_cn_scc"]["safeguard"] == "scc"
    assert by_flow["sg_sg_scc"]["third country"] == "no"      # Singapore to Singapore
    assert by_flow["jp_consent"]["third country"] == "any country"
    assert by_flow["kr_adyen_sg"]["encryption promised"] == "yes"


def test_observed_sheet_reuses_the_analyses_figures(workbook, export_store):
    con = connect(export_store, read_only=True)
    engine = engines.of(con)
    lag = {r["category"]: r for r in
           retention.lag_percentile_table(retention.evaluate(engine, AS_OF), K).iter_rows(named=True)}
    figures = rq.headline(rq.prepare(engine, AS_OF))
    con.close()
    header, rows = _data_rows(workbook["Observed"])
    observed = [{h: c.value for h, c in zip(header, row)} for row in rows]
    erasure = {r["subject"]: r for r in observed if r["measure"] == "erasure achieved"}
    assert set(erasure) == set(lag)
    for category, r in lag.items():
        assert erasure[category]["count"] == f"{r['erased']} records erased"
        if r["p95"] is not None:
            assert erasure[category]["figure"] == f"p95 lag = {r['p95']:.2f} x the allowed delay"
    (answered,) = [r for r in observed if r["measure"] == "requests answered in time"]
    assert answered["figure"] == f"{shown_figure('requests', 'performance_pct', figures, K).text} answered in time"
    flows_seen = [r for r in observed if r["measure"] == "flow seen"]
    assert any(r["declared"].startswith("yes") for r in flows_seen)
    assert any(r["declared"].startswith("no:") for r in flows_seen)


def test_observed_sheet_shows_no_count_below_k(workbook):
    header, rows = _data_rows(workbook["Observed"])
    for row in rows:
        for column in ("count", "figure"):
            text = str(row[header.index(column)].value or "")
            for number in re.findall(r"(?<![\d.])(\d+)(?![\d.%])", text):
                assert not (1 <= int(number) < K), (column, text)


def test_csv_has_a_provenance_column_on_every_line(export_store, tmp_path):
    out = _export(export_store, tmp_path / "ropa.csv")
    with out.open(encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    assert {line["sheet"] for line in lines} == set(SHEETS)
    for line in lines:
        if line["sheet"] == "Observed":
            assert line["observed"], line
        else:
            assert line["source_quote"], line


def test_html_has_a_provenance_column_and_escapes_every_value(export_store, tmp_path):
    out = _export(export_store, tmp_path / "ropa.html")
    text = out.read_text(encoding="utf-8")
    assert text.count("<th>provenance</th>") == len(SHEETS)
    sheet = Sheet("x<y", ["a"], note="<b>note</b>")
    sheet.add(["<script>alert(1)</script>"], Provenance(section="S", quote='"><img src=x onerror=alert(1)>'))
    write_html([sheet], tmp_path / "x.html", "t")
    html = (tmp_path / "x.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<img" not in html and "<b>note" not in html
    assert "&lt;script&gt;" in html


def test_a_missing_store_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["export", "ropa", "--out", str(tmp_path / "r.xlsx"),
                                      "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code != 0
    assert "build it first" in str(result.exception) + result.output


def test_recipients_say_which_are_in_third_countries(workbook):
    header, rows = _data_rows(workbook["Recipients"])
    recipients = [{h: c.value for h, c in zip(header, row)} for row in rows]
    (adyen,) = [r for r in recipients if r["recipient"] == "adyen_sg" and r["role"] == "transfer recipient"]
    assert (adyen["declared for"], adyen["destination country"], adyen["third country"]) == ("KR", "SG", "yes")
    assert {r["recipient"] for r in recipients if r["role"] == "processor"} >= {"adyen_sg", "third_party_resellers"}

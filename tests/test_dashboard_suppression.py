"""The new elements of the dashboards follow the suppression rule end to end: a narrow
scope (two small jurisdictions) with k=20, through the runner. No count from 1 to 19 in a
headline card, in a chart spec embedded for the interactive charts (the data behind every
tooltip), or in a table's "other" row."""

from __future__ import annotations

import html
import json
import re

from compliance_kit.figures import figure

from conftest_reports import NARROW_K, narrow_run  # noqa: F401 - the shared fixture

K = NARROW_K
# fields of chart data that count records, requests or transfers
COUNT_FIELDS = {"n", "records", "erased", "requests", "transfers", "overdue", "received", "count",
                "responded_in_time", "open", "completed"}


def small(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"(?<![\w.,\-:<])(\d{1,2})(?![\w.,%\-:])", text) if 0 < int(n) < K]


def specs(page: str) -> list[dict]:
    return [json.loads(s) for s in re.findall(r'<div class="ck-vega"><script type="application/json">(.*?)</script>',
                                              page, re.S)]


def test_cards_show_no_small_count(narrow_run):
    pages = {p.stem: p.read_text(encoding="utf-8") for p in narrow_run[1].glob("*.html") if p.name != "index.html"}
    assert {"retention_compliance", "request_turnaround", "data_flows"} <= set(pages)
    checked = 0
    for name, page in pages.items():
        for key, value in re.findall(r'<div class="card [^"]*"[^>]*data-key="([^"]+)"[^>]*>.*?'
                                     r'<p class="card-value">(.*?)</p>', page, re.S):
            section, figure_name = key.split(".", 1)
            if figure(section, figure_name).kind == "rules":  # counts of policy rules, not people
                continue
            checked += 1
            assert not small(html.unescape(value)), (name, key, value)
    assert checked >= 9


def test_chart_data_in_the_page_holds_no_small_count(narrow_run):
    checked = 0
    for path in sorted(narrow_run[1].glob("*.html")):
        for spec in specs(path.read_text(encoding="utf-8")):
            for rows in (spec.get("datasets") or {}).values():
                for row in rows:
                    for field, value in row.items():
                        if field in COUNT_FIELDS and isinstance(value, (int, float)) and not isinstance(value, bool):
                            checked += 1
                            assert not (0 < value < K), (path.name, field, value, row)
    assert checked, "the narrow scope still draws some chart"


def test_collapsed_rows_keep_the_suppression_label(narrow_run):
    for path in sorted(narrow_run[1].glob("*.html")):
        page = path.read_text(encoding="utf-8")
        for row in re.findall(r'<tr class="ck-other">(.*?)</tr>', page, re.S):
            cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            assert cells[0].startswith("other ("), cells
            assert all(c in ("", "hidden", f"<{K}") for c in cells[1:]), cells

"""End to end, through the runner: a narrow scope (two small jurisdictions) with k=20 shows
no count from 1 to 19 in any headline position of any dashboard, on the index (figures,
trend values and tooltips), or as a case list."""

from __future__ import annotations

import re

from conftest_reports import NARROW_K, narrow_run  # noqa: F401 - the shared fixture

K = NARROW_K


def small_numbers(text: str) -> list[int]:
    """Whole numbers from 1 to K-1 standing alone in a value ("7", "1,2" is not one)."""
    return [int(n) for n in re.findall(r"(?<![\w.,\-:])(\d{1,2})(?![\w.,%\-:])", text) if 0 < int(n) < K]


def headline_values(page: str) -> list[str]:
    """The value column of every (figure, value, note) headline table of a dashboard."""
    values = []
    for table in re.findall(r'<table class="ck-table">(.*?)</table>', page, re.S):
        head = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table)
        if head[:2] != ["figure", "value"]:
            continue
        for row in re.findall(r"<tr(?:\s[^>]*)?>(.*?)</tr>", table, re.S)[1:]:
            cells = re.findall(r"<td(?:\s[^>]*)?>(.*?)</td>", row, re.S)
            values.append(cells[1])
    return values


def test_every_dashboard_has_a_headline_with_no_small_count(narrow_run):
    _, run = narrow_run
    pages = {p.stem: p.read_text(encoding="utf-8") for p in run.glob("*.html")}
    assert set(pages) >= {"retention_compliance", "request_turnaround", "data_flows"}
    hidden_somewhere = False
    for name in ("retention_compliance", "request_turnaround", "data_flows"):
        values = headline_values(pages[name])
        assert values, f"{name}: no headline table"
        for value in values:
            if value.endswith("days") or value.endswith("%") or value.endswith("B"):
                continue  # a median or a share over >= k, or a volume
            assert not small_numbers(value), f"{name}: headline value {value!r}"
        hidden_somewhere |= any(v in ("&lt;20", "hidden") for v in values)
    assert hidden_somewhere, "the narrow scope does hold small counts: the test must see them hidden"


def test_no_case_list_is_shown_for_the_narrow_scope(narrow_run):
    _, run = narrow_run
    for page in run.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "pseudonym</th>" not in text, f"{page.name} lists single cases"
    retention = (run / "retention_compliance.html").read_text(encoding="utf-8")
    assert "no list is shown" in retention


def people_sections(index: str) -> str:
    """The index without the policy's figures (counts of rules, not of people: never
    suppressed, docs/sharing.md)."""
    index = re.sub(r'<div class="figs"><span class="sec">policy</span>.*?</div>', "", index, flags=re.S)
    return re.sub(r"<section><h3>policy</h3>.*?</section>", "", index, flags=re.S)


def test_the_index_shows_no_small_count(narrow_run):
    out, _ = narrow_run
    index = people_sections((out / "index.html").read_text(encoding="utf-8"))
    figures = re.findall(r'<span class="fig"[^>]*>.*?<b>(.*?)</b></span>', index, re.S)
    assert len(figures) >= 15
    latest = re.findall(r'<td class="num"[^>]*>(.*?)</td>', index)
    tooltips = re.findall(r"<title>(.*?)</title>", index)
    for value in figures + latest + tooltips:
        if value.endswith("days") or value.endswith("%") or value.endswith("B"):
            continue
        assert not small_numbers(value), value
    assert "&lt;20" in index or "hidden" in index


def test_the_checker_sees_a_small_count():
    assert small_numbers("7") == [7] and small_numbers("&lt;20") == [] and small_numbers("1,234") == []
    assert headline_values('<table class="ck-table"><thead><tr><th>figure</th><th>value</th></tr>'
                           '</thead><tbody><tr><td>a</td><td>7</td></tr></tbody></table>') == ["7"]

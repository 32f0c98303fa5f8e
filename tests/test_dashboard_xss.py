"""The new elements of a dashboard keep hostile values inert: the chart spec embedded for
the interactive chart, its tooltip, the navigation, the header in words and the tables'
<details>. Opened in Chromium with the network blocked: no dialog, no error, the page
whole after the chart."""

from __future__ import annotations

import altair as alt
import nbformat
import polars as pl
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from compliance_kit import charts
from compliance_kit.reports.html import export_html
from compliance_kit.tables import show

from conftest_browser import browser, offline_page  # noqa: F401

PAYLOADS = [
    "<!--<script>",
    "</script><img src=x onerror=alert(1)>",
    "<svg onload=alert(2)>",
    "x&amp;<b>bold</b>",
]


def _notebook() -> nbformat.NotebookNode:
    charts.setup("svg")
    data = [{"category": p, "n": 10 + i} for i, p in enumerate(PAYLOADS)]
    chart = (alt.Chart(alt.Data(values=data)).mark_bar()
             .encode(y="category:N", x="n:Q", tooltip=["category:N", "n:Q"]))
    bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert charts.SPEC_MIME in bundle and "image/svg+xml" in bundle
    table = show(pl.DataFrame({"source_quote": [" ".join(PAYLOADS) * 5], "tags": [PAYLOADS * 2]}))._repr_html_()
    cell = new_code_cell("chart")
    cell.outputs = [new_output("display_data", data=bundle)]
    tcell = new_code_cell("table")
    tcell.outputs = [new_output("display_data", data={"text/html": table, "text/plain": "table"})]
    nb = new_notebook(cells=[new_markdown_cell("# Hostile"), cell, tcell, new_markdown_cell("## The end\n\nafter the chart")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def test_hostile_values_stay_text_in_every_new_element(browser, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    page_path = export_html(_notebook(), run / "hostile.html", {
        "title": "<img src=x onerror=alert(3)>", "as_of": "2026-10-31", "run_id": "r1", "run_date": "d",
        "policy": "<script>alert(4)</script>", "status": "ok",
        "effective": {"as_of": "2026-10-31", "jurisdictions": ["<b>EEA</b>"], "k": 5},
        "notebook": "hostile", "siblings": ["hostile", "<script>x</script>"]})
    text = page_path.read_text(encoding="utf-8")
    assert "<img src=x" not in text and "<svg onload" not in text and "<b>bold</b>" not in text
    assert "<!--<script>" not in text and "<script>alert" not in text
    (run / "index.html").write_text("<p>overview</p>")
    offline = offline_page(browser)
    try:
        page = offline.open(page_path)
        page.wait_for_selector(".ck-vega-live svg", timeout=20000)
        assert page.locator(".ck-vega-fallback").count() == 0
        assert "after the chart" in page.inner_text("main"), "the page continues after the chart"
        bar = page.locator(".ck-vega-live svg g.mark-rect path[role='graphics-symbol']").first
        box = bar.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = page.locator("#vg-tooltip-element.visible")
        tooltip.wait_for(timeout=5000)
        assert any(p in tooltip.inner_text() for p in PAYLOADS), "the payload shows as text"
        assert tooltip.locator("img, svg, script, b").count() == 0
        page.locator("details.ck-quote summary").first.click()
        assert not offline.dialogs, offline.dialogs
        assert not offline.errors, offline.errors
        assert not offline.blocked, offline.blocked
        assert page.locator("main img, main script:not([type]), main b").count() == 0
        assert "<b>EEA</b>" in page.inner_text("header.ck-header")
    finally:
        offline.close()

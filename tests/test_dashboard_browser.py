"""The dashboards in a real browser with the network blocked: Debian's chromium
(installed by `make test`) driven by Playwright. Every request that is not file:// is
aborted and recorded; the index and each report must render their charts (an <svg>
with marks) with no console error and no blocked request."""

import shutil
from pathlib import Path

import pytest

from conftest_browser import browser, offline_page  # noqa: F401
from conftest_reports import VEGA, fixture_run, fixture_store, run_cli, run_dirs  # noqa: F401

def open_offline(browser, path: Path):
    """Open `path` with every non-file:// request aborted; return (page, context, console
    and page errors, blocked URLs)."""
    offline = offline_page(browser)
    page = offline.open(path)
    return page, offline.context, offline.errors, offline.blocked


def _svg_with_marks(page, selector):
    """For each element matching `selector`: the number of drawn marks (path, rect,
    circle, line, text) in its svg."""
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const s = e.tagName.toLowerCase() === 'svg' ? e : e.querySelector('svg');"
        " if (!s) return 0; const b = s.getBBox(); if (b.width < 5 || b.height < 5) return 0;"
        " return s.querySelectorAll('path, rect, circle, line, text').length; })",
    )


def test_index_renders_offline(browser, fixture_run):
    out, run, _, _ = fixture_run
    page, context, errors, blocked = open_offline(browser, out / "index.html")
    try:
        marks = _svg_with_marks(page, "svg.sparkline")
        # one run: a dot per figure (a line needs two runs); a hidden figure draws nothing
        assert len(marks) >= 5 and all(n >= 1 for n in marks), marks
        links = page.eval_on_selector_all("table.runs a", "as => as.map(a => a.getAttribute('href'))")
        assert f"{run.name}/fx_counts.html" in links
        assert not errors, errors
        assert not blocked, blocked
    finally:
        context.close()


@pytest.mark.parametrize("name, charts", [("fx_counts", 1), ("fx_accounts", 1)])
def test_report_renders_offline(browser, fixture_run, name, charts):
    _, run, _, _ = fixture_run
    page, context, errors, blocked = open_offline(browser, run / f"{name}.html")
    try:
        # the interactive chart replaces its static SVG fallback
        page.wait_for_function(f"document.querySelectorAll('div.ck-vega-live svg').length === {charts}",
                               timeout=15000)
        marks = _svg_with_marks(page, "div.ck-vega-live")
        assert len(marks) == charts and all(n >= 3 for n in marks), marks
        assert not page.locator(".ck-vega-fallback").count(), "the fallback goes once the chart is drawn"
        assert page.inner_text("header.ck-header h1")
        assert page.locator("table").count() >= 2, "the header table and the report's tables"
        assert not page.locator(".jp-CodeCell .jp-InputArea, .highlight-ipython3").count(), "code cells must be hidden"
        assert not errors, errors
        assert not blocked, blocked
    finally:
        context.close()


def test_vega_bundle_page_renders_offline(browser, fixture_store, tmp_path):
    db, _ = fixture_store
    out = tmp_path / "r"
    proc = run_cli("run", "--all", "--notebooks", VEGA, "--as-of", "2026-10-31", "--db", db, "--out", out)
    assert proc.returncode == 0, proc.stderr
    (run,) = run_dirs(out)
    page, context, errors, blocked = open_offline(browser, run / "fx_vega.html")
    try:
        page.wait_for_selector("div.ck-vega svg", timeout=15000)
        page.wait_for_function("document.querySelectorAll('div.ck-vega svg').length === 2", timeout=15000)
        marks = _svg_with_marks(page, "div.ck-vega")
        assert len(marks) == 2 and all(n >= 3 for n in marks), marks
        assert not errors, errors
        assert not blocked, blocked
    finally:
        context.close()


def test_blocking_works(browser, tmp_path):
    """The harness does see a page that reaches for the network."""
    page_path = tmp_path / "cdn.html"
    page_path.write_text('<html><head><script src="https://cdn.jsdelivr.net/npm/vega@5"></script></head>'
                         "<body>x</body></html>")
    page, context, errors, blocked = open_offline(browser, page_path)
    context.close()
    assert blocked == ["https://cdn.jsdelivr.net/npm/vega@5"]

"""Every dashboard of the demo, as a reader sees it, in Debian's Chromium with the network
blocked (tests/conftest_browser.py), at 1400 px (a laptop) and 390 px (a phone):

- the main column never scrolls sideways, and at 1400 px no table is wider than it;
- no console error, nothing fetched;
- the header's links (run overview, sibling dashboards, all runs) resolve to files;
- the title and <title> read "<analysis> — as of <date>", the cards sit at the top, the
  parameters read in words;
- hovering over a bar shows its tooltip with the exact value;
- each page is at most 2.5 MB; no raw metric key or ISO duration on the page; an empty
  table is a sentence.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest_browser import browser, offline_page  # noqa: F401
from conftest_reports import ROOT, run_cli, run_dirs

STORE = ROOT / "data" / "compliance.duckdb"
DASHBOARDS = {
    "retention_compliance": "Retention compliance",
    "request_turnaround": "Request turnaround",
    "data_flows": "Data flows",
    "policy_overview": "Policy overview",
}
WIDTHS = (1400, 390)
MAX_PAGE_BYTES = 2_500_000
RAW_KEYS = ("performance_pct", "share_declared_bytes", "share_declared_records", "overdue_rate",
            "max_achievable_pct", "km_median_days", "naive_median_days")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not STORE.exists():
        pytest.fail(f"{STORE} is missing: `make store` builds it from the synthetic sample")
    out = tmp_path_factory.mktemp("pages") / "reports"
    proc = run_cli("demo", "--db", STORE, "--out", out, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run,) = run_dirs(out)
    return out, run


def _page(browser, path: Path, width: int):
    offline = offline_page(browser)
    offline.page.set_viewport_size({"width": width, "height": 900})
    page = offline.open(path, settle_ms=300)
    # the interactive charts replace their SVG fallback once the Vega bundle has run
    page.wait_for_function("document.querySelectorAll('.ck-vega-fallback').length === 0", timeout=20000)
    return offline, page


@pytest.mark.parametrize("name", DASHBOARDS)
def test_page_size_and_no_raw_keys(demo, name):
    _, run = demo
    path = run / f"{name}.html"
    assert path.stat().st_size <= MAX_PAGE_BYTES, f"{name}: {path.stat().st_size:,} bytes"
    text = path.read_text(encoding="utf-8")
    assert text.count('<script type="module">') == 1, "one Vega bundle per page"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", DASHBOARDS)
def test_no_sideways_scroll_no_errors_links_resolve(browser, demo, name, width):
    out, run = demo
    offline, page = _page(browser, run / f"{name}.html", width)
    try:
        assert not offline.errors, offline.errors
        assert not offline.blocked, offline.blocked
        scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll[0] <= scroll[1], f"{name} at {width} px scrolls sideways: {scroll}"
        if width == 1400:
            main = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
            wide = page.evaluate(
                "(w) => [...document.querySelectorAll('main table')].filter(t => t.offsetParent !== null"
                " && t.getBoundingClientRect().width > w + 1).map(t => t.textContent.slice(0, 60))", main)
            assert not wide, f"{name}: tables wider than the {main:.0f} px column: {wide}"
        hrefs = page.eval_on_selector_all("header.ck-header nav a", "as => as.map(a => a.getAttribute('href'))")
        assert "index.html" in hrefs and "../index.html" in hrefs
        assert {f"{n}.html" for n in DASHBOARDS if n != name} <= set(hrefs)
        for href in hrefs:
            target = (run / unquote(urlsplit(href).path)).resolve()
            assert target.is_file(), f"{name}: the link {href} does not resolve"
            assert target.is_relative_to(out.resolve())
        assert page.locator("header.ck-header .ck-current").inner_text() == DASHBOARDS[name]
    finally:
        offline.close()


@pytest.mark.parametrize("name", DASHBOARDS)
def test_the_policy_version_stays_on_one_line(browser, demo, name):
    """At 360 px Chromium broke the header's "2022-05-25" at a hyphen."""
    _, run = demo
    offline, page = _page(browser, run / f"{name}.html", 360)
    try:
        dates = page.eval_on_selector_all(
            "header.ck-header .ck-date", "els => els.map(e => [e.textContent, e.getClientRects().length])")
        assert [text for text, _ in dates].count("2022-05-25") == 2, dates
        assert all(lines == 1 for _, lines in dates), dates
    finally:
        offline.close()


@pytest.mark.parametrize("name", DASHBOARDS)
def test_title_cards_and_parameters_in_words(browser, demo, name):
    _, run = demo
    offline, page = _page(browser, run / f"{name}.html", 1400)
    try:
        want = f"{DASHBOARDS[name]} — as of 31 October 2026"
        assert page.title().startswith(DASHBOARDS[name]) and page.title().endswith("— as of 31 October 2026")
        h1 = page.inner_text("header.ck-header h1")
        assert h1 == page.title(), (h1, page.title())
        if name != "data_flows":
            assert h1 == want
        header = page.inner_text("header.ck-header")
        for raw in ("None", "=", "['", "P30D", "PT24H", "spark_url", "chart_renderer"):
            assert raw not in header, f"{name}: {raw!r} in the header"
        if name != "policy_overview":
            assert "all jurisdictions" in header or "all source jurisdictions" in header
        # the cards come first: inside the header, before the report's first section
        cards = page.locator("header.ck-header .ck-cards .card")
        assert cards.count() >= 3, f"{name}: {cards.count()} cards"
        classes = cards.evaluate_all("cs => cs.map(c => c.className)")
        assert all(re.search(r"\bstatus-(good|warn|bad|none)\b", c) for c in classes), classes
        body = page.inner_text("main")
        for key in RAW_KEYS:
            assert key not in body, f"{name}: raw key {key} on the page"
        assert not re.search(r"\bP\d+[DMYW]\b|\bPT\d+H\b", body), f"{name}: an ISO duration on the page"
    finally:
        offline.close()


@pytest.mark.parametrize("name", ["retention_compliance", "request_turnaround", "data_flows", "policy_overview"])
def test_hovering_a_bar_shows_its_exact_value(browser, demo, name):
    _, run = demo
    offline, page = _page(browser, run / f"{name}.html", 1400)
    try:
        bars = page.locator(".ck-vega-live svg g.mark-rect path[role='graphics-symbol']")
        assert bars.count() > 0, f"{name}: no bar"
        # the widest bar: a 0-length one cannot be hovered
        widths = bars.evaluate_all("ps => ps.map(p => p.getBBox().width * p.getBBox().height)")
        bar = bars.nth(max(range(len(widths)), key=widths.__getitem__))
        bar.scroll_into_view_if_needed()
        label = bar.get_attribute("aria-label")
        box = bar.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = page.locator("#vg-tooltip-element.visible")
        tooltip.wait_for(timeout=5000)
        text = tooltip.inner_text()
        # every number of the mark's accessible label is in the tooltip, exactly
        numbers = [n.replace(",", "") for n in re.findall(r":\s*(-?[\d,]+(?:\.\d+)?)(?:;|$)", label)]
        assert numbers, label
        shown = text.replace(",", "")
        assert any(n in shown for n in numbers), (label, text)
        assert not offline.errors, offline.errors
    finally:
        offline.close()


def test_an_empty_table_is_a_sentence(demo):
    _, run = demo
    text = (run / "request_turnaround.html").read_text(encoding="utf-8")
    section = text.split("Requests without a fixed deadline", 1)[1]
    following = section.split("<h2", 1)[0]
    if "<table" in following:  # the sample data has such requests: the table has rows
        assert re.search(r"<tbody><tr", following)
    else:
        assert "No request in scope fell under a rule without a fixed deadline." in following

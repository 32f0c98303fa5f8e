"""Every generated page works with no network: no script, stylesheet or image fetched
from http(s) (nbconvert's require.js / MathJax CDNs and Altair's Vega CDN are avoided),
and a Vega-Lite mimetype output gets ONE inline Vega bundle per page, not one per chart."""

import re

import pytest

from compliance_kit.reports.html import external_references

from conftest_reports import VEGA, fixture_run, fixture_store, run_cli, run_dirs  # noqa: F401

FETCHING = re.compile(r"""<(script|link|img|iframe|source|embed|object)\b[^>]*\b(src|href|data)\s*=\s*["']?\s*(https?:)?//""",
                      re.I)


def _no_network(path):
    text = path.read_text(encoding="utf-8")
    assert not FETCHING.search(text), f"{path.name}: {FETCHING.search(text).group(0)}"
    assert not external_references(text)
    assert "cdn.jsdelivr" not in text and "require.min.js" not in text and "MathJax.js" not in text
    assert not re.search(r"<script[^>]+src=", text), f"{path.name}: a <script src> remains"
    return text


def test_reports_and_index_fetch_nothing(fixture_run):
    out, run, _, _ = fixture_run
    pages = sorted(out.rglob("*.html"))
    names = {p.relative_to(out).as_posix() for p in pages}
    assert {"index.html", f"{run.name}/fx_accounts.html", f"{run.name}/fx_counts.html"} <= names, names
    for page in pages:
        _no_network(page)


def test_charts_are_inline_svg_with_one_bundle_for_tooltips(fixture_run):
    """The static SVG stays in the page (the fallback without script); the chart's spec
    beside it is drawn interactively by one inline Vega bundle per page."""
    _, run, _, _ = fixture_run
    for name in ("fx_counts", "fx_accounts"):
        text = (run / f"{name}.html").read_text()
        assert re.search(r'<div class="ck-vega"><script type="application/json">.*?</script>'
                         r'<div class="ck-vega-fallback[^"]*" data-mime-type="image/svg\+xml">\s*<svg', text, re.S), name
        assert text.count('<script type="module">') == 1, "one bundle per page"
        assert text.count("chart failed to render") == 1, "the embed snippet appears once per page"


def test_scanner_catches_cdn_tags():
    assert external_references('<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>')
    assert external_references("<link rel=stylesheet href='//fonts.example.com/x.css'>")
    assert external_references('<img src="http://example.com/a.png">')
    assert not external_references('<a href="https://example.com">a link is not a fetch</a>')


@pytest.fixture(scope="module")
def vega_run(tmp_path_factory, fixture_store):
    db, _ = fixture_store
    out = tmp_path_factory.mktemp("vega")
    proc = run_cli("run", "--all", "--notebooks", VEGA, "--as-of", "2026-10-31", "--db", db, "--out", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run,) = run_dirs(out)
    return out, run


def test_vega_mimetype_gets_one_inline_bundle(vega_run):
    _, run = vega_run
    text = _no_network(run / "fx_vega.html")
    assert text.count('class="ck-vega"') == 2, "two charts"
    assert text.count('<script type="module">') == 1, "one bundle per page"
    assert text.count("chart failed to render") == 1, "the embed snippet appears once per page"
    assert 300_000 < len(text) < 3_000_000, "the bundle is inlined once (about 1 MB), not per chart"

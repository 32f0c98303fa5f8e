"""The real report notebooks (notebooks/*.ipynb) run on the project's store with `demo`:
every notebook succeeds, every page is offline, every chart is SVG, and no raw
identifier from the store (account, record, request, transfer, event ids) appears in any
generated HTML. `make test` builds the store first."""

import json
import re

import pytest

from compliance_kit.reports.html import external_references

from conftest_reports import ROOT, run_cli, run_dirs

STORE = ROOT / "data" / "compliance.duckdb"
ID_COLUMNS = {"accounts": "account_id", "records": "record_id", "requests": "request_id",
              "transfers": "transfer_id", "events": "event_id"}
TOKEN = re.compile(r"[A-Za-z0-9_.:-]+")


def store_identifiers() -> set[str]:
    from compliance_kit.store import connect

    con = connect(STORE, read_only=True)
    try:
        ids = set()
        for table, column in ID_COLUMNS.items():
            ids |= {r[0] for r in con.sql(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall() if r[0]}
        ids |= {r[0] for r in con.sql("SELECT DISTINCT subject_id FROM events").fetchall() if r[0]}
        return ids
    finally:
        con.close()


def identifiers_in(text: str, ids: set[str]) -> set[str]:
    """Raw ids found in `text`: every token (split on anything but letters, digits and
    _ . : -) and each of its -/_/./: separated pieces is looked up in `ids`."""
    found = set()
    for token in set(TOKEN.findall(text)):
        if token in ids:
            found.add(token)
            continue
        parts = re.split(r"[_.:]", token)
        found |= {p for p in parts if p in ids}
    return found


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    if not STORE.exists():
        pytest.fail(f"{STORE} is missing: `make test` (or `make store`) builds it from the synthetic sample")
    out = tmp_path_factory.mktemp("demo")
    proc = run_cli("demo", "--db", STORE, "--out", out, timeout=900)
    return out, proc


def test_demo_runs_every_notebook_and_ends_with_the_index_path(demo_run):
    out, proc = demo_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == str((out / "index.html").resolve())
    (run,) = run_dirs(out)
    m = json.loads((run / "internal" / "manifest.json").read_text())
    names = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(n["name"] for n in m["notebooks"]) == names
    assert all(n["status"] == "ok" for n in m["notebooks"]), m["notebooks"]
    assert m["policy"] and m["inputs"], "policy version and input hashes come from the store"
    metrics = json.loads((run / "internal" / "metrics.json").read_text())
    assert metrics and all(isinstance(v, dict) and v for v in metrics.values())


def test_every_page_offline_with_svg_charts(demo_run):
    out, _ = demo_run
    (run,) = run_dirs(out)
    for page in sorted(run.glob("*.html")) + [out / "index.html"]:
        text = page.read_text(encoding="utf-8")
        assert not external_references(text), page.name
        assert not re.search(r"<script[^>]+src=", text), page.name
    for page in sorted(p for p in run.glob("*.html") if p.name != "index.html"):   # the run overview has no chart
        text = page.read_text(encoding="utf-8")
        assert re.search(r'data-mime-type="image/svg\+xml"[^>]*>\s*<svg', text), f"{page.name}: no SVG chart"


def test_no_raw_identifier_in_any_html(demo_run):
    out, _ = demo_run
    ids = store_identifiers()
    assert len(ids) > 100
    leaks = {}
    for page in sorted(out.rglob("*.html")):
        found = identifiers_in(page.read_text(encoding="utf-8"), ids)
        if found:
            leaks[page.name] = sorted(found)[:10]
    assert not leaks, f"raw identifiers in shared HTML: {leaks}"


def test_identifier_scan_finds_planted_ids():
    ids = {"acc-00001806", "rec-00000001-03"}
    assert identifiers_in("<td>acc-00001806</td>", ids) == {"acc-00001806"}
    assert identifiers_in('title="x:rec-00000001-03"', ids) == {"rec-00000001-03"}
    assert identifiers_in("<td>acc-000018060</td>", ids) == set()


def test_demo_metrics_are_the_committed_regression_figures(demo_run):
    """Figures don't move by accident: the demo sample's metrics.json (synth --accounts 2000
    --seed 7, as `make store` builds it; notebook defaults, as of 2026-10-31) equals the
    committed tests/fixtures/demo_metrics.json. Change that file only in a commit that says
    which rule changed and why."""
    out, proc = demo_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run,) = run_dirs(out)
    got = json.loads((run / "internal" / "metrics.json").read_text())
    expected = json.loads((ROOT / "tests" / "fixtures" / "demo_metrics.json").read_text())
    assert got == expected

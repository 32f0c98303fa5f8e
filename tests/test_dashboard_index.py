"""reports/index.html from run folders: newest first, headline figures, a trend per
figure in run order, hidden temp folders ignored, values escaped."""

import json
import re

from compliance_kit.figures import Shown
from compliance_kit.reports.index import load_runs, rebuild_index, sparkline


def _fake_run(out, run_id, start, metrics, exit_status=0):
    folder = out / run_id
    (folder / "internal").mkdir(parents=True)
    manifest = {"run_id": run_id, "start": start, "duration_seconds": 1.0, "exit_status": exit_status,
                "parameters": {"as_of": start[:10]},
                "notebooks": [{"name": "retention_compliance", "status": "ok", "html": "retention_compliance.html"}]}
    (folder / "internal" / "manifest.json").write_text(json.dumps(manifest))
    (folder / "internal" / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_newest_first_with_trends(tmp_path):
    _fake_run(tmp_path, "20260101T000000Z-aaaaaa", "2026-01-01T00:00:00+00:00", {"retention": {"overdue": 10}})
    _fake_run(tmp_path, "20260301T000000Z-cccccc", "2026-03-01T00:00:00+00:00", {"retention": {"overdue": 30}})
    _fake_run(tmp_path, "20260201T000000Z-bbbbbb", "2026-02-01T00:00:00+00:00",
              {"retention": {"overdue": 20}}, exit_status=4)
    half = tmp_path / ".tmp-20260401T000000Z-dddddd"
    half.mkdir()
    (half / "internal").mkdir()
    (half / "internal" / "manifest.json").write_text("{}")
    index = rebuild_index(tmp_path).read_text()
    order = re.findall(r'<tr id="run-([^"]+)"', index)
    assert order == ["20260301T000000Z-cccccc", "20260201T000000Z-bbbbbb", "20260101T000000Z-aaaaaa"]
    assert "dddddd" not in index
    spark = re.search(r'<svg class="sparkline"[^>]*aria-label="Records overdue for erasure".*?</svg>',
                      index, re.S).group(0)
    assert re.findall(r"<title>([^<]+)</title>", spark) == ["10", "20", "30"], "oldest to newest"
    assert "threshold breached" in index
    assert 'href="20260101T000000Z-aaaaaa/retention_compliance.html"' in index
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".index")] == []


def test_values_are_escaped(tmp_path):
    folder = _fake_run(tmp_path, "20260101T000000Z-aaaaaa", "2026-01-01T00:00:00+00:00",
                       {"flows": {"transfers": 50}, "x<script>alert(2)</script>": {"n": 10}})
    manifest_path = next(folder.rglob("manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    manifest["job"] = "<script>alert(1)</script>"
    manifest_path.write_text(json.dumps(manifest))
    index = rebuild_index(tmp_path).read_text()
    assert "<script>alert" not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index and "&lt;script&gt;alert(2)" in index


def _readable(index: str) -> str:
    """What a reader can see or hover: the page without its stylesheet, SVG geometry and
    timestamps."""
    index = re.sub(r"<style>.*?</style>", "", index, flags=re.S)
    index = re.sub(r'\s(?:d|cx|cy|r|width|height|viewBox|stroke-width)="[^"]*"', "", index)
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:]+(?:\+00:00)?", "", index)


def _runs_with(tmp_path, series, k=None):
    for i, figures in enumerate(series):
        folder = _fake_run(tmp_path, f"2026010{i + 1}T000000Z-aaaaa{i}", f"2026-01-0{i + 1}T00:00:00+00:00",
                           figures)
        if k is not None:
            manifest_path = next(folder.rglob("manifest.json"))
            manifest = json.loads(manifest_path.read_text())
            manifest["parameters"]["per_notebook"] = {"a": {"k": k}, "b": {"k": 3}}
            manifest_path.write_text(json.dumps(manifest))
    return rebuild_index(tmp_path).read_text()


def test_small_counts_are_hidden_in_figures_and_trends(tmp_path):
    """A count below the run's k (the largest k of its notebooks) appears nowhere on the
    index: not in the figures, not as a sparkline dot or tooltip, not as the latest value."""
    index = _runs_with(tmp_path, [{"retention": {"overdue": 27, "records_checked": 900}},
                                  {"retention": {"overdue": 13, "records_checked": 900}},
                                  {"retention": {"overdue": 31, "records_checked": 900}}], k=20)
    assert not re.search(r"\b13\b", _readable(index)), "13 < k=20 must not appear"
    spark = re.search(r'<svg class="sparkline"[^>]*aria-label="Records overdue for erasure".*?</svg>',
                      index, re.S).group(0)
    assert re.findall(r"<title>([^<]+)</title>", spark) == ["27", "31"], "the hidden run leaves a gap"
    assert 'd="M' not in spark, "no line is drawn across the hidden run"
    assert "&lt;20" in index


def test_the_hidden_count_would_show_at_a_lower_k(tmp_path):
    index = _runs_with(tmp_path, [{"retention": {"overdue": 13, "records_checked": 900}}], k=5)
    assert re.search(r"\b13\b", _readable(index))


def test_rates_over_a_small_base_are_blank(tmp_path):
    index = _runs_with(tmp_path, [{"requests": {"received": 6, "responded_in_time": 5, "responded_late": 1,
                                                "open_in_time": 0, "open_late": 0, "performance_pct": 83.33}}])
    assert "83.3" not in index
    # received 6 is shown, and in time / late are both hidden: 6 - 5 would give the 1 away
    figs = re.search(r'<span class="sec">requests</span>(.*?)</div>', index, re.S).group(1)
    assert "Requests answered late&nbsp;<b>hidden</b>" in figs
    assert "Requests answered in time&nbsp;<b>hidden</b>" in figs
    assert ">5<" not in figs and ">1<" not in figs


def test_unregistered_non_integer_figures_stay_internal(tmp_path):
    index = _runs_with(tmp_path, [{"mine": {"ratio": 0.123456, "n": 42}}])
    assert "0.123" not in index and "42" in index


def test_broken_run_folder_is_skipped(tmp_path):
    _fake_run(tmp_path, "20260101T000000Z-aaaaaa", "2026-01-01T00:00:00+00:00", {"a": {"b": 1}})
    broken = tmp_path / "20260102T000000Z-bbbbbb"
    (broken / "internal").mkdir(parents=True)
    (broken / "internal" / "manifest.json").write_text("{not json")
    assert [r["folder"] for r in load_runs(tmp_path)] == ["20260101T000000Z-aaaaaa"]


def _points(*values):
    return [None if v is None else Shown("s.x", "x", str(v), v, False, None, None) for v in values]


def test_sparkline_geometry():
    svg = sparkline(_points(1, 3, 2), width=100, height=20)
    assert svg.count("<circle") == 3 and 'viewBox="0 0 100 20"' in svg
    flat = sparkline(_points(5, 5))
    assert flat.count("<circle") == 2
    assert "nan" not in sparkline(_points(7)).lower()
    gap = sparkline(_points(1, None, 2, 3))
    assert gap.count("<circle") == 3 and gap.count("M") == 1, "one segment after the gap, none across it"


# ------------------------------------------------------------------ the index for people

import datetime as dt  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from conftest_browser import browser, offline_page  # noqa: E402,F401

DEMO = json.loads((Path(__file__).parent / "fixtures" / "demo_metrics.json").read_text())


def _series_runs(out, n, policy_change_at=None, failed_at=()):
    """n runs a day apart with demo-sized figures that drift, the policy version 2 from
    run `policy_change_at` on, and failed runs at `failed_at`."""
    for i in range(n):
        start = dt.datetime(2026, 1, 1, 6, tzinfo=dt.timezone.utc) + dt.timedelta(days=i)
        run_id = f"{start:%Y%m%dT%H%M%SZ}-{i:06x}"
        metrics = json.loads(json.dumps(DEMO))
        metrics["retention"]["overdue"] += 3 * i
        metrics["retention"]["overdue_rate"] = metrics["retention"]["overdue"] / metrics["retention"]["records_checked"]
        metrics["flows"]["bytes"] += 7_000_000 * i
        metrics["requests"]["performance_pct"] = round(80 + (i % 7), 2)
        version = "2026-01-01" if policy_change_at is not None and i >= policy_change_at else "2022-05-25"
        folder = _fake_run(out, run_id, start.isoformat(), metrics, exit_status=3 if i in failed_at else 0)
        manifest_path = folder / "internal" / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        manifest["parameters"]["as_of"] = f"{start.date() - dt.timedelta(days=1)}"
        manifest["policy"] = [{"policy_id": f"acme/{version}", "title": "Acme Privacy Policy", "version": version,
                               "spec_sha256": version * 3}]
        manifest_path.write_text(json.dumps(manifest))
        (folder / "index.html").write_text("<p>overview</p>")
        (folder / "retention_compliance.html").write_text("<p>dashboard</p>")
    return rebuild_index(out)


def test_policy_changes_are_marked_in_every_trend(tmp_path):
    index = _series_runs(tmp_path, 6, policy_change_at=4).read_text()
    sparks = re.findall(r'<svg class="sparkline".*?</svg>', index, re.S)
    assert len(sparks) >= 20
    for spark in sparks:
        marks = re.findall(r"<line data-policy-change[^>]*>(.*?)</line>", spark, re.S)
        assert marks == ["<title>rules changed here</title>"], "one marker, between runs 4 and 5"
    xs = [float(x) for x in re.findall(r'<circle class="mark" cx="([\d.]+)"', sparks[0])]
    line_x = float(re.search(r'data-policy-change="4" x1="([\d.]+)"', sparks[0]).group(1))
    assert xs[3] < line_x < xs[4]
    assert "Acme Privacy Policy, version 2026-01-01" in index
    assert index.count("rules changed since the run before") == 1
    no_change = _series_runs(tmp_path / "same", 3).read_text()
    assert "data-policy-change" not in no_change


def test_the_index_leads_to_the_latest_successful_overview(tmp_path):
    index = _series_runs(tmp_path, 4, failed_at=(3,)).read_text()
    lead = re.search(r'<section class="ck-lead" id="latest">(.*?)</section>', index, re.S).group(1)
    latest_ok = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())[2]
    assert f'href="{latest_ok}/index.html"' in lead and "1 newer run(s) failed" in lead
    assert "Records overdue for erasure" in lead and "up 3 since the previous run" in lead
    assert 'class="run-failed"' in index and "Show failed runs (1)" in index


def _overflows(page) -> list:
    """Trend rows whose cells overlap or whose content is wider than its cell."""
    return page.evaluate("""() => {
        const bad = [];
        for (const row of document.querySelectorAll('table.trends tr')) {
            const cells = [...row.cells];
            const boxes = cells.map(c => c.getBoundingClientRect());
            for (let i = 1; i < boxes.length; i++) {
                if (boxes[i - 1].right > boxes[i].left + 0.5) bad.push(['overlap', row.innerText]);
            }
            for (const c of cells) {
                if (c.scrollWidth > c.clientWidth + 1) bad.push(['overflow', c.innerText || c.innerHTML.slice(0, 40)]);
            }
        }
        return bad;
    }""")


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("n", [1, 50])
def test_trends_readable_with_one_run_and_fifty(browser, tmp_path, n, width):  # noqa: F811
    index = _series_runs(tmp_path, n, policy_change_at=20 if n > 20 else None, failed_at=(7,) if n > 7 else ())
    view = offline_page(browser)
    try:
        view.page.set_viewport_size({"width": width, "height": 900})
        page = view.open(index)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.evaluate("(() => { const m = document.querySelector('main'); return m.scrollWidth <= m.clientWidth })()")
        assert page.locator("table.trends tr").count() >= 20
        assert _overflows(page) == []
        if n == 50:
            markers = page.locator("[data-policy-change]")
            assert markers.count() == page.locator("svg.sparkline").count()
            assert all(t == "rules changed here" for t in markers.all_text_contents())
        assert view.errors == [] and view.blocked == []
    finally:
        view.close()


def test_failed_runs_are_hidden_until_the_switch_is_ticked(browser, tmp_path):  # noqa: F811
    index = _series_runs(tmp_path, 3, failed_at=(1,))
    failed_row = f"#run-{sorted(p.name for p in tmp_path.iterdir() if p.is_dir())[1]}"
    view = offline_page(browser)
    try:
        page = view.open(index)
        assert page.locator("table.runs tbody tr").count() == 3
        assert not page.locator(failed_row).is_visible()
        assert page.locator("table.runs tbody tr:visible").count() == 2
        page.locator("label[for=show-failed]").click()
        assert page.locator(failed_row).is_visible()
        page.locator("label[for=show-failed]").click()
        assert not page.locator(failed_row).is_visible()
        assert page.evaluate("document.scripts.length") == 0, "the switch needs no script"
    finally:
        view.close()

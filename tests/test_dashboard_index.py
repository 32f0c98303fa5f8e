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

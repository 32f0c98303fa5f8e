"""reports/index.html from run folders: newest first, headline figures, a trend per
figure in run order, hidden temp folders ignored, values escaped."""

import json
import re

from compliance_kit.reports.index import load_runs, rebuild_index, sparkline


def _fake_run(out, run_id, start, metrics, exit_status=0):
    folder = out / run_id
    folder.mkdir(parents=True)
    manifest = {"run_id": run_id, "start": start, "duration_seconds": 1.0, "exit_status": exit_status,
                "parameters": {"as_of": start[:10]},
                "notebooks": [{"name": "retention_compliance", "status": "ok", "html": "retention_compliance.html"}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_newest_first_with_trends(tmp_path):
    _fake_run(tmp_path, "20260101T000000Z-aaaaaa", "2026-01-01T00:00:00+00:00", {"retention": {"overdue": 10}})
    _fake_run(tmp_path, "20260301T000000Z-cccccc", "2026-03-01T00:00:00+00:00", {"retention": {"overdue": 30}})
    _fake_run(tmp_path, "20260201T000000Z-bbbbbb", "2026-02-01T00:00:00+00:00",
              {"retention": {"overdue": 20}}, exit_status=4)
    half = tmp_path / ".tmp-20260401T000000Z-dddddd"
    half.mkdir()
    (half / "manifest.json").write_text("{}")
    index = rebuild_index(tmp_path).read_text()
    order = re.findall(r'<tr id="run-([^"]+)"', index)
    assert order == ["20260301T000000Z-cccccc", "20260201T000000Z-bbbbbb", "20260101T000000Z-aaaaaa"]
    assert "dddddd" not in index
    spark = re.search(r'<svg class="sparkline"[^>]*aria-label="retention.overdue".*?</svg>', index, re.S).group(0)
    assert re.findall(r"<title>([^<]+)</title>", spark) == ["10", "20", "30"], "oldest to newest"
    assert "threshold breached" in index
    assert 'href="20260101T000000Z-aaaaaa/retention_compliance.html"' in index
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".index")] == []


def test_values_are_escaped(tmp_path):
    _fake_run(tmp_path, "20260101T000000Z-aaaaaa", "2026-01-01T00:00:00+00:00",
              {"flows": {"note": "<script>alert(1)</script>"}})
    index = rebuild_index(tmp_path).read_text()
    assert "<script>alert" not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index


def test_broken_run_folder_is_skipped(tmp_path):
    _fake_run(tmp_path, "20260101T000000Z-aaaaaa", "2026-01-01T00:00:00+00:00", {"a": {"b": 1}})
    broken = tmp_path / "20260102T000000Z-bbbbbb"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    assert [r["folder"] for r in load_runs(tmp_path)] == ["20260101T000000Z-aaaaaa"]


def test_sparkline_geometry():
    svg = sparkline([1, 3, 2], width=100, height=20)
    assert svg.count("<circle") == 3 and 'viewBox="0 0 100 20"' in svg
    flat = sparkline([5, 5])
    assert flat.count("<circle") == 2
    assert "nan" not in sparkline([7]).lower()

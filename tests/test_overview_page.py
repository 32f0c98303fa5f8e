"""reports/overview.py without a kernel: the page from a manifest and metrics.json, its
comparison with the previous comparable run, escaping, suppression, a failed report, and
a failure to write it that never costs the run."""

import json
import re
from pathlib import Path

from compliance_kit.reports.overview import OVERVIEW_NAME, render_overview, write_overview

DEMO = json.loads((Path(__file__).parent / "fixtures" / "demo_metrics.json").read_text())
PAYLOAD = '<script>alert("x")</script>'


def _manifest(run_id="20261101T060000Z-bbbbbb", start="2026-11-01T06:00:00+00:00", job="daily", k=5,
              jurisdictions=None, statuses=None, exit_status=0):
    names = ["data_flows", "policy_overview", "request_turnaround", "retention_compliance"]
    statuses = statuses or {}
    return {
        "run_id": run_id, "job": job, "start": start, "exit_status": exit_status,
        "parameters": {"as_of": "2026-10-31", "fail_on": ["retention.overdue > 500"], "per_notebook": {
            n: {"as_of": "2026-10-31", "k": k, "jurisdictions": jurisdictions, "db_path": "/x.duckdb"} for n in names}},
        "store": {"path": "/x.duckdb", "data_freshness": [
            {"table_name": "requests", "row_count": 10, "latest_at": "2026-10-30T10:00:00+00:00"}]},
        "policy": [{"policy_id": "acme/1", "title": "Acme Privacy Policy", "version": "2022-05-25"}],
        "notebooks": [{"name": n, "status": statuses.get(n, "ok"), "html": f"{n}.html"} for n in names],
    }


def _publish(out, manifest, metrics):
    internal = out / manifest["run_id"] / "internal"
    internal.mkdir(parents=True)
    (internal / "manifest.json").write_text(json.dumps(manifest))
    (internal / "metrics.json").write_text(json.dumps(metrics))
    return out / manifest["run_id"]


def test_the_page_says_what_where_and_how_it_moved(tmp_path):
    before = json.loads(json.dumps(DEMO))
    before["retention"].update(overdue=250, overdue_rate=250 / 20453)
    _publish(tmp_path, _manifest("20261001T060000Z-aaaaaa", "2026-10-01T06:00:00+00:00"), before)
    run = _publish(tmp_path / "tmp", _manifest(), DEMO)
    path = write_overview(run, tmp_path)
    assert path == run / OVERVIEW_NAME
    page = path.read_text()
    assert "<title>Compliance overview — as of 31 October 2026</title>" in page
    assert 'Acme Privacy Policy, version <span class="ck-date">2022-05-25</span>' in page and "Run status" in page
    assert "20261001T060000Z-aaaaaa" in page, "the run compared with is named"
    card = re.search(r'<div class="card [^"]*" data-status="(\w+)" data-key="retention.overdue">(.*?)</div>',
                     page, re.S)
    assert card.group(1) == "good", "the job's threshold (overdue > 500) holds, so on track"
    assert "down 40 since the previous run" in card.group(2) and "(better)" in card.group(2)
    for n in ("retention_compliance", "request_turnaround", "data_flows", "policy_overview"):
        assert f'href="{n}.html"' in page
    assert 'href="../index.html"' in page
    links = re.findall(r'>(Open the [^<]*)</a>', page)
    assert "Open the policy dashboard" in links and len(links) == 4, links
    assert not re.search(r"\b(\w+) \1\b", " ".join(links)), f"a word said twice: {links}"
    assert "all jurisdictions" in page, "the scope in words"
    assert "30 October 2026" in page, "data freshness"


def test_no_previous_run_says_so(tmp_path):
    page = render_overview(_manifest(), DEMO, None)
    assert "No earlier comparable run" in page
    assert "since the previous run" not in page


def test_payloads_are_escaped_and_small_counts_hidden():
    metrics = json.loads(json.dumps(DEMO))
    metrics["retention"].update(overdue=3, overdue_rate=3 / 20453)
    page = render_overview(_manifest(job=PAYLOAD, jurisdictions=[PAYLOAD]), metrics, None)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    card = re.search(r'data-key="retention.overdue">(.*?)</div>', page, re.S).group(1)
    value = re.search(r'<p class="card-value">(.*?)</p>', card).group(1)
    assert value in ("&lt;5", "hidden") and not re.search(r"\b3\b", card)
    assert 'data-status="none" data-key="retention.overdue"' in page, "no colour for a hidden value"


def test_a_failed_report_is_said_in_words():
    metrics = {k: v for k, v in DEMO.items() if k != "requests"}
    page = render_overview(_manifest(statuses={"request_turnaround": "failed"}, exit_status=3), metrics, None)
    section = re.search(r'<section class="ck-analysis" id="requests">(.*?)</section>', page, re.S).group(1)
    assert "This report failed" in section and 'class="card' not in section
    assert "failed: a report did not run to the end" in page


def test_a_broken_run_gets_no_overview_and_no_exception(tmp_path):
    run = tmp_path / "run"
    (run / "internal").mkdir(parents=True)
    (run / "internal" / "manifest.json").write_text("{not json")
    said = []
    assert write_overview(run, tmp_path, said.append) is None
    assert not (run / OVERVIEW_NAME).exists() and "overview was not written" in said[0]
    # a report named 'index' would lose its page to the overview: refused, the page kept
    m = _manifest()
    m["notebooks"].append({"name": "index", "status": "ok", "html": "index.html"})
    run2 = _publish(tmp_path / "b", m, DEMO)
    (run2 / "index.html").write_text("the report's own page")
    assert write_overview(run2, tmp_path, said.append) is None
    assert (run2 / "index.html").read_text() == "the report's own page"


def test_the_jobs_threshold_texts_stay_internal():
    """'retention.overdue > 3' beside 'threshold breached' and a hidden overdue would say 4."""
    metrics = json.loads(json.dumps(DEMO))
    metrics["retention"].update(overdue=4, overdue_rate=4 / 20453)
    manifest = _manifest(exit_status=4)
    manifest["parameters"]["fail_on"] = ["retention.overdue > 3"]
    page = render_overview(manifest, metrics, None)
    assert "overdue &gt; 3" not in page and "overdue > 3" not in page
    assert 'data-status="none" data-key="retention.overdue"' in page

"""reports/history.py: which earlier run is comparable, and how each headline figure
moved, never revealing a hidden count through a difference."""

import json

import pytest

from compliance_kit.figures import FIGURES
from compliance_kit.reports.history import (format_change, headline_changes, is_successful,
                                            previous_comparable)


def _manifest(run_id, start, as_of="2026-10-31", job="daily", k=5, exit_status=0, notebooks=("retention",),
              **params):
    return {"run_id": run_id, "job": job, "start": start, "exit_status": exit_status,
            "parameters": {"as_of": as_of, "per_notebook": {
                nb: {"as_of": as_of, "k": k, "db_path": f"/stores/{run_id}.duckdb", "engine": "duckdb",
                     "chart_renderer": "svg", **params} for nb in notebooks}},
            "notebooks": [{"name": nb, "status": "ok" if exit_status != 3 else "failed"} for nb in notebooks]}


def _publish(out, manifest, metrics=None):
    internal = out / manifest["run_id"] / "internal"
    internal.mkdir(parents=True)
    (internal / "manifest.json").write_text(json.dumps(manifest))
    (internal / "metrics.json").write_text(json.dumps(metrics or {"retention": {"overdue": 10}}))


def test_the_newest_earlier_comparable_run_is_chosen(tmp_path):
    _publish(tmp_path, _manifest("r1", "2026-10-01T06:00:00+00:00", as_of="2026-09-30"))
    _publish(tmp_path, _manifest("r2", "2026-10-02T06:00:00+00:00", as_of="2026-10-01"),
             {"retention": {"overdue": 20}})
    current = _manifest("r3", "2026-10-03T06:00:00+00:00", as_of="2026-10-02")
    found = previous_comparable(tmp_path, current)
    assert found["folder"] == "r2" and found["metrics"] == {"retention": {"overdue": 20}}
    assert found["manifest"]["run_id"] == "r2"


@pytest.mark.parametrize("other, why", [
    (dict(job="weekly"), "another job"),
    (dict(k=10), "another parameter"),
    (dict(horizon=60), "a parameter the current run does not have"),
    (dict(notebooks=("retention", "requests")), "another set of reports"),
    (dict(exit_status=3), "a failed run"),
    (dict(as_of="2026-11-30"), "a later as-of date (the current run is a backfill)"),
])
def test_runs_that_are_not_comparable_are_skipped(tmp_path, other, why):
    _publish(tmp_path, _manifest("old", "2026-10-01T06:00:00+00:00", as_of="2026-09-30"))
    _publish(tmp_path, _manifest("mid", "2026-10-02T06:00:00+00:00", **{"as_of": "2026-10-01", **other}))
    current = _manifest("new", "2026-10-03T06:00:00+00:00", as_of="2026-10-02")
    assert previous_comparable(tmp_path, current)["folder"] == "old", why


def test_store_path_engine_and_renderer_do_not_matter_a_breach_is_a_success(tmp_path):
    # each _manifest has its own db_path; change the engine and the renderer too
    m = _manifest("mid", "2026-10-02T06:00:00+00:00", exit_status=4)
    for values in m["parameters"]["per_notebook"].values():
        values.update(engine="spark", chart_renderer="png", spark_data="/lake")
    _publish(tmp_path, m)
    current = _manifest("new", "2026-10-03T06:00:00+00:00")
    assert previous_comparable(tmp_path, current)["folder"] == "mid"
    assert is_successful(m) and not is_successful({"exit_status": 3})


def test_none_without_an_earlier_run_and_the_run_itself_is_not_its_previous(tmp_path):
    current = _manifest("only", "2026-10-03T06:00:00+00:00")
    assert previous_comparable(tmp_path, current) is None
    _publish(tmp_path, current)
    assert previous_comparable(tmp_path, current) is None
    later = _manifest("later", "2026-10-04T06:00:00+00:00")
    _publish(tmp_path, later)
    assert previous_comparable(tmp_path, current) is None, "a run that started later is not previous"
    (tmp_path / ".tmp-x" / "internal").mkdir(parents=True)
    (tmp_path / ".tmp-x" / "internal" / "manifest.json").write_text(json.dumps(_manifest("x", "2026-10-01")))
    assert previous_comparable(tmp_path, _manifest("z", "2026-10-02T00:00:00+00:00")) is None, "hidden folders"


RETENTION = {"records_checked": 20000, "overdue": 210, "overdue_rate": 210 / 20000, "erased_late": 300,
             "on_legal_hold": 250, "conflict": 100}


def test_changes_direction_and_better_or_worse():
    before = {"retention": dict(RETENTION, overdue=200, overdue_rate=200 / 20000),
              "requests": {"received": 100, "responded_in_time": 80, "responded_late": 10, "open_in_time": 5,
                           "open_late": 5, "performance_pct": 80.0, "km_median_days": 9}}
    now = {"retention": dict(RETENTION),
           "requests": dict(before["requests"], responded_in_time=85, responded_late=5, performance_pct=85.0,
                            km_median_days=7)}
    changes = headline_changes(now, before, k=5)
    overdue = changes["retention.overdue"]
    assert (overdue.value, overdue.previous, overdue.change) == (210, 200, 10)
    assert (overdue.direction, overdue.better, overdue.change_text) == ("up", False, "+10")
    assert FIGURES["retention.overdue"].better == "down"
    perf = changes["requests.performance_pct"]
    assert (perf.direction, perf.better, perf.change_text) == ("up", True, "+5.0 percentage points")
    days = changes["requests.km_median_days"]
    assert (days.direction, days.better, days.change_text) == ("down", True, "\u22122 days")
    same = changes["retention.records_checked"]
    assert (same.direction, same.better, same.change_text) == ("same", None, "no change")
    rate = changes["retention.overdue_rate"]
    assert rate.direction == "up" and rate.change_text == "+0.1 percentage points"


def test_no_previous_run_gives_values_without_changes():
    changes = headline_changes({"retention": RETENTION}, None, k=5)
    assert changes["retention.overdue"].value_text == "210"
    assert all(c.change is None and c.direction is None and c.reason for c in changes.values())


def test_a_change_involving_a_hidden_count_is_not_given():
    """3 -> 13 at k=5: the difference +10 would give away the hidden 3."""
    before = {"retention": dict(RETENTION, overdue=3, overdue_rate=3 / 20000)}
    now = {"retention": dict(RETENTION, overdue=13, overdue_rate=13 / 20000)}
    c = headline_changes(now, before, k=5)["retention.overdue"]
    assert c.value_text == "13" and c.previous_text in ("<5", "hidden") and c.previous is None
    assert c.change is None and c.change_text == "" and c.direction is None and c.better is None
    assert "hidden" in c.reason
    # and the other way round, and under the stricter k of the two runs
    back = headline_changes(before, now, k=5)["retention.overdue"]
    assert back.change is None and back.value_text in ("<5", "hidden")
    stricter = headline_changes(now, {"retention": dict(RETENTION)}, k=5, previous_k=20)["retention.overdue"]
    assert stricter.value_text in ("<20", "hidden") and stricter.change is None


def test_a_rate_over_a_small_base_has_no_change():
    before = {"requests": {"received": 6, "responded_in_time": 5, "responded_late": 1, "open_in_time": 0,
                           "open_late": 0, "performance_pct": 83.33}}
    now = {"requests": {"received": 60, "responded_in_time": 50, "responded_late": 10, "open_in_time": 0,
                        "open_late": 0, "performance_pct": 83.33}}
    c = headline_changes(now, before, k=5)["requests.performance_pct"]
    assert c.value_text == "83.3%" and c.previous is None and c.change is None


def test_format_change():
    assert format_change("count", 1234) == "+1,234"
    assert format_change("count", -3) == "\u22123"
    assert format_change("bytes", 1536) == "+1.5 KB"
    assert format_change("share", 0.00049) == "no change", "below the shown precision reads as no change"
    assert format_change("percent", -1) == "\u22121.0 percentage point"

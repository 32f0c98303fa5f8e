"""Chart specs of the request-turnaround charts, checked through to_dict() (k=1: nothing
suppressed; suppression in the charts: tests/test_sharing_requests_flows.py)."""

import datetime as dt

import pytest

from compliance_kit import charts
from compliance_kit.analysis import requests as rq
from conftest_requests import tiny  # noqa: F401  (fixture)


@pytest.fixture
def prepared(tiny):
    tiny.rule("sg", "SG", "calendar_days", amount=30)
    tiny.rule("gb", "GB", "calendar_months", amount=1, holiday_calendar="GB", roll_forward=True)
    tiny.request("SG", "2024-09-02", completed="2024-09-10")
    tiny.request("SG", "2024-09-09", type="deletion", completed="2024-11-10")
    tiny.request("GB", "2024-10-01")
    tiny.request("GB", "2024-10-15", completed="2024-10-20")
    tiny.analyse(as_of="2024-12-31")
    charts.setup("svg")
    return tiny.con


def datasets(spec):
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_weekly_volume_chart(prepared):
    vol = rq.weekly_volume(prepared)
    assert vol["week"].to_list()[0] == dt.date(2024, 9, 2)  # weeks start on Monday
    spec = rq.weekly_volume_chart(vol, k=1).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "week" and spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["color"]["field"] == "type"
    assert spec["encoding"]["y"]["aggregate"] == "sum"
    assert sum(r["requests"] for r in datasets(spec)) == 4


def test_on_time_trend(prepared):
    trend = rq.on_time_trend(prepared, period="quarter", top=1)
    rows = {(r["period"], r["region"]): (r["received"], r["performance_pct"])
            for r in trend.iter_rows(named=True)}
    # Q3 2024: two SG requests (one in time, one late); Q4: two GB (one open late, one in
    # time). SG and GB tie on volume: the top-1 region is the first by name (GB).
    q3, q4 = dt.date(2024, 7, 1), dt.date(2024, 10, 1)
    assert rows[(q3, "other")] == (2, 50.0)
    assert rows[(q4, "GB")] == (2, 50.0)
    assert rows[(q3, "all")] == (2, 50.0) and rows[(q4, "all")] == (2, 50.0)
    spec = rq.on_time_trend_chart(trend, k=1).to_dict()
    assert spec["mark"]["type"] == "line"
    assert spec["encoding"]["y"]["field"] == "performance_pct"
    assert spec["encoding"]["y"]["scale"]["domain"] == [0, 100]
    assert spec["encoding"]["color"]["field"] == "region"
    assert {r["region"] for r in datasets(spec)} == {"GB", "other", "all"}


def test_survival_chart(prepared):
    curve = rq.km_curve(prepared, by="jurisdiction")
    spec = rq.survival_chart(curve, group="jurisdiction", k=1).to_dict()
    assert spec["mark"]["interpolate"] == "step-after"
    assert spec["encoding"]["y"]["field"] == "survival"
    assert spec["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert all(0 <= r["survival"] <= 1 for r in datasets(spec))
    assert "color" not in rq.survival_chart(rq.km_curve(prepared), k=1).to_dict()["encoding"]


def test_distance_chart_uses_status_colours(prepared):
    spec = rq.distance_chart(rq.distance_to_deadline(prepared), k=1).to_dict()
    # binned beforehand in 2-day bins (so that small bins can be left out)
    assert spec["encoding"]["x"]["bin"] == "binned" and spec["encoding"]["x2"]["field"] == "bin_end"
    assert all(r["bin_end"] - r["bin_start"] == 2 for r in datasets(spec))
    scale = spec["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"])) == {
        c: charts.STATUS_COLOURS[c] for c in scale["domain"]}
    assert set(scale["domain"]) == {"responded_in_time", "responded_late", "open_late"}

"""Chart specs (Vega-Lite through to_dict()): the right fields, marks and colours (k=1:
nothing suppressed; suppression in the charts: tests/test_sharing_requests_flows.py)."""

import datetime as dt

import pytest

from compliance_kit import charts
from compliance_kit.analysis import flows
from conftest_flows import add_transfers, flows_store  # noqa: F401  (fixture)

UTC = dt.timezone.utc


@pytest.fixture
def metrics(flows_store):
    add_transfers(flows_store, [
        dict(transfer_id="a", occurred_at=dt.datetime(2026, 1, 5, tzinfo=UTC), source="KR",
             recipient="adyen_sg", destination="SG", category="credit_card", record_count=9),
        dict(transfer_id="b", occurred_at=dt.datetime(2026, 2, 5, tzinfo=UTC), source="FR",
             recipient="tencent_group", destination="CN", category="account_data", record_count=4,
             mechanism="scc"),
        dict(transfer_id="c", occurred_at=dt.datetime(2026, 2, 6, tzinfo=UTC), source="KR",
             recipient="nobody", destination="US", category="usage_logs", record_count=1),
    ])
    charts.setup("svg")
    return flows.metric_set(flows_store)


def _values(spec):
    (name, rows), = spec["datasets"].items()
    return rows


def test_heatmap_spec(metrics):
    spec = flows.heatmap_chart(metrics.matrix, k=1).to_dict()
    assert spec["mark"]["type"] == "rect"
    enc = spec["encoding"]
    assert enc["x"]["field"] == "destination_country"
    assert enc["y"]["field"] == "source_jurisdiction"
    assert enc["color"]["field"] == "records" and enc["color"]["type"] == "quantitative"
    rows = {(r["source_jurisdiction"], r["destination_country"]): r["records"] for r in _values(spec)}
    assert rows == {("FR", "CN"): 4, ("KR", "SG"): 9, ("KR", "US"): 1}
    assert spec["$schema"].endswith("v6.json") or "v6" in spec["$schema"]


def test_heatmap_can_show_bytes_and_rejects_other_values(metrics):
    assert flows.heatmap_chart(metrics.matrix, value="bytes", k=1).to_dict()["encoding"]["color"]["field"] == "bytes"
    with pytest.raises(ValueError):
        flows.heatmap_chart(metrics.matrix, value="rows", k=1)


def test_recipient_volume_chart_spec(metrics):
    spec = flows.recipient_volume_chart(metrics.volumes, k=1).to_dict()
    assert spec["mark"]["type"] == "bar"
    enc = spec["encoding"]
    assert enc["x"]["timeUnit"] == "yearmonth" and enc["x"]["field"] == "month"
    assert enc["color"]["field"] == "recipient"
    assert enc["y"]["aggregate"] == "sum" and enc["y"]["field"] == "records"
    rows = _values(spec)
    assert sorted((r["recipient"], r["records"]) for r in rows) == [
        ("adyen_sg", 9), ("nobody", 1), ("tencent_group", 4)]


def test_classification_chart_spec(metrics):
    spec = flows.classification_chart(metrics.breakdown, k=1).to_dict()
    enc = spec["encoding"]
    assert enc["y"]["field"] == "classification"
    assert enc["y"]["sort"] == list(flows.CLASSIFICATIONS)
    assert enc["color"]["scale"]["domain"] == list(flows.CLASSIFICATIONS)
    colours = dict(zip(enc["color"]["scale"]["domain"], enc["color"]["scale"]["range"]))
    assert colours["declared"] == charts.STATUS_COLOURS["declared"]
    assert len(set(colours.values())) == len(colours)
    rows = {r["classification"]: r["records"] for r in _values(spec)}
    assert rows["declared"] == 13 and rows["undeclared_recipient"] == 1
    assert set(rows) == set(flows.CLASSIFICATIONS)


def test_charts_render_to_svg_offline(metrics):
    import vl_convert as vlc
    svg = vlc.vegalite_to_svg(flows.heatmap_chart(metrics.matrix, k=1).to_dict())
    assert svg.lstrip().startswith("<svg") and "FR" in svg

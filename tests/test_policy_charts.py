"""The policy overview's chart: every period readable, 0 days and 24 hours included."""

import pytest

from compliance_kit import charts
from compliance_kit.analysis import policy_overview as overview
from compliance_kit.store import connect

from conftest_policy import policy_store  # noqa: F401 - the shared store of the bundled policy


@pytest.fixture(scope="module")
def con(policy_store):
    con = connect(policy_store[0], read_only=True)
    yield con
    con.close()


def test_every_period_has_a_label_in_words_short_ones_included(con):
    periods = overview.retention_periods(con)
    spec = overview.retention_chart(periods).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["bar", "rule", "text", "text"]
    bar_rows = spec["datasets"][spec["layer"][0]["data"]["name"]]
    label = spec["layer"][2]
    assert label["encoding"]["text"]["field"] == "period"
    words = {r["max_delay"]: r["period"] for r in bar_rows}
    assert all(not w.startswith("P") for w in words.values()), words
    short = {d: w for d, w in words.items() if d in ("PT24H", "P0D", "PT0H", "P1D")}
    assert short, "the bundled policy has periods of a day or less"
    assert words.get("PT24H", "24 hours") == "24 hours"


def test_the_chart_svg_shows_the_short_periods(con):
    charts.setup("svg")
    import vl_convert as vlc

    periods = overview.retention_periods(con)
    svg = vlc.vegalite_to_svg(overview.retention_chart(periods).to_dict())
    assert "24 hours" in svg
    assert "P30D" not in svg and "PT24H" not in svg

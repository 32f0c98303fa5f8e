"""The one palette: colour-blind-safe (Okabe-Ito), no two statuses alike, the same colours
for cards and charts."""

from compliance_kit import charts, palette
from compliance_kit.reports import style


def test_statuses_have_distinct_colours():
    colours = [c.lower() for c in palette.STATUS.values()]
    assert len(set(colours)) == len(colours) == 4


def test_status_colours_are_okabe_ito_or_grey():
    allowed = {c.lower() for c in palette.OKABE_ITO.values()} | {palette.GREY.lower(), palette.LIGHT_GREY.lower()}
    for name, colour in {**charts.STATUS_COLOURS, **charts.CLASSIFICATION_COLOURS}.items():
        assert colour.lower() in allowed, (name, colour)


def test_no_two_chart_statuses_share_a_colour():
    by_colour = {}
    for status, colour in charts.STATUS_COLOURS.items():
        by_colour.setdefault(colour.lower(), set()).add(charts.STATUS_MEANING[status])
    shared = {c: m for c, m in by_colour.items() if len(m) > 1}
    assert not shared, shared
    classes = [c.lower() for c in charts.CLASSIFICATION_COLOURS.values()]
    assert len(set(classes)) == len(classes)


def test_cards_and_charts_agree():
    assert charts.STATUS_COLOURS["overdue"] == style.STATUS["bad"]
    assert charts.STATUS_COLOURS["erased_late"] == style.STATUS["warn"]
    assert charts.STATUS_COLOURS["declared"] == style.STATUS["good"]
    for status in style.STATUS:
        assert f".card.status-{status}" in style.PAGE_CSS
    assert style.status_class("bad") == "status-bad"
    assert style.status_class("nonsense") == "status-none"

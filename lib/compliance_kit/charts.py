"""Altair chart helpers: one theme, one renderer switch, so every notebook looks alike
and every report works offline.

`setup("svg")` (the default) renders charts to SVG inside the kernel with vl-convert:
the executed notebook and its HTML hold plain SVG, no Vega JavaScript and no CDN.
SVG is also what JupyterLab shows best here: Altair 6's "default" renderer writes
<script src> tags to a CDN (blank offline), and its "mimetype" renderer emits the
Vega-Lite v6 mimetype, which JupyterLab 4.6's built-in Vega extension does not know
(it renders v3-v5). "png" is offered for e-mail-sized exports.
"""

from __future__ import annotations

import altair as alt

from .palette import CATEGORICAL, LIGHT_GREY, OKABE_ITO, SERIES, STATUS

RENDERERS = ("svg", "png")
# The Vega-Lite spec travels beside the SVG under a mimetype of our own: JupyterLab does not
# know it and shows the SVG; the HTML export (reports/html.py) turns it into an interactive
# chart (tooltips with exact values) over one inline copy of the Vega bundle, the SVG kept
# as its fallback.
SPEC_MIME = "application/vnd.compliance-kit.vegalite+json"

# Status colours shared by all analyses, from the one palette (reports/style.py,
# Okabe-Ito): green fine, orange late (watch), vermillion breach, sky blue still running,
# yellow conflict, purple legal hold, grey no clock. No two statuses share a colour.
STATUS_COLOURS = {
    "erased_on_time": STATUS["good"], "responded_in_time": STATUS["good"], "declared": STATUS["good"],
    "clock_running": OKABE_ITO["sky_blue"], "open_in_time": OKABE_ITO["sky_blue"],
    "no_trigger": LIGHT_GREY,
    "on_legal_hold": OKABE_ITO["reddish_purple"],
    "conflict": OKABE_ITO["yellow"],
    "erased_late": STATUS["warn"], "responded_late": STATUS["warn"],
    "overdue": STATUS["bad"], "open_late": STATUS["bad"],
}
# What each colour means, for the test that no two meanings share one.
STATUS_MEANING = {
    "erased_on_time": "good", "responded_in_time": "good", "declared": "good",
    "clock_running": "running", "open_in_time": "running", "no_trigger": "no clock",
    "on_legal_hold": "hold", "conflict": "conflict",
    "erased_late": "warn", "responded_late": "warn", "overdue": "bad", "open_late": "bad",
}

# Data-flow classifications: the undeclared ones are breaches (vermillion, then purple and
# black so the three stay apart), a declared flow without its safeguard is a warning.
CLASSIFICATION_COLOURS = {
    "undeclared_recipient": STATUS["bad"],
    "undeclared_destination": OKABE_ITO["reddish_purple"],
    "undeclared_category": OKABE_ITO["black"],
    "missing_mechanism": STATUS["warn"],
    "unencrypted": OKABE_ITO["yellow"],
    "declared": STATUS["good"],
}


# Category and status names are keys ("tech_support_enquiry", "erased_on_time"): axes and
# legends show them with spaces. A Vega expression on the label text only; the data, the
# tooltips and the marks' aria-labels keep the values.
LABEL_WORDS = "replace(datum.label, /_/g, ' ')"


def status_legend(title: str = "status") -> alt.Legend:
    """The legend of a status colour: names in words."""
    return alt.Legend(title=title, labelExpr=LABEL_WORDS)


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": "Helvetica, Arial, sans-serif",
            "view": {"continuousWidth": 480, "continuousHeight": 260, "stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridOpacity": 0.4,
                     "labelLimit": 260, "labelExpr": LABEL_WORDS},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
            "title": {"fontSize": 14, "anchor": "start"},
            "range": {"category": CATEGORICAL},
        }
    }


alt.theme.register("compliance_kit", enable=False)(_theme)


def _svg_with_spec(spec: dict, **metadata) -> dict:
    """Altair's SVG bundle (rendered in the kernel by vl-convert) plus the spec itself."""
    from altair.utils.mimebundle import spec_to_mimebundle

    bundle = spec_to_mimebundle(spec, format="svg", mode="vega-lite", **metadata)
    if isinstance(bundle, tuple):  # (data, metadata)
        bundle = bundle[0]
    return {**bundle, SPEC_MIME: spec}


alt.renderers.register("ck_svg", _svg_with_spec)


def setup(renderer: str = "svg") -> None:
    """Enable the kit's theme and a renderer. Raises ValueError for an unknown renderer.
    "svg" also carries the chart's spec (SPEC_MIME) for the interactive HTML page."""
    if renderer not in RENDERERS:
        raise ValueError(f"chart_renderer must be one of {', '.join(RENDERERS)}, not {renderer!r}")
    alt.theme.enable("compliance_kit")
    alt.renderers.enable("ck_svg" if renderer == "svg" else renderer)
    # Data is embedded in the chart; the sample's aggregates are far below this limit,
    # but a report over raw rows must aggregate first rather than lift the limit.
    alt.data_transformers.enable("default", max_rows=20_000)


def status_scale(statuses) -> alt.Scale:
    """A colour scale that gives each known status its fixed colour."""
    statuses = list(statuses)
    return alt.Scale(domain=statuses, range=[STATUS_COLOURS.get(s, STATUS["none"]) for s in statuses])


def empty_chart(title, message: str) -> alt.Chart:
    """What a chart builder returns when nothing may be drawn (an empty scope, or every
    group under k on a shared page): the title and one line saying why, instead of
    empty axes."""
    return (
        alt.Chart(alt.Data(values=[{"message": message}]))
        .mark_text(size=13, color="#555555")
        .encode(text="message:N")
        .properties(title=title, width=480, height=40)
    )

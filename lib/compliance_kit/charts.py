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

RENDERERS = ("svg", "png")

# Status colours shared by all analyses: green fine, amber watch, red breach, grey n/a.
STATUS_COLOURS = {
    "erased_on_time": "#2e7d32", "responded_in_time": "#2e7d32", "declared": "#2e7d32",
    "clock_running": "#90caf9", "open_in_time": "#90caf9",
    "no_trigger": "#bdbdbd",
    "on_legal_hold": "#7e57c2",
    "conflict": "#ff8f00",
    "erased_late": "#ef6c00", "responded_late": "#ef6c00",
    "overdue": "#c62828", "open_late": "#c62828",
}


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": "Helvetica, Arial, sans-serif",
            "view": {"continuousWidth": 480, "continuousHeight": 260, "stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridOpacity": 0.4,
                     "labelLimit": 260},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
            "title": {"fontSize": 14, "anchor": "start"},
            "range": {"category": ["#1565c0", "#ef6c00", "#2e7d32", "#c62828", "#6a1b9a",
                                   "#00838f", "#9e9d24", "#5d4037", "#ad1457", "#455a64"]},
        }
    }


alt.theme.register("compliance_kit", enable=False)(_theme)


def setup(renderer: str = "svg") -> None:
    """Enable the kit's theme and a renderer. Raises ValueError for an unknown renderer."""
    if renderer not in RENDERERS:
        raise ValueError(f"chart_renderer must be one of {', '.join(RENDERERS)}, not {renderer!r}")
    alt.theme.enable("compliance_kit")
    alt.renderers.enable(renderer)
    # Data is embedded in the chart; the sample's aggregates are far below this limit,
    # but a report over raw rows must aggregate first rather than lift the limit.
    alt.data_transformers.enable("default", max_rows=20_000)


def status_scale(statuses) -> alt.Scale:
    """A colour scale that gives each known status its fixed colour."""
    statuses = list(statuses)
    return alt.Scale(domain=statuses, range=[STATUS_COLOURS.get(s, "#607d8b") for s in statuses])


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

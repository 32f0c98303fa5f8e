"""One look for every shared page: the colour-blind-safe palette and the page CSS.

The palette is Okabe-Ito (Okabe & Ito 2008, "Color Universal Design"), which stays
distinguishable under the common colour-vision deficiencies. Statuses:

- good: bluish green   (in time, declared, on time)
- warn: orange         (late but done, watch)
- bad:  vermillion     (overdue, open past deadline, undeclared)
- none: grey           (no threshold, not computed, hidden)

No two statuses share a colour (tests/test_style.py checks it), and the chart colours of
`charts.STATUS_COLOURS` are drawn from the same palette, so a card and a bar that mean the
same thing look the same.

`PAGE_CSS` is the stylesheet of the run overview, the index and every dashboard (inlined in
each page: pages work opened alone, offline). Its content column never scrolls sideways:
text wraps, tables stay inside the column (`.ck-scroll` wraps a table that must keep its
columns, so only that box scrolls, never the page), and images and SVG charts shrink to fit.
"""

from __future__ import annotations

import re

# The colours live in compliance_kit.palette (charts, below reports, use them too).
from ..palette import (CATEGORICAL, GREY, LIGHT_GREY, OKABE_ITO, SERIES, STATUS,  # noqa: F401
                       STATUS_WORDS)

# Background tints of the card statuses (text stays dark on them: WCAG AA contrast).
_TINT = {"good": "#E6F5F0", "warn": "#FDF3DC", "bad": "#FBE9DF", "none": "#F2F2F2"}

CONTENT_WIDTH_PX = 1100

PAGE_CSS = f"""
:root {{
  --ck-good: {STATUS['good']}; --ck-warn: {STATUS['warn']}; --ck-bad: {STATUS['bad']}; --ck-none: {STATUS['none']};
  --ck-text: #222; --ck-muted: #555; --ck-rule: #e0e0e0; --ck-link: {OKABE_ITO['blue']};
}}
html {{ -webkit-text-size-adjust: 100%; }}
body.ck-page, .ck-page {{ font-family: Helvetica, Arial, sans-serif; color: var(--ck-text); }}
.ck-main {{ max-width: {CONTENT_WIDTH_PX}px; margin: 0 auto; padding: 0 1em; box-sizing: border-box;
  overflow-wrap: break-word; min-width: 0; }}
.ck-main img, .ck-main svg {{ max-width: 100%; height: auto; }}
.ck-main a {{ color: var(--ck-link); }}

/* header and navigation */
.ck-header {{ border-bottom: 1px solid var(--ck-rule); margin: 0 0 1em 0; padding: 0.6em 0 0.8em 0; }}
.ck-header h1 {{ font-size: 1.6em; margin: 0.2em 0 0.3em 0; line-height: 1.25; }}
.ck-header .ck-sub {{ color: var(--ck-muted); margin: 0 0 0.4em 0; font-size: 0.95em; }}
.ck-nav {{ font-size: 0.9em; display: flex; flex-wrap: wrap; gap: 0.3em 1em; margin: 0 0 0.4em 0; padding: 0; list-style: none; }}
.ck-nav a {{ text-decoration: none; }}
.ck-nav a:hover {{ text-decoration: underline; }}
.ck-nav .ck-current {{ font-weight: bold; color: var(--ck-text); }}
.ck-facts {{ font-size: 0.9em; color: var(--ck-muted); margin: 0.3em 0; }}
.ck-facts dt {{ display: inline; font-weight: normal; }}
.ck-facts dd {{ display: inline; margin: 0 1em 0 0.3em; color: var(--ck-text); }}
.ck-failed {{ color: var(--ck-bad); font-weight: bold; }}
.ck-date {{ white-space: nowrap; }}

/* headline cards */
.ck-cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 0.8em; margin: 0.8em 0 1.2em 0; }}
.card {{ border: 1px solid var(--ck-rule); border-left: 6px solid var(--ck-none); border-radius: 4px;
  padding: 0.6em 0.8em; background: {_TINT['none']}; min-width: 0; }}
.card .card-label {{ font-size: 0.9em; color: var(--ck-muted); margin: 0; }}
.card .card-value {{ font-size: 1.6em; font-weight: bold; margin: 0.15em 0; font-variant-numeric: tabular-nums; }}
.card .card-detail {{ font-size: 0.85em; margin: 0.1em 0 0.3em 0; color: var(--ck-text); }}
.card .card-change {{ font-size: 0.85em; color: var(--ck-muted); margin: 0; }}
.card .card-status {{ font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.04em; margin: 0; }}
.card.status-good {{ border-left-color: var(--ck-good); background: {_TINT['good']}; }}
.card.status-warn {{ border-left-color: var(--ck-warn); background: {_TINT['warn']}; }}
.card.status-bad {{ border-left-color: var(--ck-bad); background: {_TINT['bad']}; }}
.card.status-none {{ border-left-color: var(--ck-none); background: {_TINT['none']}; }}
.status-dot {{ display: inline-block; width: 0.7em; height: 0.7em; border-radius: 50%; background: var(--ck-none); margin-right: 0.3em; }}
.status-good .status-dot, .status-dot.status-good {{ background: var(--ck-good); }}
.status-warn .status-dot, .status-dot.status-warn {{ background: var(--ck-warn); }}
.status-bad .status-dot, .status-dot.status-bad {{ background: var(--ck-bad); }}

/* tables: never wider than the column */
.ck-main table, table.ck-table {{ border-collapse: collapse; max-width: 100%; font-size: 0.9em; }}
table.ck-table {{ table-layout: auto; }}
table.ck-table th, table.ck-table td {{ text-align: left; vertical-align: top; padding: 4px 10px 4px 0;
  border-bottom: 1px solid var(--ck-rule); overflow-wrap: break-word; word-break: normal; }}
table.ck-table th {{ color: var(--ck-muted); font-weight: normal; }}
table.ck-table td.num, table.ck-table th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
table.ck-table caption {{ text-align: left; color: var(--ck-muted); padding: 0 0 0.3em 0; }}
.ck-scroll {{ max-width: 100%; overflow-x: auto; }}
.ck-empty {{ color: var(--ck-muted); font-style: italic; }}
.ck-note {{ color: var(--ck-muted); font-size: 0.85em; margin: 0.3em 0; }}
details.ck-more {{ margin: 0.4em 0 1em 0; }}
details.ck-more > summary {{ cursor: pointer; color: var(--ck-link); }}
details.ck-quote > summary {{ cursor: pointer; color: var(--ck-link); font-size: 0.9em; }}

@media (max-width: 600px) {{
  .ck-main {{ padding: 0 0.5em; }}
  .ck-header h1 {{ font-size: 1.3em; }}
  .ck-cards {{ grid-template-columns: 1fr 1fr; gap: 0.5em; }}
  .card .card-value {{ font-size: 1.3em; }}
  table.ck-table {{ font-size: 0.8em; }}
}}
"""


def status_class(status: str | None) -> str:
    """'good' -> 'status-good'; anything unknown reads as 'status-none'."""
    return f"status-{status if status in STATUS else 'none'}"


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def dates_unbroken(escaped: str) -> str:
    """Escaped text with each ISO date (a policy version, a run's day) kept on one line
    (`.ck-date`): browsers break "2022-05-25" at a hyphen on a narrow screen. The dates are
    digits and hyphens only, so wrapping them adds no unescaped text."""
    return _ISO_DATE.sub(lambda m: f'<span class="ck-date">{m.group(0)}</span>', escaped)


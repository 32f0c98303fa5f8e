"""Tables for people: a Polars frame shown as a plain HTML table (no quotes around text,
no dtype row, numbers right-aligned with thousands separators, nulls as a dash).

Every value is HTML-escaped, so text from the data (even `=HYPERLINK(...)` or `<script>`)
stays inert in notebooks and shared dashboards.
"""

from __future__ import annotations

import html

import polars as pl

NULL = "–"


def _cell(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}"
    return html.escape(str(value))


class Table:
    """What notebooks display: `Table(df)` renders as HTML in Jupyter and as text elsewhere."""

    def __init__(self, df: pl.DataFrame, caption: str | None = None, max_rows: int = 200):
        self.df = df
        self.caption = caption
        self.max_rows = max_rows

    def _repr_html_(self) -> str:
        df = self.df.head(self.max_rows)
        numeric = {c for c, t in df.schema.items() if t.is_numeric()}
        head = "".join(
            f'<th style="text-align:{"right" if c in numeric else "left"}">{html.escape(c)}</th>'
            for c in df.columns
        )
        rows = []
        for row in df.iter_rows():
            cells = "".join(
                f'<td style="text-align:{"right" if c in numeric else "left"}">{_cell(v)}</td>'
                for c, v in zip(df.columns, row)
            )
            rows.append(f"<tr>{cells}</tr>")
        more = ""
        if self.df.height > self.max_rows:
            more = f"<p><small>{self.max_rows} of {self.df.height:,} rows shown</small></p>"
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (
            f'<table class="ck-table">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{more}"
        )

    def __repr__(self) -> str:
        return repr(self.df)


def show(df: pl.DataFrame, caption: str | None = None, max_rows: int = 200) -> Table:
    return Table(df, caption=caption, max_rows=max_rows)

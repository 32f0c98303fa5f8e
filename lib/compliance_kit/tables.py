"""Tables for people: a Polars frame shown as a plain HTML table (no quotes around text,
no dtype row, numbers right-aligned with thousands separators, nulls as a dash).

Every value is HTML-escaped, so text from the data (even `=HYPERLINK(...)` or `<script>`)
stays inert in notebooks and shared dashboards.
"""

from __future__ import annotations

import re

import polars as pl

from .privacy.escaping import escape
from .privacy.suppression import HIDDEN

NULL = "–"
# Text that stands for a number: a suppressed count ("<5", "hidden"), "12,345", "3.2%".
_NUMBER_LIKE = re.compile(rf"^(<\d+|{HIDDEN}|-?[\d,]+(\.\d+)?%?)$")


def _cell(value, numeric_column: bool = True) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}"
    if isinstance(value, (list, tuple)):
        return escape(", ".join(NULL if v is None else str(v) for v in value))
    # a count turned to text by suppression; not an id that happens to be all digits (a
    # pseudonym) in a text column
    if isinstance(value, str) and value.isdigit() and numeric_column:
        return f"{int(value):,}"
    return escape(str(value))


def _right_aligned(df: pl.DataFrame) -> set[str]:
    """Numeric columns, and text columns whose every value reads as a number."""
    right = set()
    for name, dtype in df.schema.items():
        if dtype.is_numeric():
            right.add(name)
        elif dtype == pl.String:
            values = df[name].drop_nulls()
            if values.len() and values.str.contains(_NUMBER_LIKE.pattern).all():
                right.add(name)
    return right


class Table:
    """What notebooks display: `Table(df)` renders as HTML in Jupyter and as text elsewhere."""

    def __init__(self, df: pl.DataFrame, caption: str | None = None, max_rows: int = 200):
        self.df = df
        self.caption = caption
        self.max_rows = max_rows

    def _repr_html_(self) -> str:
        df = self.df.head(self.max_rows)
        numeric = _right_aligned(df)
        head = "".join(
            f'<th style="text-align:{"right" if c in numeric else "left"}">{escape(c)}</th>'
            for c in df.columns
        )
        rows = []
        for row in df.iter_rows():
            cells = "".join(
                f'<td style="text-align:{"right" if c in numeric else "left"}">{_cell(v, c in numeric)}</td>'
                for c, v in zip(df.columns, row)
            )
            rows.append(f"<tr>{cells}</tr>")
        more = ""
        if self.df.height > self.max_rows:
            more = f"<p><small>{self.max_rows} of {self.df.height:,} rows shown</small></p>"
        caption = f"<caption>{escape(self.caption)}</caption>" if self.caption else ""
        return (
            f'<table class="ck-table">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{more}"
        )

    def __repr__(self) -> str:
        return repr(self.df)


def show(df: pl.DataFrame, caption: str | None = None, max_rows: int = 200) -> Table:
    return Table(df, caption=caption, max_rows=max_rows)


def install(max_rows: int = 200) -> None:
    """Show every Polars DataFrame a notebook displays as a `Table` (one look across all
    dashboards). Does nothing outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kit
        return
    shell = get_ipython()
    if shell is None:
        return
    html = shell.display_formatter.formatters["text/html"]
    html.for_type(pl.DataFrame, lambda df: Table(df, max_rows=max_rows)._repr_html_())

"""Tables for people: a Polars frame shown as a plain HTML table that fits the page.

- No quotes around text, no dtype row; column names from the one label dictionary
  (figures.column_label: "performance_pct" reads "answered in time (%)").
- One number format (figures.format_value): counts with thousands separators, shares and
  percentages as "85.9%", bytes as KB/MB/GB, nulls as a dash; numbers right-aligned.
- An empty frame is a sentence, not a table of headers.
- A long table shows its first rows (those most worth acting on: ranked by `rank_by`,
  else as the analysis sorted them) and the whole table behind a `<details>` "show all":
  no script needed.
- Never wider than the content column: long text wraps (the page's CSS), a list of more
  than a few values reads as its count with the values behind `<details>`, and a long
  quote sits behind `<details>` with its first words as the summary.
- Rows whose every count is suppressed collapse into one "other (n groups under k)" row:
  they said nothing one by one, and a reader need not scroll through them.

Every value is HTML-escaped by the one escaping point (privacy.escaping.escape), so text
from the data (even `=HYPERLINK(...)` or `<script>`) stays inert in notebooks and pages.
"""

from __future__ import annotations

import re

import polars as pl

from .figures import column_kind, column_label, format_value
from .params_words import duration_words
from .privacy.escaping import escape
from .privacy.suppression import HIDDEN

NULL = "–"
# Text that stands for a number: a suppressed count ("<5", "hidden"), "12,345", "3.2%".
_NUMBER_LIKE = re.compile(rf"^(<\d+|{HIDDEN}|-?[\d,]+(\.\d+)?%?)$")
_SMALL = re.compile(r"^<(\d+)$")
_ISO_IN_TEXT = re.compile(r"\bP(?:\d+[YMWD])+(?:T\d+H)?\b|\bPT\d+H\b")
_ISO_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")

TOP_N = 10          # rows shown before "show all"
LONG_TABLE = 15     # a table longer than this gets the top rows and "show all"
LIST_SHOWN = 4      # a list longer than this reads as its count
LONG_TEXT = 140     # text longer than this (or any *quote* column) goes behind <details>
EMPTY = "Nothing to show: no row in scope for this table."


def _is_suppressed(value) -> bool:
    return isinstance(value, str) and (value == HIDDEN or bool(_SMALL.match(value)))


def float_decimals(values) -> int:
    """Decimals for a column of plain floats, the same for every row so the column reads
    evenly: 3 below 10 (ratios such as a lag over the allowed delay), 1 below 1,000, else 0."""
    biggest = max((abs(v) for v in values if isinstance(v, float)), default=0.0)
    return 3 if biggest < 10 else 1 if biggest < 1000 else 0


def _number(value, kind: str, numeric_column: bool, decimals: int | None = None) -> str | None:
    """A number in the one format, or None when `value` is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if kind in ("share", "percent", "bytes", "days"):
            return escape(format_value(kind, value).replace(" days", "").replace(" day", ""))
        if isinstance(value, int):
            return f"{value:,}"
        if decimals is not None:
            return f"{value:,.{decimals}f}"
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}"
    # a count turned to text by suppression; not an id that happens to be all digits (a
    # pseudonym) in a text column
    if isinstance(value, str) and value.isdigit() and numeric_column:
        return f"{int(value):,}"
    return None


def _details(summary: str, body: str, css: str = "ck-quote") -> str:
    return (f'<details class="{css}"><summary>{escape(summary)}</summary>'
            f"{escape(body)}</details>")


def _cell(value, numeric_column: bool = True, column: str = "", decimals: int | None = None) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = _number(value, column_kind(column), numeric_column, decimals)
    if number is not None:
        return number
    if isinstance(value, (list, tuple, pl.Series)):
        values = [NULL if v is None else str(v) for v in value]
        if len(values) > LIST_SHOWN:
            return _details(f"{len(values)} values", ", ".join(values))
        return escape(", ".join(values))
    text = str(value)
    # "P30D" -> "30 days", "PT24H" -> "24 hours", alone or in a sentence
    text = _ISO_IN_TEXT.sub(lambda m: duration_words(m.group(0)), text)
    if "quote" in column.lower() and len(text) > 60 or len(text) > LONG_TEXT:
        words = text[:60].rsplit(" ", 1)[0] if " " in text[:60] else text[:60]
        return _details(words + " …", text)
    # a list folded into text ("a, b, c, ...") of many values reads as its count
    parts = text.split(", ")
    if len(parts) > LIST_SHOWN + 2 and all(len(p) < 40 for p in parts):
        return _details(f"{len(parts)} values", text)
    return escape(text)


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


def _sort_number(value) -> float:
    """A value as a number to rank rows by; a hidden or missing one ranks last."""
    if isinstance(value, bool) or value is None:
        return float("-inf")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).replace(",", "").rstrip("%")
    try:
        return float(text)
    except ValueError:
        return float("-inf")


def collapse_suppressed(df: pl.DataFrame, numeric: set[str]) -> tuple[pl.DataFrame, int, str | None]:
    """Drop the rows whose every count column is suppressed (and at least one is); return
    the rest, how many were dropped, and the suppression label they carried ("<5" or
    "hidden")."""
    if not numeric or df.height == 0:
        return df, 0, None
    cols = [c for c in df.columns if c in numeric]
    keep, label = [], None
    dropped = 0
    for row in df.select(cols).iter_rows():
        values = [v for v in row if v is not None and v != NULL]
        all_hidden = bool(values) and all(_is_suppressed(v) for v in values)
        keep.append(not all_hidden)
        if all_hidden:
            dropped += 1
            label = label or next((v for v in values if _SMALL.match(v)), HIDDEN)
    if dropped < 2:  # one row alone is no clutter, and "other (1 group)" would name it
        return df, 0, None
    return df.filter(pl.Series(keep)), dropped, label


class Table:
    """What notebooks display: `Table(df)` renders as HTML in Jupyter and as text elsewhere.

    `top`: rows shown before "show all" when the table is longer than `long`;
    `rank_by`: the column whose largest values come first in the top rows (else the
    analysis's order); `empty`: the sentence for a table with no row; `collapse=False`
    keeps rows whose counts are all suppressed (when the row itself is the finding, e.g.
    an undeclared route); `max_rows`: the most rows ever rendered (the rest are counted)."""

    def __init__(self, df: pl.DataFrame, caption: str | None = None, max_rows: int = 500,
                 top: int = TOP_N, long: int = LONG_TABLE, rank_by: str | None = None,
                 empty: str | None = None, collapse: bool = True):
        self.df = df
        self.collapse = collapse
        self.caption = caption
        self.max_rows = max_rows
        self.top = top
        self.long = long
        self.rank_by = rank_by
        self.empty = empty

    def _table(self, df: pl.DataFrame, numeric: set[str], other: tuple[int, str | None] = (0, None)) -> str:
        def align(c):
            return "right" if c in numeric else "left"

        head = "".join(f'<th style="text-align:{align(c)}">{escape(column_label(c))}</th>' for c in df.columns)
        decimals = {c: float_decimals(df[c].to_list()) for c, t in df.schema.items() if t.is_float()}
        rows = []
        for row in df.iter_rows():
            cells = "".join(f'<td style="text-align:{align(c)}">{_cell(v, c in numeric, c, decimals.get(c))}</td>'
                            for c, v in zip(df.columns, row))
            rows.append(f"<tr>{cells}</tr>")
        n_other, label = other
        if n_other:
            under = f" under {label[1:]}" if label and _SMALL.match(label) else ", counts hidden"
            first = True
            cells = []
            for c in df.columns:
                if c in numeric:
                    cells.append(f'<td style="text-align:right">{escape(label or HIDDEN)}</td>')
                elif first:
                    cells.append(f'<td style="text-align:left">{escape(f"other ({n_other} groups{under})")}</td>')
                    first = False
                else:
                    cells.append(f'<td style="text-align:left"></td>')
            rows.append(f'<tr class="ck-other">{"".join(cells)}</tr>')
        caption = f"<caption>{escape(self.caption)}</caption>" if self.caption else ""
        return (f'<table class="ck-table">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>")

    def _repr_html_(self) -> str:
        if self.df.height == 0:
            caption = f"{self.caption}: " if self.caption else ""
            return f'<p class="ck-empty">{escape(caption + (self.empty or EMPTY))}</p>'
        df = self.df.head(self.max_rows)
        numeric = _right_aligned(df)
        df, n_other, label = collapse_suppressed(df, numeric) if self.collapse else (df, 0, None)
        more = ""
        if self.df.height > self.max_rows:
            more = f'<p class="ck-note">{self.max_rows:,} of {self.df.height:,} rows shown</p>'
        if df.height + (1 if n_other else 0) <= self.long:
            return self._table(df, numeric, (n_other, label)) + more
        top = df
        if self.rank_by in df.columns:
            order = sorted(range(df.height), key=lambda i: -_sort_number(df[self.rank_by][i]))
            top = df.select(pl.all().gather(order[: self.top]))
        else:
            top = df.head(self.top)
        n_all = df.height + (1 if n_other else 0)
        ranked = f", most {column_label(self.rank_by)} first" if self.rank_by in df.columns else ""
        return (
            f'<p class="ck-note">{escape(f"The first {top.height} of {n_all:,} rows{ranked}.")}</p>'
            + self._table(top, numeric)
            + f'<details class="ck-more"><summary>{escape(f"Show all {n_all:,} rows")}</summary>'
            + self._table(df, numeric, (n_other, label)) + "</details>" + more
        )

    def __repr__(self) -> str:
        return repr(self.df)


def show(df: pl.DataFrame, caption: str | None = None, max_rows: int = 500, **options) -> Table:
    """`Table(df, ...)`: options top, long, rank_by, empty, collapse (see Table)."""
    return Table(df, caption=caption, max_rows=max_rows, **options)


def install(max_rows: int = 500) -> None:
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

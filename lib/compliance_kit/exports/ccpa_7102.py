"""The CCPA annual request metrics (11 CCR 7102(a)) for a privacy policy page: per request
category (know, delete, correct, opt-out, limit) the requests received, complied with in
whole or in part, denied, and the median and mean days to a substantive response.

The figures are `requests.ccpa_7102(prepared, scope, by="ccpa_category")`: the one query
the request notebook's 7102 table comes from (requests_ccpa_7102.sql), over the requests
received in the calendar year (`requests.prepare` with that window), classified as of the
export day. Nothing is computed here.

Small-cell suppression does not apply: the regulation asks a business to disclose these
totals, and they are published as such. Every value is still HTML-escaped
(compliance_kit.privacy.escaping).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import duckdb
import polars as pl

from .. import engines
from ..analysis import requests
from ..contract import AsOf
from ..errors import UserError
from ..privacy.escaping import escape

# the categories of 7102(a), as requests_ccpa_7102.sql names them, and how a page says them
CATEGORIES = (
    ("know", "Requests to know"),
    ("delete", "Requests to delete"),
    ("correct", "Requests to correct"),
    ("opt-out (sell/share)", "Requests to opt out of the sale or sharing of personal information"),
    ("limit", "Requests to limit the use of sensitive personal information"),
)
CONSUMERS = {"california": "US-CA", "all": "GLOBAL"}
COLUMNS = ("category", "label", "received", "complied_in_whole_or_part", "denied", "open",
           "median_days", "mean_days")
NOTE = ("Small-cell suppression does not apply to this table: 11 CCR 7102(a) asks for these totals, "
        "so they are disclosed as counted.")


@dataclass
class Disclosure:
    year: int
    consumers: str
    as_of: dt.date
    window_end: dt.date
    table: pl.DataFrame           # COLUMNS, one row per category, in CATEGORIES order

    @property
    def partial(self) -> bool:
        return self.window_end < dt.date(self.year, 12, 31)


def default_year(as_of) -> int:
    """The previous calendar year relative to `as_of` (the regulation's reporting year)."""
    return AsOf.parse(as_of).day.year - 1


def disclosure(con: duckdb.DuckDBPyConnection, year: int | None = None, consumers: str = "california",
               as_of="today") -> Disclosure:
    """The 7102 figures of requests received in `year` from `consumers` ('california': the
    US-CA requests, 'all': every consumer, as 7102(a) allows)."""
    day = AsOf.parse(as_of).day
    year = default_year(day) if year is None else int(year)
    if consumers not in CONSUMERS:
        raise UserError(f"--consumers must be one of {', '.join(CONSUMERS)}, not {consumers!r}")
    if year > day.year:
        raise UserError(f"--year {year} is after the as-of day {day}: nothing received yet")
    start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), day)
    prepared = requests.prepare(engines.of(con), day, window_start=start, window_end=end)
    got = requests.ccpa_7102(prepared, scope=CONSUMERS[consumers], by="ccpa_category")
    by_category = {r["ccpa_category"]: r for r in got.iter_rows(named=True)}
    rows = []
    for category, label in CATEGORIES:
        r = by_category.get(category, {})
        rows.append({"category": category, "label": label,
                     **{c: int(r.get(c) or 0) for c in ("received", "complied_in_whole_or_part", "denied", "open")},
                     "median_days": r.get("median_days"), "mean_days": r.get("mean_days")})
    table = pl.DataFrame(rows, schema={"category": pl.String, "label": pl.String, "received": pl.Int64,
                                       "complied_in_whole_or_part": pl.Int64, "denied": pl.Int64,
                                       "open": pl.Int64, "median_days": pl.Float64, "mean_days": pl.Float64})
    return Disclosure(year, consumers, day, end, table)


def _days(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def to_csv(d: Disclosure) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["year", "consumers", *COLUMNS])
    for r in d.table.iter_rows(named=True):
        w.writerow([d.year, d.consumers, *("" if r[c] is None else r[c] for c in COLUMNS)])
    return buf.getvalue()


def to_html(d: Disclosure) -> str:
    """An HTML fragment (no <html>/<head>) to paste into a privacy policy page."""
    who = "California consumers" if d.consumers == "california" else "all consumers"
    head = ("<tr><th scope=\"col\">Request</th><th scope=\"col\">Received</th>"
            "<th scope=\"col\">Complied with in whole or in part</th><th scope=\"col\">Denied</th>"
            "<th scope=\"col\">Median days to respond</th><th scope=\"col\">Mean days to respond</th></tr>")
    body = "".join(
        f"<tr><th scope=\"row\">{escape(r['label'])}</th><td>{escape(r['received'])}</td>"
        f"<td>{escape(r['complied_in_whole_or_part'])}</td><td>{escape(r['denied'])}</td>"
        f"<td>{escape(_days(r['median_days']))}</td><td>{escape(_days(r['mean_days']))}</td></tr>"
        for r in d.table.iter_rows(named=True))
    span = (f"1 January to {d.window_end.day} {d.window_end:%B} {d.year} (the year is not over)"
            if d.partial else f"calendar year {d.year}")
    open_total = int(d.table["open"].sum())
    return (f"<section class=\"ccpa-7102\" data-year=\"{escape(d.year)}\">"
            f"<h2>CCPA request metrics, {escape(span)}</h2>"
            f"<p>Requests received from {escape(who)} ({escape(span)}), as required by "
            f"11 CCR \u00a7 7102(a); days to a substantive response are counted from receipt.</p>"
            f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"
            f"<p class=\"note\">{escape(NOTE)} Requests still open on {escape(d.as_of)}: "
            f"{escape(open_total)}.</p></section>\n")

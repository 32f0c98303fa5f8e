"""Data freshness: does the data reach the date the reports are as of?

At plan time the runner reads, in SQL from the store (`sql/run_data_freshness.sql`), each
operational table's row count and latest timestamp, and the manifest records them under
`store.data_freshness` (internal). The run overview compares them with `as_of`
(`assess`) and warns:
- when a table's data ends more than `STALE_AFTER_DAYS` (7) days before the as-of date:
  its figures miss what happened since;
- when the as-of date is after the day the run was made: the figures cannot count what
  has not happened yet.

Shared pages show the latest *date* of each table, never the time: the latest timestamp
is one row's, and a day is as much as a reader needs to judge freshness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from ..params_words import date_words
from ..paths import read_sql
from ..privacy.escaping import escape

STALE_AFTER_DAYS = 7
FRESHNESS_SQL = "run_data_freshness.sql"


def read_data_freshness(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """[{table_name, row_count, latest_at (ISO text or None)}] from the store; [] for a
    store without the operational tables (a store made by hand can still be reported on)."""
    try:
        relation = con.sql(read_sql(FRESHNESS_SQL))
    except (duckdb.CatalogException, duckdb.BinderException):
        return []
    out = []
    for table, rows, latest in relation.fetchall():
        out.append({"table_name": table, "row_count": int(rows),
                    "latest_at": latest.isoformat() if latest is not None else None})
    return out


@dataclass(frozen=True)
class TableFreshness:
    table: str
    rows: int
    latest: dt.date | None          # the day of its latest timestamp (UTC); None: no rows
    days_before_as_of: int | None   # as_of - latest in days (negative: data after as_of)
    stale: bool


@dataclass(frozen=True)
class Freshness:
    as_of: dt.date | None
    run_date: dt.date | None
    latest: dt.date | None          # the latest day over all tables
    tables: list[TableFreshness]
    as_of_in_future: bool
    stale_after_days: int
    recorded: bool                  # False: the manifest has no freshness (an older run)

    @property
    def stale_tables(self) -> list[TableFreshness]:
        return [t for t in self.tables if t.stale]

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.as_of_in_future:
            out.append(f"The as-of date {date_words(self.as_of)} is after the day the run was made "
                       f"({date_words(self.run_date)}): "
                       "the figures cannot count what has not happened yet.")
        stale = self.stale_tables
        if stale:
            listed = "; ".join(f"{t.table} on {date_words(t.latest)} ({t.days_before_as_of} days before)"
                               for t in stale)
            out.append(f"The data ends more than {self.stale_after_days} days before the as-of date "
                       f"({date_words(self.as_of)}): {listed}. Figures miss what happened since; load newer data "
                       "or choose an earlier as-of date.")
        return out


def _date(text) -> dt.date | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text))
    except ValueError:
        try:
            return dt.date.fromisoformat(str(text)[:10])
        except ValueError:
            return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return value.date()


def _as_of(manifest: dict) -> dt.date | None:
    value = (manifest.get("parameters") or {}).get("as_of")
    values = value if isinstance(value, list) else [value]
    dates = [d for d in (_date(v) for v in values) if d is not None]
    return max(dates, default=None)


def assess(manifest: dict, stale_after_days: int = STALE_AFTER_DAYS) -> Freshness:
    """The freshness of a run's data against its as-of date (see the module docstring)."""
    as_of = _as_of(manifest)
    run_date = _date(manifest.get("start"))
    recorded = manifest.get("store", {}).get("data_freshness") if isinstance(manifest.get("store"), dict) else None
    tables = []
    for row in recorded or []:
        latest = _date(row.get("latest_at"))
        rows = int(row.get("row_count") or 0)
        before = (as_of - latest).days if (as_of is not None and latest is not None) else None
        tables.append(TableFreshness(str(row.get("table_name")), rows, latest, before,
                                     before is not None and rows > 0 and before > stale_after_days))
    latest_all = max((t.latest for t in tables if t.latest is not None), default=None)
    in_future = as_of is not None and run_date is not None and as_of > run_date
    return Freshness(as_of, run_date, latest_all, tables, in_future, stale_after_days, recorded is not None)


def render_freshness(f: Freshness) -> str:
    """The overview's freshness block: a warning per problem, then each table's latest day."""
    e = escape
    parts = ['<section class="ck-freshness" id="freshness"><h2>Data freshness</h2>']
    for warning in f.warnings:
        parts.append(f'<p class="ck-warning status-warn" role="note"><span class="status-dot"></span>'
                     f"<strong>Warning:</strong> {e(warning)}</p>")
    if not f.recorded:
        parts.append('<p class="ck-note">This run did not record how far its data reaches '
                     "(runs made before the freshness check).</p>")
    elif not f.tables:
        parts.append('<p class="ck-note">The store has no operational tables to check.</p>')
    else:
        if not f.warnings:
            parts.append(f"<p>The data reaches {e(date_words(f.latest))}; the reports are as of "
                         f"{e(date_words(f.as_of))}. "
                         f"No table ends more than {e(f.stale_after_days)} days before the as-of date.</p>")
        items = []
        for t in f.tables:
            if t.latest is None:
                items.append(f"<li>{e(t.table)}: no rows</li>")
            else:
                stale = ' class="ck-stale"' if t.stale else ""
                items.append(f"<li{stale}>{e(t.table)}: latest {e(date_words(t.latest))}</li>")
        parts.append(f'<ul class="ck-freshness-tables">{"".join(items)}</ul>')
    parts.append("</section>")
    return "".join(parts)

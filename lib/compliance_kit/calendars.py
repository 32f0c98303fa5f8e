"""Working-day calendars as a DuckDB table, so business-day arithmetic and the roll-forward
of a deadline that falls on a weekend or public holiday are JOINs, never a Python loop per row.

`materialise_calendars(con, codes, first_year, last_year)` writes the TEMP table

    calendar_days(calendar VARCHAR, day DATE, is_working BOOLEAN,
                  working_day_index BIGINT, next_working_day DATE)

with one row per calendar and day:

- `is_working`: not a weekend day of that country (the `holidays` package knows e.g. that
  Saudi Arabia rests on Friday and Saturday) and not one of its public holidays
  (observed substitutes included, as bank holidays are).
- `working_day_index`: the number of working days from the start of the table up to and
  including `day`. The n-th working day after day d is the working day whose index is
  index(d) + n, whether or not d itself is a working day.
- `next_working_day`: `day` itself when it is a working day, else the first working day
  after it (the roll-forward target).

Calendar codes (request_deadline_rules.holiday_calendar, data_controllers.holiday_calendar):
- an ISO 3166 alpha-2 country (`NL`, `KR`, `SG`, `US`: federal holidays),
- a subdivision as `CC-SUB` (`US-CA`: federal + California holidays, `GB-SCT`),
- `GB` (and its alias `UK`) means England (`GB-ENG`): the ICO counts with England's bank
  holidays, and the kit's UK rules say "bank holiday",
- `WEEKEND`: Saturday and Sunday only, no holidays (the fallback when neither the rule nor a
  data controller names a calendar).
The table is TEMP: each analysis connection builds its own, so the store may be read-only.
"""

from __future__ import annotations

import datetime as dt
import functools

import duckdb
import holidays
import polars as pl

from .errors import UserError
from .sql_compose import compose

WEEKEND_ONLY = "WEEKEND"
ALIASES = {"GB": ("GB", "ENG"), "UK": ("GB", "ENG")}
TABLE = "calendar_days"


def resolve_code(code: str) -> tuple[str | None, str | None]:
    """(country, subdivision) for the `holidays` package; (None, None) for weekends only."""
    code = code.strip().upper()
    if code == WEEKEND_ONLY:
        return None, None
    if code in ALIASES:
        return ALIASES[code]
    country, _, subdiv = code.partition("-")
    return country, (subdiv or None)


def _holiday_source(code: str, years: range):
    country, subdiv = resolve_code(code)
    if country is None:
        return {5, 6}, set()
    try:
        hol = holidays.country_holidays(country, subdiv=subdiv, years=years)
    except NotImplementedError as exc:
        raise UserError(
            f"unknown holiday calendar {code!r}: use an ISO 3166 country code the `holidays` "
            f"package supports (e.g. 'NL', 'KR'), a subdivision such as 'US-CA', or 'WEEKEND'"
        ) from exc
    weekend = set(getattr(hol, "weekend", {5, 6}))
    return weekend, set(hol.keys())


def calendar_frame(codes, first_year: int, last_year: int) -> pl.DataFrame:
    """The calendar_days rows for `codes` from 1 January `first_year` to 31 December `last_year`
    (calendar, day, is_working; the indexes are added in SQL)."""
    return _calendar_frame(tuple(sorted({c.strip().upper() for c in codes if c})), first_year, last_year)


@functools.lru_cache(maxsize=16)
def _calendar_frame(codes: tuple[str, ...], first_year: int, last_year: int) -> pl.DataFrame:
    if last_year < first_year:
        raise ValueError(f"last_year {last_year} is before first_year {first_year}")
    years = range(first_year, last_year + 1)
    start, end = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
    days = pl.date_range(start, end, interval="1d", eager=True).alias("day")
    frames = []
    for code in codes:
        weekend, hols = _holiday_source(code, years)
        # One vectorised pass per calendar (a few thousand days), not per request.
        weekday = days.dt.weekday() - 1  # polars: Monday=1; holidays: Monday=0
        frame = pl.DataFrame({"day": days}).with_columns(
            calendar=pl.lit(code),
            is_working=~weekday.is_in(list(weekend)) & ~days.is_in(list(hols)),
        )
        frames.append(frame)
    if not frames:
        return pl.DataFrame(schema={"calendar": pl.String, "day": pl.Date, "is_working": pl.Boolean,
                                    "working_day_index": pl.Int64, "next_working_day": pl.Date})
    return pl.concat(frames).select("calendar", "day", "is_working")


def calendar_parameters(codes, first_year: int, last_year: int) -> dict:
    """The parameters of sql/calendar_days.sql for `codes` (the weekend-only calendar always
    included) from 1 January `first_year` to 31 December `last_year`: each calendar's
    weekend days and public holidays, and the first and last day. The days themselves are
    made in SQL: the same rows as calendar_frame."""
    return _calendar_parameters(tuple(sorted({c.strip().upper() for c in set(codes) | {WEEKEND_ONLY} if c})),
                                first_year, last_year)


@functools.lru_cache(maxsize=16)
def _calendar_parameters(codes: tuple[str, ...], first_year: int, last_year: int) -> dict:
    if last_year < first_year:
        raise ValueError(f"last_year {last_year} is before first_year {first_year}")
    years = range(first_year, last_year + 1)
    calendars = []
    for code in codes:
        weekend, hols = _holiday_source(code, years)
        calendars.append({"calendar": code, "weekend": sorted(weekend), "holidays": sorted(hols)})
    return {"calendars": calendars, "first_day": dt.date(first_year, 1, 1),
            "last_day": dt.date(last_year, 12, 31)}


def materialise_calendars(con: duckdb.DuckDBPyConnection, codes, first_year: int,
                          last_year: int) -> int:
    """(Re)create the TEMP table calendar_days for `codes` over the year range on `con`;
    returns its row count. Days at the very end of the range whose next working day lies
    beyond it get NULL as next_working_day: pick the range with a year to spare. (The
    analyses build it through their engine: sql/calendar_days.sql with calendar_parameters.)"""
    query = compose("calendar_days.sql", calendar_parameters(codes, first_year, last_year))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {TABLE} AS\n{query.sql}", query.params)
    return con.sql(compose("relation_count.sql", relation=TABLE).sql).fetchall()[0][0]


def calendar_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every calendar the policy store names (deadline rules and data controllers)."""
    rows = con.sql(compose("calendar_codes.sql").sql).fetchall()
    return {r[0].strip().upper() for r in rows} | {WEEKEND_ONLY}

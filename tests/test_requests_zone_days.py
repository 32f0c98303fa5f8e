"""request_zone_days (requests_zone_days.sql): the local day of an instant by arithmetic on
its zone's UTC offset that UTC day (rq_zone_day) equals ICU's conversion
(rq_local_day: CAST(timezone(zone, ts) AS DATE)) for every zone the kit knows and a few
awkward ones, at instants around every DST transition (found independently, with Python's
zoneinfo) and at instants spread over every minute of the day across the span."""

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
import polars as pl
import pytest

from compliance_kit import timezones
from compliance_kit.engines.duckdb_engine import DuckDBEngine

UTC = dt.timezone.utc
# DST at local midnight (Santiago), a half-hour DST at a half-hour UTC instant (Lord Howe),
# +05:45 (Kathmandu), -03:30 with DST (St John's), a skipped day (Apia, 30 Dec 2011), +14
AWKWARD = ("America/Santiago", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns",
           "Pacific/Apia", "Pacific/Kiritimati", "UTC")
FIRST, LAST = dt.date(2010, 1, 1), dt.date(2027, 12, 31)


def transitions(zone: str) -> list[dt.datetime]:
    """The UTC instants the zone's offset changes in [FIRST, LAST] (zoneinfo: a daily scan,
    then bisection to the second; no zone changes twice within a day)."""
    tz = ZoneInfo(zone)
    def offset(t):
        return t.astimezone(tz).utcoffset()
    found = []
    t = dt.datetime.combine(FIRST, dt.time(), UTC)
    end = dt.datetime.combine(LAST, dt.time(), UTC)
    step = dt.timedelta(days=1)
    while t < end:
        if offset(t) != offset(t + step):
            lo, hi = t, t + step  # offset(lo) differs from offset(hi): the change is in (lo, hi]
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if offset(mid) == offset(lo):
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        t += step
    return found


@pytest.fixture(scope="module")
def zone_days():
    zones = sorted(set(timezones.ZONES.values()) | set(AWKWARD))
    engine = DuckDBEngine(duckdb.connect())
    engine.materialise("request_zones", "requests_zones.sql", {"codes": zones, "zones": zones})
    engine.materialise("request_zone_days", "requests_zone_days.sql",
                       {"first_day": FIRST, "last_day": LAST})
    yield engine, zones
    engine.con.close()


def mismatches(engine, instants: list[tuple[str, dt.datetime]]) -> list:
    """The (zone, instant, lookup day, ICU day) where the two disagree, or the lookup has no row."""
    engine.register("probe", pl.DataFrame(instants, schema={"zone": pl.String,
                                                            "instant": pl.Datetime("us", "UTC")},
                                          orient="row"))
    return engine.con.sql("""
        SELECT p.zone, p.instant,
               rq_zone_day(p.instant, d.offset_us, d.change_us, d.offset_after_us) AS by_lookup,
               rq_local_day(p.instant, p.zone) AS by_icu
        FROM probe AS p
        JOIN request_zones AS z ON z.time_zone = p.zone
        LEFT JOIN request_zone_days AS d ON d.zone_no = z.zone_no AND d.utc_day = rq_utc_day_no(p.instant)
        WHERE by_lookup IS DISTINCT FROM by_icu
        LIMIT 20""").fetchall()


def test_every_transition_of_every_zone(zone_days):
    engine, zones = zone_days
    instants = []
    for zone in zones:
        for t in transitions(zone):
            for delta in (-3600, -1, -0.000001, 0, 0.000001, 1, 3600):
                instants.append((zone, t + dt.timedelta(seconds=delta)))
    assert len(instants) > 7 * 2 * 15 * len(AWKWARD)  # the scan found the transitions
    assert mismatches(engine, instants) == []


def test_instants_spread_over_the_span(zone_days):
    # every 97 minutes (co-prime with the hour: every minute of the day comes round) over
    # 2 years, in every zone, plus the first and last instants of the span
    engine, zones = zone_days
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    instants = [(zone, start + dt.timedelta(minutes=97 * i)) for zone in zones for i in range(0, 10900)]
    instants += [(zone, t) for zone in zones
                 for t in (dt.datetime.combine(FIRST, dt.time(), UTC),
                           dt.datetime.combine(LAST, dt.time(23, 59, 59, 999999), UTC))]
    assert mismatches(engine, instants) == []


def test_a_day_outside_the_span_has_no_row(zone_days):
    # requests_in_scope.sql then converts with ICU (rq_local_day): the table is never guessed beyond its span
    engine, _ = zone_days
    outside = engine.con.sql("SELECT count(*) FROM request_zone_days WHERE utc_day < $a OR utc_day > $b",
                             params={"a": (FIRST - dt.date(1970, 1, 1)).days,
                                     "b": (LAST - dt.date(1970, 1, 1)).days}).fetchall()[0][0]
    assert outside == 0

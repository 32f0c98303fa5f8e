"""Working-day calendars materialised as a DuckDB table (compliance_kit.calendars)."""

import datetime as dt

import duckdb
import pytest

from compliance_kit import calendars
from compliance_kit.errors import UserError
from compliance_kit.store import connect

D = dt.date


@pytest.fixture
def con():
    c = duckdb.connect()
    calendars.materialise_calendars(c, {"GB", "NL", "US-CA", "SA"}, 2019, 2026)
    yield c
    c.close()


def day(con, cal, d):
    rows = con.sql(
        "SELECT is_working, working_day_index, next_working_day FROM calendar_days "
        "WHERE calendar = $c AND day = $d", params={"c": cal, "d": d}).fetchall()
    assert len(rows) == 1, (cal, d, rows)
    return rows[0]


def test_england_christmas_2019_rolls_to_the_27th(con):
    # 25 and 26 Dec 2019 (Wed, Thu) are bank holidays in England; 27 Dec is a Friday.
    assert day(con, "GB", D(2019, 12, 25)) == (False, day(con, "GB", D(2019, 12, 24))[1], D(2019, 12, 27))
    assert day(con, "GB", D(2019, 12, 26))[2] == D(2019, 12, 27)
    assert day(con, "GB", D(2019, 12, 27))[:1] == (True,)
    assert day(con, "GB", D(2019, 12, 27))[1] == day(con, "GB", D(2019, 12, 24))[1] + 1


def test_gb_means_england_not_scotland(con):
    # 2 Jan is a bank holiday in Scotland only; St Andrew's Day too.
    assert day(con, "GB", D(2024, 1, 2))[0] is True


def test_weekend_rolls_to_monday(con):
    # Saturday 5 Oct 2024 -> Monday 7 Oct
    assert day(con, "NL", D(2024, 10, 5)) [0] is False
    assert day(con, "NL", D(2024, 10, 5))[2] == D(2024, 10, 7)


def test_national_holidays_differ(con):
    # Koningsdag (27 Apr 2026, a Monday) is a Dutch holiday, not an English one.
    assert day(con, "NL", D(2026, 4, 27))[0] is False
    assert day(con, "GB", D(2026, 4, 27))[0] is True
    # Labor Day 2 Sep 2024 in California
    assert day(con, "US-CA", D(2024, 9, 2))[0] is False


def test_country_weekend_from_holidays_package(con):
    # Saudi Arabia rests Friday and Saturday: Sunday 6 Oct 2024 is a working day.
    assert day(con, "SA", D(2024, 10, 4))[0] is False
    assert day(con, "SA", D(2024, 10, 6))[0] is True


def test_working_day_index_counts_working_days(con):
    start = day(con, "GB", D(2024, 8, 23))[1]  # Friday before the August bank holiday
    # Mon 26 Aug 2024 is the Summer bank holiday: the next working day is Tue 27 Aug.
    assert day(con, "GB", D(2024, 8, 27))[1] == start + 1
    assert day(con, "GB", D(2024, 8, 26))[1] == start


def test_weekend_only_calendar_always_present(con):
    assert day(con, "WEEKEND", D(2019, 12, 25))[0] is True
    assert day(con, "WEEKEND", D(2019, 12, 28))[0] is False


def test_unknown_calendar_is_a_user_error():
    with pytest.raises(UserError, match="unknown holiday calendar 'XX'"):
        calendars.calendar_frame({"XX"}, 2024, 2024)


def test_codes_resolve():
    assert calendars.resolve_code("gb") == ("GB", "ENG")
    assert calendars.resolve_code("UK") == ("GB", "ENG")
    assert calendars.resolve_code("US-CA") == ("US", "CA")
    assert calendars.resolve_code("KR") == ("KR", None)
    assert calendars.resolve_code("WEEKEND") == (None, None)


def test_temp_table_on_a_read_only_store(tmp_path):
    path = tmp_path / "ro.duckdb"
    c = connect(path)
    c.execute("CREATE TABLE t (x INTEGER)")
    c.close()
    ro = connect(path, read_only=True)
    try:
        n = calendars.materialise_calendars(ro, {"NL"}, 2024, 2024)
        assert n == 2 * 366  # NL and the weekend-only calendar, 2024 is a leap year
    finally:
        ro.close()

"""How request_status_base is stored on DuckDB (docs/metrics-requests.md, "Fourth round"):
its four status columns, its jurisdiction and its type are ENUMs of one byte (a narrower
table, which spills less at 10M requests), declared in the order of their text so that a
sort on them gives the rows in the order a sort of the strings gives, and every result
reaches Polars as String."""

import datetime as dt

import polars as pl

from compliance_kit.analysis import requests as rq
from compliance_kit.engines.transpile import to_spark
from conftest_requests import tiny  # noqa: F401  (fixture)

AS_OF = dt.date(2025, 1, 31)
STATUS_VOCABULARIES = {
    "deadline_status": {"fixed", "clock_not_started", "without_delay", "none", "no_rule"},
    "class": set(rq.CLASSES),
    "queue_bucket": set(rq.QUEUE_BUCKETS),
    "ack_class": {"acknowledged_in_time", "acknowledged_late", "awaiting_in_time", "awaiting_late"},
}


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


def mixed_store(tiny):
    """Requests of every deadline status but clock_not_started, and of several classes on
    one day to the deadline."""
    tiny.rule("sg", "SG", "calendar_days", amount=30)
    tiny.rule("kr", "KR", "without_delay")
    tiny.rule("id", "ID", "none")
    tiny.request("SG", day(-60), completed=day(-40))        # responded in time, 10 days to spare
    tiny.request("SG", day(-40), completed=day(-20))        # responded in time, 10 days to spare
    tiny.request("SG", day(-20))                            # open in time, 10 days to go
    tiny.request("SG", day(-45))                            # open late
    tiny.request("ID", day(-30), completed=day(-10))        # none
    tiny.request("KR", day(-30), completed=day(-29))        # without_delay
    tiny.request("FR", day(-30), completed=day(-29))        # no rule for FR: no_rule
    tiny.request("KR", day(-20))                            # without_delay, open
    tiny.request("ZZ", day(-20), type="objection")          # a code the store does not know
    return tiny


def test_stored_status_columns_are_enums_of_their_vocabulary(tiny):
    mixed_store(tiny).analyse(as_of=AS_OF)
    types = dict(tiny.con.sql(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE table_name = 'request_status_base'").fetchall())
    for column, vocabulary in STATUS_VOCABULARIES.items():
        assert types[column].startswith("ENUM("), (column, types[column])
        declared = tiny.con.sql(
            f"SELECT enum_range(any_value({column})) FROM request_status_base").fetchall()[0][0]
        assert set(declared) == vocabulary, column
        # the declared order is the order of the text: ORDER BY on the ENUM (by its code)
        # then gives rows in the order ORDER BY on the string gave
        assert list(declared) == sorted(declared), column
    # jurisdiction and type: ENUMs of the values the requests use (a code the store does
    # not know included), in text order (the requests were inserted in another)
    requests = tiny.con.sql("SELECT jurisdiction, type FROM requests").pl()
    for column in ("jurisdiction", "type"):
        assert types[column].startswith("ENUM("), (column, types[column])
        declared = tiny.con.sql(
            f"SELECT enum_range(any_value({column})) FROM request_status_base").fetchall()[0][0]
        assert list(declared) == sorted(set(requests[column])), column


def test_sorts_on_status_columns_keep_the_order_of_the_text(tiny):
    mixed_store(tiny).analyse(as_of=AS_OF)
    # ORDER BY ALL with deadline_status first
    nfd = rq.no_fixed_deadline(tiny.con)
    assert nfd["deadline_status"].to_list() == ["no_rule", "no_rule", "none", "without_delay"]
    # ORDER BY ALL: days to the deadline, then class (two classes at +10 days)
    dist = rq.distance_to_deadline(tiny.con)
    assert dist.filter(pl.col("days_to_deadline") == 10)["class"].to_list() == [
        "open_in_time", "responded_in_time"]
    by_status = rq.performance(tiny.con, by="deadline_status")
    assert by_status["deadline_status"].to_list() == ["fixed", "no_rule", "none", "without_delay"]
    # inserted SG, ID, KR, FR, ZZ
    by_place = rq.performance(tiny.con, by=["jurisdiction", "type"])
    assert by_place["jurisdiction"].to_list() == ["FR", "ID", "KR", "SG", "ZZ"]
    for frame in (nfd, dist, by_status, by_place):
        assert frame.equals(frame.sort(frame.columns, nulls_last=True))


def test_results_carry_the_status_columns_as_strings(tiny):
    mixed_store(tiny).analyse(as_of=AS_OF)
    statuses = rq.statuses(tiny.con)
    for column in (*STATUS_VOCABULARIES, "jurisdiction", "type"):
        assert statuses.schema[column] == pl.String, column
    assert rq.upcoming(tiny.con).schema["queue_bucket"] == pl.String
    assert set(statuses["deadline_status"]) == {"fixed", "without_delay", "none", "no_rule"}


def test_spark_gets_the_strings_not_an_enum():
    sql, _ = to_spark(
        "SELECT CAST(CASE WHEN a THEN 'x' END AS ENUM('x', 'y')) AS c, "
        "TRY_CAST(u AS ENUM('x', 'y')) AS d, CAST(j AS rq_jurisdiction_enum) AS e FROM t", "enum_test")
    assert "ENUM" not in sql.upper()
    assert "CASE WHEN a THEN 'x' END AS c" in sql
    # TRY_CAST keeps its meaning: NULL for a value outside the list
    assert "CASE WHEN u IN ('x', 'y') THEN u END AS d" in sql
    # a type the DuckDB engine declares (Engine.declare_enum, nothing on Spark)
    assert "j AS e" in sql


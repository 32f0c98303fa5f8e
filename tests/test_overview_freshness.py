"""reports/freshness.py: each table's latest timestamp, read in SQL from the store, against
the as-of date; warnings when the data ends too early or as_of is in the future."""

import datetime as dt

import duckdb

from compliance_kit.reports.freshness import (STALE_AFTER_DAYS, assess, read_data_freshness,
                                              render_freshness)
from compliance_kit.store import connect, create_schema


def _store(tmp_path, requests_until=None):
    db = tmp_path / "s.duckdb"
    con = connect(db)
    create_schema(con)
    con.execute("INSERT INTO accounts VALUES ('A1', 'FR', TIMESTAMPTZ '2026-01-01 00:00:00+00', "
                "TIMESTAMPTZ '2026-10-30 23:30:00+00')")
    con.execute("INSERT INTO records VALUES ('R1', 'A1', 'account_data', 'crm', 'FR', "
                "TIMESTAMPTZ '2026-01-01 00:00:00+00', NULL, false)")
    if requests_until:
        con.execute("INSERT INTO requests (request_id, account_id, jurisdiction, type, channel, received_at, "
                    "completed_at) VALUES ('Q1', 'A1', 'FR', 'access', 'email', TIMESTAMPTZ '2026-01-01 00:00:00+00', $1)",
                    [requests_until])
    con.close()
    return db


def _manifest(rows, as_of="2026-10-31", start="2026-11-01T06:00:00+00:00"):
    return {"start": start, "parameters": {"as_of": as_of}, "store": {"data_freshness": rows}}


def test_latest_timestamp_per_table_from_the_store(tmp_path):
    db = _store(tmp_path, requests_until=dt.datetime(2026, 9, 1, 12, tzinfo=dt.timezone.utc))
    con = connect(db, read_only=True)
    rows = {r["table_name"]: r for r in read_data_freshness(con)}
    con.close()
    assert rows["accounts"]["latest_at"].startswith("2026-10-30T23:30"), "deleted_at counts"
    assert rows["records"]["row_count"] == 1 and rows["records"]["latest_at"].startswith("2026-01-01")
    assert rows["requests"]["latest_at"].startswith("2026-09-01T12"), "completed_at counts"
    assert rows["transfers"] == {"table_name": "transfers", "row_count": 0, "latest_at": None}


def test_a_store_without_operational_tables_gives_nothing(tmp_path):
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    con.execute("CREATE TABLE accounts (account_id VARCHAR)")
    assert read_data_freshness(con) == []


def test_stale_tables_and_a_future_as_of_are_warned():
    rows = [{"table_name": "accounts", "row_count": 5, "latest_at": "2026-10-30T23:30:00+00:00"},
            {"table_name": "requests", "row_count": 5, "latest_at": "2026-09-01T12:00:00+00:00"},
            {"table_name": "transfers", "row_count": 0, "latest_at": None}]
    f = assess(_manifest(rows))
    assert f.latest == dt.date(2026, 10, 30)
    assert [t.table for t in f.stale_tables] == ["requests"], "an empty table is not stale"
    assert f.stale_tables[0].days_before_as_of == 60
    assert len(f.warnings) == 1 and "requests on 1 September 2026 (60 days before)" in f.warnings[0]
    edge = assess(_manifest([{"table_name": "records", "row_count": 1,
                              "latest_at": f"{dt.date(2026, 10, 31) - dt.timedelta(days=STALE_AFTER_DAYS)}T00:00:00"}]))
    assert edge.warnings == [], f"exactly {STALE_AFTER_DAYS} days is not stale"
    future = assess(_manifest(rows[:1], as_of="2026-12-31"))
    assert future.as_of_in_future and "after the day the run was made (1 November 2026)" in future.warnings[0]


def test_the_page_shows_days_never_times_and_old_runs_say_so():
    rows = [{"table_name": "requests", "row_count": 5, "latest_at": "2026-09-01T12:34:56+00:00"}]
    html = render_freshness(assess(_manifest(rows)))
    assert "1 September 2026" in html and "12:34" not in html and "Warning" in html
    old = render_freshness(assess({"parameters": {"as_of": "2026-10-31"}, "store": {"path": "x"}}))
    assert "did not record" in old


def test_freshness_is_escaped():
    rows = [{"table_name": "<script>x</script>", "row_count": 1, "latest_at": "2026-10-30T00:00:00"}]
    html = render_freshness(assess(_manifest(rows)))
    assert "<script>" not in html and "&lt;script&gt;" in html

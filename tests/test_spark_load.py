"""The Spark engine reads the operational Parquet through the loader's data-contract checks
(engines/spark_load.py): on data with invalid rows it keeps exactly the rows the DuckDB
store loads, quarantines the same lines for the same reasons, accounts for every row, and
so computes the same metrics."""

from __future__ import annotations

import datetime as dt
import shutil

import polars as pl
import pytest

from compliance_kit.analysis import flows, requests, retention
from compliance_kit.paths import DEFAULT_POLICY
from compliance_kit.store import build_store, connect
from conftest_spark import AS_OF, ROOT, spark_engine, spark_sample  # noqa: F401  (fixtures)

pytest.importorskip("pyspark", reason="the spark extra is part of the test extra: pip install -e '.[test]'")

UTC = dt.timezone.utc


def _edit(path, edit) -> None:
    frame = pl.read_parquet(path)
    edit(frame).write_parquet(path)


def _faults(data_dir) -> dict[str, set[str]]:
    """Break some rows of each table in known ways; returns the reasons expected per table."""
    def accounts(df):
        return df.with_columns(  # row 3: deleted before created; row 5: unknown jurisdiction
            deleted_at=pl.when(pl.int_range(pl.len()) == 3)
            .then(pl.col("created_at") - pl.duration(days=1)).otherwise(pl.col("deleted_at")),
            jurisdiction=pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("XX"))
            .otherwise(pl.col("jurisdiction")),
            # row 7: padded id, loaded trimmed (not a fault)
            account_id=pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("  ") + pl.col("account_id"))
            .otherwise(pl.col("account_id")))

    def records(df):
        i = pl.int_range(pl.len())
        return pl.concat([
            df.with_columns(
                category=pl.when(i == 0).then(pl.lit("no_such_category")).otherwise(pl.col("category")),
                account_id=pl.when(i == 1).then(pl.lit("acc-nobody")).otherwise(pl.col("account_id")),
                system=pl.when(i == 2).then(pl.lit(None)).otherwise(pl.col("system")),
                erased_at=pl.when(i == 4).then(pl.col("created_at") - pl.duration(hours=1))
                .otherwise(pl.col("erased_at"))),
            df.slice(10, 2),  # two more copies of records 10 and 11: all copies quarantined
        ])

    def events(df):
        i = pl.int_range(pl.len())
        return df.with_columns(
            subject_id=pl.when(i == 0).then(pl.lit("nobody")).otherwise(pl.col("subject_id")),
            event=pl.when(i == 1).then(pl.lit("moon_landing")).otherwise(pl.col("event")))

    def requests_(df):
        i = pl.int_range(pl.len())
        return df.with_columns(
            channel=pl.when(i == 0).then(pl.lit("carrier_pigeon")).otherwise(pl.col("channel")),
            completed_at=pl.when(i == 1).then(pl.col("received_at") - pl.duration(days=2))
            .otherwise(pl.col("completed_at")),
            outcome=pl.when(i == 2).then(pl.lit("shrugged")).otherwise(pl.col("outcome")),
            request_id=pl.when(i == 4).then(pl.lit(df["request_id"][3])).otherwise(pl.col("request_id")))

    def transfers(df):
        i = pl.int_range(pl.len())
        return df.with_columns(
            bytes=pl.when(i == 0).then(pl.lit(-5, dtype=df.schema["bytes"])).otherwise(pl.col("bytes")),
            destination_country=pl.when(i == 1).then(pl.lit("xx")).otherwise(pl.col("destination_country")),
            recipient=pl.when(i == 2).then(pl.lit("Not An Id!")).otherwise(pl.col("recipient")))

    for table, edit in (("accounts", accounts), ("records", records), ("events", events),
                        ("requests", requests_), ("transfers", transfers)):
        _edit(data_dir / f"{table}.parquet", edit)
    return {
        "accounts": {"deleted_before_created", "unknown_jurisdiction"},
        "records": {"unknown_category", "unknown_account", "missing_value", "erased_before_created",
                    "duplicate_key"},
        "events": {"unknown_subject", "unknown_event"},
        "requests": {"unknown_channel", "completed_before_received", "unknown_outcome", "duplicate_key"},
        "transfers": {"negative_value", "bad_country_code", "bad_recipient_id"},
    }


@pytest.fixture(scope="module")
def faulty(spark_engine, spark_sample, tmp_path_factory):  # noqa: F811
    """(store connection, load report of the store, Spark engine attached to the same
    faulty files, expected reasons). The clean sample is attached again afterwards."""
    clean_dir, clean_con = spark_sample
    base = tmp_path_factory.mktemp("faulty")
    data_dir = base / "sample"
    shutil.copytree(clean_dir, data_dir)
    expected = _faults(data_dir)
    db = base / "faulty.duckdb"
    built = build_store(db, ROOT / DEFAULT_POLICY, data_dir, echo=lambda *a, **k: None)
    con = connect(db, read_only=True)
    spark_engine.attach(data_dir, con)
    yield con, built.data_report, spark_engine, expected
    spark_engine.attach(clean_dir, clean_con)
    con.close()


def test_same_accounting_as_the_loader(faulty):
    con, duck, engine, expected = faulty
    spark = engine.load_report
    for table, reasons in expected.items():
        d, s = duck.tables[table], spark.tables[table]
        assert set(d.quarantined_by_reason) == reasons, f"{table}: the faults did not all fire"
        assert (s.read, s.loaded, s.quarantined_by_reason) == (d.read, d.loaded, d.quarantined_by_reason), (
            f"{table}: spark read/loaded/quarantined {s.read}/{s.loaded}/{s.quarantined_by_reason} "
            f"!= duckdb {d.read}/{d.loaded}/{d.quarantined_by_reason}")
        assert s.read == s.loaded + s.quarantined


def test_same_quarantined_lines_and_reasons(faulty):
    con, _, engine, _ = faulty
    cols = "table_name, line_number, column_name, reason, all_reasons"
    duck = con.sql(f"SELECT {cols} FROM quarantine ORDER BY ALL").fetchall()
    spark = [tuple(r) for r in engine.spark.sql(
        f"SELECT {cols} FROM quarantine ORDER BY table_name, line_number, column_name, reason").collect()]
    assert duck and spark == sorted(duck, key=lambda r: (r[0], r[1], r[2], r[3]))


def test_padded_id_loaded_trimmed_on_both(faulty):
    con, _, engine, _ = faulty
    padded = pl.read_parquet(engine.load_report.tables["accounts"].source_file)["account_id"][7]
    assert padded.startswith("  ")
    ids = {r[0] for r in engine.spark.sql("SELECT account_id FROM accounts").collect()}
    assert padded.strip() in ids and padded not in ids
    assert con.sql("SELECT count(*) FROM accounts WHERE account_id = $i", params={"i": padded.strip()}).fetchall() == [(1,)]


def test_metrics_equal_on_faulty_data(faulty):
    """What the validation is for: the engines agree although the files hold invalid rows."""
    con, _, engine, _ = faulty
    assert retention.headline(retention.evaluate(con, AS_OF)) == retention.headline(retention.evaluate(engine, AS_OF))
    assert flows.metric_set(con, as_of=AS_OF).headline == flows.metric_set(engine, as_of=AS_OF).headline
    requests.prepare(con, AS_OF)
    duck = requests.headline(con)
    spark = requests.headline(requests.prepare(engine, AS_OF))
    assert duck.keys() == spark.keys()
    for key, value in duck.items():
        assert spark[key] == pytest.approx(value), f"requests.headline.{key}: duckdb={value} spark={spark[key]}"


def test_reference_needs_its_parent_table(spark_engine, spark_sample):  # noqa: F811
    from compliance_kit.engines.spark_load import load_validated
    from compliance_kit.errors import DataValidationError

    data_dir, con = spark_sample
    with pytest.raises(DataValidationError, match="validating requests needs accounts"):
        load_validated(spark_engine, str(data_dir), con, tables=("requests",))

"""Validated reading of the operational Parquet on Spark: the loader's data-contract
checks (data/loader.py, generated from data/contract.py) transpiled and run on Spark, so
the Spark engine reads exactly the rows the DuckDB store would have loaded, and accounts
for every other one.

Per table, in the contract's order (a reference check reads the validated parent):
  - `DATA_DIR/<table>.parquet` is read with its row index (line = row index + 1, as the
    DuckDB loader counts it) and its header checked (DataValidationError, as on load);
  - the typed projection and the checks are the loader's own SQL (`_Checks`), transpiled;
  - the rows that pass, minus every copy of a repeated key, become the Spark view
    `<table>` (values typed and trimmed as the loader stores them), computed once and
    kept (SparkEngine.materialise);
  - the others become `quarantine_<table>` (table, file, line, column, reason, raw row,
    all reasons: the store's quarantine columns), and all of them the view `quarantine`;
  - rows read = rows valid + rows quarantined is checked, as the loader checks it.
Only the counts come back (a data.loader.LoadReport); the quarantined rows stay on Spark.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ..data import contract, loader
from ..errors import DataValidationError

QUARANTINE_COLUMNS = ("table_name", "source_file", "line_number", "column_name", "reason",
                      "raw_row", "all_reasons")


def _duckdb_type(spark_type) -> str:
    """The DuckDB name of a Spark column type, as the loader's checks branch on it."""
    from pyspark.sql import types as T

    return {
        T.StringType: "VARCHAR", T.TimestampType: "TIMESTAMP WITH TIME ZONE",
        T.TimestampNTZType: "TIMESTAMP", T.DateType: "DATE", T.LongType: "BIGINT",
        T.IntegerType: "INTEGER", T.ShortType: "SMALLINT", T.ByteType: "TINYINT",
        T.BooleanType: "BOOLEAN", T.DoubleType: "DOUBLE", T.FloatType: "FLOAT",
    }.get(type(spark_type), spark_type.simpleString().upper())


def load_validated(engine, data_dir: str, con: duckdb.DuckDBPyConnection,
                   tables=contract.TABLE_NAMES) -> loader.LoadReport:
    """Register the validated operational tables of `data_dir` on `engine` (views named
    like the store's tables) and the view `quarantine`; return the per-table accounting.
    `con` is the store: the allowed values the policy defines are read from it."""
    from pyspark.sql import functions as F

    spark = engine.spark
    for spec in contract.TABLES:
        needed = {t for ref in spec.references for t, _ in ref.targets} - set(tables)
        if spec.name in tables and needed:
            raise DataValidationError(
                f"Spark engine: validating {spec.name} needs {', '.join(sorted(needed))} (its "
                "references); attach those tables too, or pass validate=False for Parquet "
                "that is already validated")
    base = str(data_dir).rstrip("/")
    local = "://" not in base
    report = loader.LoadReport()
    quarantines = []
    for spec in contract.TABLES:
        if spec.name not in tables:
            continue
        path = f"{base}/{spec.name}.parquet"
        if local and not os.path.lexists(path):
            raise DataValidationError(
                f"Spark engine: {path} not found; DATA_DIR must hold <table>.parquet for "
                f"{', '.join(tables)} (as `compliance-kit synth` writes)")
        if local:  # as the loader: no symlink, pipe or device (a folder of part files is Parquet)
            loader.check_input_file(Path(path), allow_dir=True)
        raw = spark.read.parquet(path)
        types = {f.name: _duckdb_type(f.dataType) for f in raw.schema.fields}
        loader._check_header(Path(path), spec, list(types))
        src = f"_ck_src_{spec.name}"
        raw.select("*", F.col("_metadata.row_index").alias("__row_index")).createOrReplaceTempView(src)
        checks = loader._Checks(con, spec, types, reference_joins=True)
        valid, bad = _table_sql(checks, spec, src)
        params = {**checks.params, "source_file": path}
        good = engine.checkpoint(engine.frame(valid, f"{spec.name}: valid rows", params))
        good.createOrReplaceTempView(spec.name)
        quarantined = engine.frame(bad, f"{spec.name}: quarantined rows", params)
        quarantined.createOrReplaceTempView(f"quarantine_{spec.name}")
        quarantines.append(quarantined)
        read = spark.table(src).count()
        loaded = good.count()
        by_reason = {r["reason"]: r["n"] for r in
                     quarantined.groupBy("reason").agg(F.count(F.lit(1)).alias("n")).collect()}
        result = loader.TableLoad(spec.name, path, "", read, loaded, by_reason)
        if result.read != result.loaded + result.quarantined:  # no row vanishes, as on load
            raise RuntimeError(f"row accounting broken for {spec.name} on Spark: read {read} != "
                               f"valid {loaded} + quarantined {result.quarantined}")
        report.tables[spec.name] = result
    if quarantines:
        union = quarantines[0]
        for q in quarantines[1:]:
            union = union.unionByName(q)
        union.createOrReplaceTempView("quarantine")
    return report


def _table_sql(checks: loader._Checks, spec: contract.Table, src: str) -> tuple[str, str]:
    """(valid rows, quarantined rows) of one table as DuckDB SQL over the view `src`: the
    loader's typed projection and checks; a key repeated among otherwise valid rows
    quarantines every copy (as the loader does). Parameters: the checks' and $source_file."""
    q = loader._q
    line = "src.__row_index + 1"
    typed = checks.typed_sql(src, line)
    key = q("v_" + spec.key)
    good = f"NOT ({checks.bad_sql()})"
    counted = (f"SELECT *, count(*) OVER (PARTITION BY {key}) AS __copies "
               f"FROM ({typed}) AS t WHERE {good}")
    values = ", ".join(f"{q('v_' + c)} AS {q(c)}" for c in spec.column_names)
    valid = f"SELECT {values} FROM ({counted}) AS c WHERE __copies = 1"
    raw = ", ".join(f"'{c}', CAST({q('r_' + c)} AS VARCHAR)" for c in spec.column_names)
    failed = (f"SELECT __line, __column, __reason, __raw, __all "
              f"FROM ({checks.checked_sql(src, line, True)}) AS b")
    repeated = (f"SELECT __line, '{spec.key}' AS __column, 'duplicate_key' AS __reason, "
                f"json_object({raw}) AS __raw, '{spec.key}: duplicate_key' AS __all "
                f"FROM ({counted}) AS c WHERE __copies > 1")
    bad = (f"SELECT '{spec.name}' AS table_name, $source_file AS source_file, "
           "__line AS line_number, __column AS column_name, __reason AS reason, __raw AS raw_row, "
           f"__all AS all_reasons FROM ({failed} UNION ALL {repeated}) AS u")
    return valid, bad

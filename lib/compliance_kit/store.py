"""The DuckDB store: policy tables and operational data in one file analysts can query.

A build writes a new database beside the old one and renames it into place, so a
reader (a notebook, a scheduled run) never sees half a store, and building twice
from the same inputs gives the same store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from .paths import read_sql

if TYPE_CHECKING:
    from .resources import Resources


def connect(db_path: str | Path, read_only: bool = False,
            resources: "Resources | None" = None) -> duckdb.DuckDBPyConnection:
    """Open the store. Timestamps are compared and shown in UTC whatever the host's zone.

    DuckDB's memory limit, threads and spill folder: `resources`, else those the runner
    put in this process's environment (a report kernel; compliance_kit.resources), else
    DuckDB's defaults. A kernel also reports the settings DuckDB took to the runner."""
    from .resources import Resources, apply, report_settings

    db_path = Path(db_path)
    if read_only and not db_path.exists():
        from .errors import UserError

        raise UserError(
            f"no store at {db_path}: build it first with `compliance-kit build --data DIR`"
        )
    con = duckdb.connect(str(db_path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    from_env = resources is None
    resources = resources if resources is not None else Resources.from_env()
    if resources is not None:
        settings = apply(con, resources, db_path)
        if from_env:
            report_settings(settings)
    return con


@dataclass
class BuildReport:
    db_path: Path
    policy_id: str
    policy_rows: dict[str, int] = field(default_factory=dict)
    data_report: object | None = None  # compliance_kit.data.loader.LoadReport when data was loaded


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(read_sql("policy_schema.sql"))
    con.execute(read_sql("data_schema.sql"))


def table_counts(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    # Table names come from our own schema, never from input. fetchall() consumes the
    # result: DuckDB 2 keeps the connection busy while a result is only partly fetched.
    return {t: con.sql(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}


POLICY_TABLES = [
    "policy_versions", "policy_parts", "jurisdictions", "jurisdiction_lineage",
    "data_controllers", "data_categories", "processing_purposes", "retention_triggers",
    "retention_rules", "request_types", "jurisdiction_rules", "jurisdiction_rights",
    "request_deadline_rules", "processors", "declared_transfers",
    "declared_transfer_categories", "modules",
]


def build_store(
    db_path: str | Path,
    policy_path: str | Path,
    data_dir: str | Path | None = None,
    strict: bool = False,
    echo=None,
    resources: "Resources | None" = None,
) -> BuildReport:
    """Validate the policy spec (and the operational data in `data_dir`, if given) and
    write the store to `db_path` atomically. Raises UserError on invalid input."""
    from .policy.spec import load_spec
    from .policy.store import write_policy

    db_path = Path(db_path)
    spec = load_spec(policy_path)  # validate before any work
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if resources is not None and not resources.temp_dir:
        from dataclasses import replace

        from .resources import spill_base

        # spill beside the store being replaced, not beside its temporary name
        resources = replace(resources, temp_dir=str(spill_base(db_path)))
    tmp_path = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    for leftover in (tmp_path, tmp_path.with_name(tmp_path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        con = connect(tmp_path, resources=resources)
        try:
            create_schema(con)
            policy_id = write_policy(con, spec, Path(policy_path))
            report = BuildReport(db_path, policy_id, table_counts(con, POLICY_TABLES))
            if data_dir is not None:
                from .data.loader import load_operational

                report.data_report = load_operational(con, Path(data_dir), strict=strict, echo=echo)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp_path, db_path)
    finally:
        tmp_path.unlink(missing_ok=True)
        tmp_path.with_name(tmp_path.name + ".wal").unlink(missing_ok=True)
    return report

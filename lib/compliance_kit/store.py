"""The DuckDB store: policy tables and operational data in one file analysts can query.

A build writes a new database beside the old one and renames it into place, so a
reader (a notebook, a scheduled run) never sees half a store, and building twice
from the same inputs gives the same tables. Each build writes a new build id into
`store_meta`: the store's identity.

One store per run (docs/scheduling.md): a run pins the store before its first kernel
starts (`pin_store`: a hard link to the file as it is at that moment, else a copy; a
build replaces the file by rename, never in place, so the pinned file keeps the old
build), every kernel opens the pinned file, and `connect` refuses a store whose identity
is not the run's (`$COMPLIANCE_KIT_STORE_ID`, set by the runner in the kernels only).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from .errors import UserError
from .files import sha256_file
from .paths import read_sql

STORE_ID_ENV = "COMPLIANCE_KIT_STORE_ID"   # the store identity a run's kernels must find
EXIT_WRITE_FAILED = 5                       # the README's exit-code table

if TYPE_CHECKING:
    from .resources import Resources


class StoreWriteError(UserError):
    """The store could not be written (disk full, read-only folder): the old one is intact."""

    exit_code = EXIT_WRITE_FAILED


def connect(db_path: str | Path, read_only: bool = False,
            resources: "Resources | None" = None) -> duckdb.DuckDBPyConnection:
    """Open the store. Timestamps are compared and shown in UTC whatever the host's zone.
    Read-only inside a run's kernel, the store must be the run's (see the module doc).

    DuckDB's memory limit, threads and spill folder: `resources`, else those the runner
    put in this process's environment (a report kernel; compliance_kit.resources), else
    DuckDB's defaults. A kernel also reports the settings DuckDB took to the runner."""
    from .resources import Resources, apply, report_settings

    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise UserError(
            f"no store at {db_path}: build it first with `compliance-kit build --data DIR`"
        )
    con = duckdb.connect(str(db_path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    expected = os.environ.get(STORE_ID_ENV) if read_only else None
    if expected:
        found = store_identity(con, db_path)
        if found != expected:
            con.close()
            raise UserError(
                f"the store {db_path} is {found}, but this run reads {expected}: the store was "
                "replaced during the run; run the reports again")
    from_env = resources is None
    resources = resources if resources is not None else Resources.from_env()
    if resources is not None:
        settings = apply(con, resources, db_path)
        if from_env:
            report_settings(settings)
    return con


def store_identity(con: duckdb.DuckDBPyConnection, db_path: str | Path) -> str:
    """`build:<id>`, the build id the store carries; for a store made without `build`
    (no store_meta row), `sha256:<hex>` of the file."""
    try:
        rows = con.sql(read_sql("store_build.sql")).fetchall()
    except duckdb.CatalogException:   # no store_meta table: a store from an older kit or by hand
        rows = []
    if rows:
        return f"build:{rows[0][0]}"
    return f"sha256:{sha256_file(Path(db_path))}"


@dataclass(frozen=True)
class PinnedStore:
    """The file a run reads: a hard link to (or a copy of) the store as it was when pinned."""
    source: Path       # the store the user named
    path: Path         # the pinned file every kernel opens
    how: str           # "hard link" | "copy"


def pin_store(db_path: str | Path, folder: Path) -> PinnedStore:
    """Pin the store at `db_path` into `folder` (a run's hidden folder). A hard link is
    atomic: it names whichever file `db_path` names at that instant, and a later build
    renames a new file into place without touching it. Where a link is impossible (the
    reports folder on another filesystem), the file is copied from one open handle, which
    a rename cannot swap either. An OSError (disk full while copying) goes to the caller."""
    source = Path(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    pinned = folder / source.name
    try:
        os.link(source, pinned)
        return PinnedStore(source, pinned, "hard link")
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
            raise
    with open(source, "rb") as src, open(pinned, "wb") as dst:
        shutil.copyfileobj(src, dst, 8 << 20)
    return PinnedStore(source, pinned, "copy")


@dataclass
class BuildReport:
    db_path: Path
    policy_id: str
    policy_rows: dict[str, int] = field(default_factory=dict)
    data_report: object | None = None  # compliance_kit.data.loader.LoadReport when data was loaded


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(read_sql("policy_schema.sql"))
    con.execute(read_sql("data_schema.sql"))
    con.execute(read_sql("store_meta.sql"))


def new_build_id(now: dt.datetime | None = None) -> str:
    """UTC time to the second and 8 random hex digits: sortable, never reused."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)


def _kit_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("compliance-kit")
    except metadata.PackageNotFoundError:
        return None


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
    plausible=None,
    resources: "Resources | None" = None,
) -> BuildReport:
    """Validate the policy spec (and the operational data in `data_dir`, if given) and
    write the store to `db_path` atomically, with a new build id. Raises UserError on
    invalid input, StoreWriteError (exit 5) when the new file cannot be written (disk
    full, read-only folder): the old store is then untouched. `echo(message)` is told
    each step ("loading <file>"), for progress."""
    from .policy.spec import load_spec
    from .policy.store import write_policy
    from .policy.versions import previous_history, record_history

    db_path = Path(db_path)
    spec = load_spec(policy_path)  # validate before any work
    if resources is not None and not resources.temp_dir:
        from dataclasses import replace

        from .resources import spill_base

        # spill beside the store being replaced, not beside its temporary name
        resources = replace(resources, temp_dir=str(spill_base(db_path)))
    tmp_path = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (tmp_path, tmp_path.with_name(tmp_path.name + ".wal")):
            leftover.unlink(missing_ok=True)
        con = connect(tmp_path, resources=resources)
        try:
            create_schema(con)
            if echo is not None:
                echo("writing the policy")
            policy_id = write_policy(con, spec, Path(policy_path))
            # the versions the replaced store held stay, beside this one (policy diff)
            record_history(con, spec, Path(policy_path), previous_history(db_path))
            report = BuildReport(db_path, policy_id, table_counts(con, POLICY_TABLES))
            if data_dir is not None:
                from .data.loader import load_operational

                report.data_report = load_operational(con, Path(data_dir), strict=strict, echo=echo,
                                                      plausible=plausible)
            con.execute(read_sql("store_meta_insert.sql"),
                        {"build_id": new_build_id(), "built_at": dt.datetime.now(dt.timezone.utc),
                         "kit_version": _kit_version()})
            if echo is not None:
                echo("writing the store")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp_path, db_path)
    except (OSError, duckdb.Error) as exc:
        # Input problems are DataValidationError by now (the loader's); an OSError about
        # another file (an input) is not the store's either. What is left is writing the
        # store: DuckDB says "Could not write file ...: No space left on device" as an
        # IOException, or at commit as a TransactionException.
        if isinstance(exc, OSError) and exc.filename and Path(exc.filename) not in (tmp_path, db_path, db_path.parent):
            raise
        raise StoreWriteError(f"cannot write the store {db_path}: {_reason(exc)}; "
                              "the previous store, if any, is unchanged") from None
    finally:
        for leftover in (tmp_path, tmp_path.with_name(tmp_path.name + ".wal")):
            with contextlib.suppress(OSError):  # --db under a file: nothing to remove, keep the error
                leftover.unlink(missing_ok=True)
    return report


def _reason(exc: BaseException) -> str:
    """The first error of the chain in one line (a failed commit makes the rollback fail
    too; the disk being full is the first error, not the second)."""
    while exc.__context__ is not None:
        exc = exc.__context__
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f" ({exc.filename})" if exc.filename else "")
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

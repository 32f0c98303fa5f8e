"""How much memory and how many threads DuckDB may use, in every process of the kit.

`build`, the runner and every report kernel open the store through `store.connect`, which
applies a `Resources`: DuckDB's `memory_limit`, `threads` and a `temp_directory` where
what does not fit is spilled. The default fits a laptop (DEFAULT_MEMORY_LIMIT), so that a
10M-record store runs in bounded memory without anyone choosing a number.

How the values travel (docs/scale-out.md, "Bounded memory"):
- `build --memory-limit 1GB --threads 2` and `run ...` (or a reports.toml job's
  `memory_limit` / `threads` keys) are parsed here, once, before any work;
- the runner hands them to each kernel in its launch environment (ENV_MEMORY_LIMIT,
  ENV_THREADS), never as a papermill parameter, so the notebooks' parameters and
  contracts stay as they are: the notebook's `connect()` reads them back from there;
- the kernel writes what DuckDB actually set (read back with `current_setting`) to the
  file named by ENV_SETTINGS_FILE, and the runner puts it in the manifest.

Spilling: DuckDB writes temporary blocks under `temp_directory`. Two processes must not
share one (their block files would collide), so each connection gets its own folder:
`<store folder>/.<store name>.spill/<pid>/` by default, or `<ENV_TEMP_DIR>/<pid>/` when a
faster or larger disk is named. DuckDB removes the files it wrote when the connection
closes.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ParameterError

# A laptop's share: DuckDB's buffer pool for one process. The process also holds Python,
# Polars frames of aggregates and the kernel's imports (about 0.3-0.5 GB), so 1.5 GB keeps
# each process near 2 GB; DuckDB spills hash tables and sorts beyond it.
DEFAULT_MEMORY_LIMIT = "1.5GB"

ENV_MEMORY_LIMIT = "COMPLIANCE_KIT_MEMORY_LIMIT"
ENV_THREADS = "COMPLIANCE_KIT_THREADS"
ENV_TEMP_DIR = "COMPLIANCE_KIT_TEMP_DIR"
ENV_SETTINGS_FILE = "COMPLIANCE_KIT_SETTINGS_FILE"   # where a kernel writes DuckDB's read-back settings

_SIZE = re.compile(r"^\s*(\d+(\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)
_SHARE = re.compile(r"^\s*(\d+(\.\d+)?)\s*%\s*$")
_MAX_THREADS = 1024


def parse_memory_limit(value, what: str = "--memory-limit") -> str:
    """'2GB', '1500MB', '1.5 GiB' or '50%' (of the machine's memory), as DuckDB reads
    them; a ParameterError (exit 2) for anything else, before any work."""
    text = str(value).strip() if value is not None else ""
    size, share = _SIZE.match(text), _SHARE.match(text)
    if not (size or share):
        raise ParameterError(f"{what} must be a size such as 2GB, 1500MB or 1.5GiB, or a share of "
                             f"the machine's memory such as 50%, not {value!r}")
    number = float((size or share).group(1))
    if number <= 0 or (share and number > 100):
        raise ParameterError(f"{what} must be more than 0{' and at most 100%' if share else ''}, not {value!r}")
    return text.replace(" ", "")


def parse_threads(value, what: str = "--threads") -> int:
    """A whole number of threads from 1 to 1024."""
    if isinstance(value, bool):
        raise ParameterError(f"{what} must be a whole number from 1 to {_MAX_THREADS}, not {value!r}")
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a whole number from 1 to {_MAX_THREADS}, not {value!r}") from None
    if not 1 <= n <= _MAX_THREADS:
        raise ParameterError(f"{what} must be a whole number from 1 to {_MAX_THREADS}, not {value!r}")
    return n


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Resources:
    """DuckDB's limits for one process: memory_limit (DuckDB's text), threads, and the
    folder under which each connection spills (None: beside the store)."""

    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None          # None: every core
    temp_dir: str | None = None

    @classmethod
    def make(cls, memory_limit=None, threads=None, temp_dir=None) -> "Resources":
        """Checked values; None takes the default (DEFAULT_MEMORY_LIMIT, every core)."""
        return cls(
            memory_limit=parse_memory_limit(memory_limit) if memory_limit is not None else DEFAULT_MEMORY_LIMIT,
            threads=parse_threads(threads) if threads is not None else None,
            temp_dir=str(temp_dir) if temp_dir else None,
        )

    @classmethod
    def from_env(cls, environ=None) -> "Resources | None":
        """What the runner put in a kernel's environment; None when it put nothing (a
        notebook opened by hand keeps DuckDB's own defaults)."""
        environ = os.environ if environ is None else environ
        limit, threads = environ.get(ENV_MEMORY_LIMIT), environ.get(ENV_THREADS)
        if limit is None and threads is None:
            return None
        return cls(
            memory_limit=parse_memory_limit(limit, ENV_MEMORY_LIMIT) if limit else DEFAULT_MEMORY_LIMIT,
            threads=parse_threads(threads, ENV_THREADS) if threads else None,
            temp_dir=environ.get(ENV_TEMP_DIR) or None,
        )

    @property
    def effective_threads(self) -> int:
        return self.threads or default_threads()

    def env(self) -> dict[str, str]:
        """The launch environment that gives a kernel these limits (see from_env)."""
        out = {ENV_MEMORY_LIMIT: self.memory_limit, ENV_THREADS: str(self.effective_threads)}
        if self.temp_dir:
            out[ENV_TEMP_DIR] = self.temp_dir
        return out

    def describe(self) -> dict:
        """What was asked, for the manifest."""
        return {"memory_limit": self.memory_limit, "threads": self.effective_threads,
                "temp_directory": self.temp_dir or "<store folder>/.<store name>.spill/<pid>"}

    def spill_dir(self, db_path: str | Path | None) -> Path | None:
        """This process's spill folder (its parent created here; DuckDB creates the last
        level when it first spills). None for an in-memory database without temp_dir."""
        if self.temp_dir:
            base = Path(self.temp_dir)
        elif db_path is not None and str(db_path) != ":memory:":
            base = spill_base(db_path)
        else:
            return None
        try:
            base.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only folder beside the store: DuckDB's own default then
            return None
        return base / str(os.getpid())


def spill_base(db_path: str | Path) -> Path:
    """The folder beside the store under which each process spills: .<store name>.spill"""
    db_path = Path(db_path).resolve()
    return db_path.parent / f".{db_path.name}.spill"


def apply(con, resources: Resources, db_path: str | Path | None = None) -> dict:
    """Set the limits on a DuckDB connection; return DuckDB's settings read back."""
    # Values were checked by parse_*; SET takes no bind parameters, so they are quoted here.
    con.execute(f"SET memory_limit = '{parse_memory_limit(resources.memory_limit)}'")
    con.execute(f"SET threads = {int(resources.effective_threads)}")
    spill = resources.spill_dir(db_path)
    if spill is not None:
        con.execute("SET temp_directory = " + _quote(str(spill)))
    return read_back(con)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_back(con) -> dict:
    """DuckDB's memory_limit, threads and temp_directory as the connection has them."""
    row = con.sql("SELECT current_setting('memory_limit'), current_setting('threads'), "
                  "current_setting('temp_directory')").fetchall()[0]
    return {"memory_limit": row[0], "threads": int(row[1]), "temp_directory": row[2]}


def report_settings(settings: dict, environ=None) -> None:
    """In a kernel the runner started: write `settings` where the runner reads them."""
    environ = os.environ if environ is None else environ
    target = environ.get(ENV_SETTINGS_FILE)
    if target:
        Path(target).write_text(json.dumps(settings) + "\n", encoding="utf-8")


def validate_duckdb(resources: Resources) -> None:
    """Let DuckDB itself accept the values (on a throwaway in-memory connection), so a
    value it refuses is a ParameterError before any work rather than an error in a kernel."""
    import duckdb

    con = duckdb.connect()
    try:
        try:
            con.execute(f"SET memory_limit = '{parse_memory_limit(resources.memory_limit)}'")
            con.execute(f"SET threads = {int(resources.effective_threads)}")
        except duckdb.Error as exc:
            raise ParameterError(f"DuckDB refuses the limits {resources.describe()}: {exc}") from None
    finally:
        con.close()

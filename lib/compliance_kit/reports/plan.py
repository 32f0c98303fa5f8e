"""Plan a run: which notebooks, with which values, against which store and key store.

Everything here happens before any kernel starts, so every mistake is a ParameterError
or UserError (exit 2) and nothing ran:
- `select_notebooks`: report names -> notebook files, never one outside the folder;
- `resolve_as_of`: --as-of text (a date, today, yesterday) -> YYYY-MM-DD (the contract's
  AsOf parser);
- `validate_parameters`: THE check of every value a run will inject: a report whose
  notebook names a parameter contract (compliance_kit.analysis.CONTRACTS), or declares
  one in its metadata (compliance_kit.contract_data: an analyst's own report), is checked
  against it, with the allowed codes read from the store; any other notebook against
  its parameters cell (reports/inspect.py);
- `read_store_info`: the policy version(s) and input files the manifest records;
- `plan_run`: all of the above, as a RunPlan;
- `plan_on_snapshot`: the plan re-read from the store as the run pinned it (store.pin_store),
  so that what the manifest records and what every kernel reads is one store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path, PureWindowsPath
from typing import Callable

import duckdb

from ..contract import AsOf, Contract, StoreLookup
from ..errors import ParameterError, UserError
from ..figures import FIGURES
from ..paths import read_sql
from ..privacy.keys import prepare_key_store
from ..resources import Resources
from ..store import PinnedStore, connect, store_identity
from .failon import Threshold, check_known_figures, parse_threshold
from .freshness import read_data_freshness
from .inspect import NotebookParameters, check_names, inspect_parameters, resolve_parameters
from .cards import SECTION_OF
from .params import resolve_db, validate_common


@dataclass
class RunRequest:
    notebooks: list[Path]
    as_of: str | None = None
    overrides: dict = field(default_factory=dict)     # name -> value
    from_cli: dict = field(default_factory=dict)      # name -> True when the value is CLI text
    db_path: str | None = None
    out_dir: Path = Path("reports")
    jobs: int = 2
    fail_on: list[str] = field(default_factory=list)
    job: str | None = None                            # the reports.toml job, if any
    keys_dir: Path | None = None                      # the key store (default: $COMPLIANCE_KIT_KEYS, else .keys)
    key_lifetime: str = "run"                         # "run": a key per run; "job": the job's current key
    resources: Resources = field(default_factory=Resources)  # DuckDB's limits, this process and every kernel
    echo: Callable[[str], None] = print


@dataclass
class RunPlan:
    request: RunRequest
    notebooks: list[NotebookParameters]
    parameters: dict[str, dict]                       # notebook name -> injected values
    effective: dict[str, dict]                        # notebook name -> every parameter's value
    thresholds: list[Threshold]
    db_path: Path
    store_info: dict
    store_identity: str | None = None                 # the store's build id (or file hash)
    pinned: PinnedStore | None = None                 # the snapshot the kernels open (plan_on_snapshot)

    @property
    def kernel_db_path(self) -> Path:
        """The store file the notebooks open: the run's pinned snapshot once there is one."""
        return self.pinned.path if self.pinned is not None else self.db_path


# -- which notebooks ----------------------------------------------------------------------

def discover(notebooks_dir: str | Path) -> list[Path]:
    """Every notebook in `notebooks_dir` (not checkpoints), sorted by name."""
    folder = Path(notebooks_dir)
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def _inside(path: Path, folder: Path) -> Path:
    """`path` if it (a symlink: its target) is inside `folder`, else a UserError saying why.
    A report runs code: only notebooks the folder's owner put there may run, so a name
    never reaches a file elsewhere, through `..`, an absolute path or a symlink."""
    if path.resolve().is_relative_to(folder.resolve()):
        return path
    what = "a symbolic link to a notebook" if path.is_symlink() else "a notebook"
    raise UserError(f"report {path.stem!r}: {path} is {what} outside the notebooks folder {folder}; "
                    "reports run only from that folder")


def resolve_report(name: str, folder: Path) -> Path | None:
    """The notebook inside `folder` that the report name `name` stands for (NAME or
    NAME.ipynb in the folder, or a relative path from here into it); None if there is
    none; a UserError (exit 2) for a name that would leave the folder."""
    text = str(name).strip()
    if not text:
        raise UserError("an empty report name: name a notebook, e.g. retention_compliance")
    if text.startswith(("/", "\\", "~")) or PureWindowsPath(text).drive:
        raise UserError(f"report {name!r}: an absolute path is not a report name; name a notebook "
                        f"in the notebooks folder {folder} (or pass --notebooks DIR)")
    if ".." in PureWindowsPath(text).parts:  # splits on / and a backslash alike
        raise UserError(f"report {name!r}: '..' would leave the notebooks folder {folder}")
    p = Path(text)
    file = p if p.suffix == ".ipynb" else p.with_name(p.name + ".ipynb")
    candidates = [folder / file] + ([file] if len(file.parts) > 1 else [])
    for candidate in candidates:
        if candidate.is_symlink() or candidate.is_file():
            return _inside(candidate, folder)
    return None


def select_notebooks(names, run_all: bool, notebooks_dir: str | Path) -> list[Path]:
    """Notebooks named on the command line (see resolve_report), or all in the folder;
    never a notebook outside the folder."""
    folder = Path(notebooks_dir)
    if run_all:
        found = discover(folder)
        if not found:
            raise UserError(f"--all: no notebooks in {folder}")
        return [_inside(p, folder) for p in found]
    if not names:
        raise UserError("name the reports to run (e.g. retention_compliance) or pass --all")
    chosen = []
    for name in names:
        match = resolve_report(name, folder)
        if match is None:
            available = ", ".join(n.stem for n in discover(folder)) or "none"
            raise UserError(f"no report {name!r} in {folder} (available: {available})")
        if match.resolve() not in [c.resolve() for c in chosen]:
            chosen.append(match)
    return chosen


# -- which values ---------------------------------------------------------------------------

def resolve_as_of(value) -> str | None:
    """YYYY-MM-DD, or 'today' / 'yesterday' (UTC) for schedules, as YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return str(AsOf.parse(value))
    except ParameterError:
        raise ParameterError(f"--as-of (parameter as_of) must be a date written YYYY-MM-DD (or today / "
                             f"yesterday), not {value!r}") from None


def contract_of(nb: NotebookParameters) -> Contract | None:
    """The parameter contract the notebook follows (its metadata names it), or None. Its
    parameters cell must declare exactly the contract's parameters."""
    if nb.contract is None:
        return None
    if isinstance(nb.contract, dict):  # an analyst's report declares its own (docs/writing-reports.md)
        from ..contract_data import contract_from_data

        contract = contract_from_data(nb.contract, nb.name)
        _same_parameters(nb, contract)
        return contract
    from ..analysis import CONTRACTS

    if nb.contract not in CONTRACTS:
        raise ParameterError(f"{nb.path.name}: its metadata names the parameter contract {nb.contract!r}; "
                             f"known: {', '.join(CONTRACTS)}")
    contract = CONTRACTS[nb.contract]
    _same_parameters(nb, contract)
    return contract


def _same_parameters(nb: NotebookParameters, contract: Contract) -> None:
    if set(contract.names) != set(nb.parameters):
        raise ParameterError(
            f"{nb.path.name}: the parameters cell declares {sorted(nb.parameters)} but the contract "
            f"{contract.name} declares {sorted(contract.names)}: make them the same")


def validate_parameters(notebooks: list[NotebookParameters], req: RunRequest,
                        lookup: StoreLookup | None = None) -> tuple[dict, dict]:
    """Check every value the run will inject, before any kernel starts; return
    (injected, effective): per notebook, the values to inject, and every parameter's
    value (its default unless injected). A bad value is a ParameterError (exit 2) that
    names the notebook, the parameter, the value and what is allowed.

    The checks, in order: --as-of (given once, a date); each -p / schedule value's name
    (declared by a selected notebook, not one the runner sets); then per notebook: its
    parameter contract when it has one (every value parsed as the notebook's first cell
    will parse it; codes checked against the store through `lookup`, opened from
    req.db_path when not given), else its parameters cell (type) and the parameters
    every notebook shares (as_of, k, chart_renderer)."""
    overrides = dict(req.overrides)
    from_cli = dict(req.from_cli)
    if "as_of" in overrides and req.as_of is not None:
        raise ParameterError("as_of given twice: use --as-of only")
    if req.as_of is not None:
        overrides["as_of"] = resolve_as_of(req.as_of)
        from_cli["as_of"] = True
    check_names(notebooks, overrides)
    contracts = {nb.name: contract_of(nb) for nb in notebooks}
    if any(contracts.values()) and lookup is None:
        con = open_store(resolve_db(req.db_path), req.resources)
        try:
            return validate_parameters(notebooks, req, StoreLookup(con))
        finally:
            con.close()
    plain = [nb for nb in notebooks if contracts[nb.name] is None]
    injected = resolve_parameters(plain, overrides, from_cli) if plain else {}
    effective = {}
    for nb in notebooks:
        values = {n: p.default for n, p in nb.parameters.items()}
        contract = contracts[nb.name]
        if contract is not None:
            mine = {n: v for n, v in overrides.items() if n in nb.parameters}
            injected[nb.name] = contract.check(mine, from_cli, lookup)
            values.update(injected[nb.name])
        else:
            values.update(injected[nb.name])
            try:
                validate_common(as_of=values["as_of"], k=values["k"], chart_renderer=values["chart_renderer"])
            except ParameterError as exc:
                raise ParameterError(f"{nb.path.name}: {exc}") from None
        effective[nb.name] = values
    injected = {nb.name: injected[nb.name] for nb in notebooks}  # in the notebooks' order
    return injected, effective


# -- which store ------------------------------------------------------------------------------

def _json_value(value):
    return value.isoformat() if isinstance(value, dt.date) else value  # dates and timestamps


def _rows(con: duckdb.DuckDBPyConnection, db_path: Path, sql_file: str, table: str) -> list[dict]:
    """The rows of sql/<sql_file> (a plain SELECT from `table`) as dicts."""
    try:
        relation = con.sql(read_sql(sql_file))
    except duckdb.CatalogException:
        # The query names one table and nothing else from the catalog, so: no such table.
        # A store made without the kit's schema (by hand, or by an older kit) can still be
        # reported on; the manifest records an empty list and the pages call the policy unknown.
        return []
    except duckdb.BinderException as exc:  # the table is there, a column is not: an older schema
        first_line = str(exc).splitlines()[0]
        raise UserError(f"the store {db_path} has a {table} table without the columns a run records "
                        f"({first_line}); rebuild it with `compliance-kit build`") from None
    columns = relation.columns
    return [{c: _json_value(v) for c, v in zip(columns, row)} for row in relation.fetchall()]


def open_store(db_path: Path, resources: Resources | None = None) -> duckdb.DuckDBPyConnection:
    """The store, read-only (under `resources`, if given); UserError (exit 2) when it
    cannot be opened."""
    try:
        return connect(db_path, read_only=True, resources=resources)
    except duckdb.Error as exc:  # locked by a writer, or not a DuckDB file
        raise UserError(f"cannot open the store {db_path} read-only: {exc}") from None


def store_info(con: duckdb.DuckDBPyConnection, db_path: Path) -> dict:
    """Policy version(s) and input file hashes from the open store, for the manifest."""
    return {"policy_versions": _rows(con, db_path, "run_policy_versions.sql", "policy_versions"),
            "inputs": _rows(con, db_path, "run_inputs.sql", "load_log")}


def read_store_info(db_path: Path) -> dict:
    """Policy version(s) and input file hashes from the store, for the manifest."""
    con = open_store(db_path)
    try:
        return store_info(con, db_path)
    finally:
        con.close()


def policy_label(store_info: dict) -> str:
    versions = store_info.get("policy_versions") or []
    if not versions:
        return "unknown (no policy_versions row in the store)"
    return "; ".join(f"{v['policy_id']} ({v['title']}, version {v['version']})" for v in versions)


# -- the plan ---------------------------------------------------------------------------------

def plan_run(req: RunRequest) -> RunPlan:
    """Validate everything a run needs; raise ParameterError / UserError before any work."""
    if not req.notebooks:
        raise UserError("no notebooks to run")
    if not isinstance(req.jobs, int) or req.jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, not {req.jobs!r}")
    thresholds = [parse_threshold(t) for t in req.fail_on]
    notebooks = [inspect_parameters(p) for p in req.notebooks]
    names = [nb.name for nb in notebooks]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise UserError(f"two notebooks share the name {sorted(dupes)}: rename one")
    check_known_figures(thresholds, {SECTION_OF[n] for n in names if n in SECTION_OF}, FIGURES)
    db_path = resolve_db(req.db_path)
    # One read-only connection for what the manifest records and for the allowed values
    # the parameter contracts read (jurisdiction codes, request types, ...).
    con = open_store(db_path, req.resources)
    try:
        injected, effective = validate_parameters(notebooks, req, StoreLookup(con))
        info = store_info(con, db_path)
        identity = store_identity(con, db_path)
        info["data_freshness"] = read_data_freshness(con)   # the overview's freshness check
    finally:
        con.close()
    # The key store must lie outside the reports folder and its key load, before any kernel.
    prepare_key_store(req.keys_dir, req.out_dir, req.key_lifetime, req.job)
    return RunPlan(req, notebooks, injected, effective, thresholds, db_path, info, identity)


def plan_on_snapshot(plan: RunPlan, pinned: PinnedStore) -> RunPlan:
    """The plan for the store as the run pinned it. The same build as planned: the plan
    as it is. Another (a build replaced the store between planning and pinning): every
    value checked again and the store's records read again, from the snapshot."""
    con = open_store(pinned.path)
    try:
        identity = store_identity(con, pinned.path)
        if identity == plan.store_identity:
            return replace(plan, pinned=pinned)
        injected, effective = validate_parameters(plan.notebooks, plan.request, StoreLookup(con))
        info = store_info(con, pinned.path)
        info["data_freshness"] = read_data_freshness(con)
    finally:
        con.close()
    return replace(plan, parameters=injected, effective=effective, store_info=info,
                   store_identity=identity, pinned=pinned)

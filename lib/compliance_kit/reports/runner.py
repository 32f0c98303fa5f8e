"""Execute report notebooks and publish the run folder atomically.

A run, in order:
1. plan: find the notebooks, read their `parameters` cells, check every value the run
   will inject (names, types, dates, the common parameters), find the store. Any
   mistake is a ParameterError/UserError (exit 2) before a kernel starts.
2. execute: in THIS process, through papermill's and nbconvert's Python APIs (no CLI per
   notebook: that costs seconds of imports each), up to `jobs` notebooks at once in a
   thread pool, each in its own fresh kernel; each notebook is exported to HTML as soon
   as it ends, overlapping the others. Everything goes to `OUT/.tmp-<run-id>/`.
3. publish: metrics merged into metrics.json, manifest.json written, then the folder is
   renamed to `OUT/<run-id>/` (one atomic rename) and the index rebuilt, both under a
   file lock. A crash, Ctrl-C or kill leaves at most a hidden `.tmp-*` folder, removed
   by the next run; readers never see half a run.

A published run draws the line between shared and internal on disk (docs/sharing.md):
    OUT/<run-id>/<name>.html            shared: the dashboards (no traceback, no local path)
    OUT/<run-id>/internal/<name>.ipynb  not to be forwarded: executed notebooks, and
    OUT/<run-id>/internal/metrics.json  the exact figures (--fail-on reads them), and
    OUT/<run-id>/internal/manifest.json the evidence pack
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PureWindowsPath
from typing import Callable

from ..errors import ParameterError, UserError
from .failon import Threshold, breaches, parse_threshold
from .inspect import NotebookParameters, inspect_parameters, resolve_parameters
from ..files import sha256_file
from .metrics import atomic_write_text, clean_figures, locked, read_metrics
from .params import resolve_db, validate_common
from .shareable import plain_error
from ..privacy.keys import KeyStore, prepare_key_store
from ..privacy.pseudonyms import KEY_ENV

EXIT_OK = 0
EXIT_PARAMETERS = 2         # bad parameters / usage (UserError): nothing ran
EXIT_NOTEBOOK_FAILED = 3    # a notebook raised; the run is published with its status
EXIT_THRESHOLD = 4          # every notebook ran, but a --fail-on threshold was breached
EXIT_INTERRUPTED = 130      # Ctrl-C / SIGTERM: nothing published

EXIT_CODES = {
    EXIT_OK: "every notebook ran and no --fail-on threshold was breached",
    EXIT_PARAMETERS: "bad parameters or usage (unknown name, wrong type, bad date, no store); nothing ran",
    EXIT_NOTEBOOK_FAILED: "a notebook failed (the message names it and the failing cell); the run is still published",
    EXIT_THRESHOLD: "all notebooks ran but a --fail-on threshold was breached; the run is published",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C / SIGTERM); nothing published",
}

PACKAGES = ("compliance-kit", "duckdb", "polars", "pyarrow", "altair", "vl-convert-python",
            "papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client")
LOCK_NAME = ".lock"
TMP_PREFIX = ".tmp-"
INTERNAL = "internal"       # the run's sub-folder that is not to be forwarded


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


def resolve_as_of(value) -> str | None:
    """YYYY-MM-DD, or 'today' / 'yesterday' (UTC) for schedules."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip().lower()
    today = dt.datetime.now(dt.timezone.utc).date()
    if text == "today":
        return today.isoformat()
    if text == "yesterday":
        return (today - dt.timedelta(days=1)).isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat() if len(str(value).strip()) == 10 else _bad_date(value)
    except ValueError:
        return _bad_date(value)


def _bad_date(value):
    raise ParameterError(f"--as-of must be a date written YYYY-MM-DD (or today / yesterday), not {value!r}")


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


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


@dataclass
class NotebookResult:
    name: str
    status: str = "pending"                           # ok | failed
    seconds: float = 0.0
    error: str | None = None
    failed_cell: int | None = None


@dataclass
class RunResult:
    run_id: str
    run_dir: Path | None
    exit_code: int
    notebooks: list[NotebookResult]
    breaches: list[str]
    seconds: float
    metrics: dict


def read_store_info(db_path: Path) -> dict:
    """Policy version(s) and input file hashes from the store, for the manifest."""
    from ..store import connect

    info = {"policy_versions": [], "inputs": []}
    try:
        con = connect(db_path, read_only=True)
    except Exception as exc:  # a locked or broken store: say so, the notebooks will fail clearly
        raise UserError(f"cannot open the store {db_path} read-only: {exc}") from None
    try:
        cols = ["policy_id", "title", "version", "effective_date", "source_file", "source_sha256",
                "spec_file", "spec_sha256"]
        try:
            rows = con.sql(f"SELECT {', '.join(cols)} FROM policy_versions ORDER BY policy_id").fetchall()
            info["policy_versions"] = [
                {c: (v.isoformat() if isinstance(v, dt.date) else v) for c, v in zip(cols, r)} for r in rows
            ]
        except Exception:
            pass
        lcols = ["table_name", "source_file", "source_sha256", "rows_read", "rows_loaded", "rows_quarantined", "loaded_at"]
        try:
            rows = con.sql(f"SELECT {', '.join(lcols)} FROM load_log ORDER BY table_name, source_file").fetchall()
            info["inputs"] = [
                {c: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for c, v in zip(lcols, r)}
                for r in rows
            ]
        except Exception:
            pass
    finally:
        con.close()
    return info


def policy_label(store_info: dict) -> str:
    versions = store_info.get("policy_versions") or []
    if not versions:
        return "unknown (no policy_versions row in the store)"
    return "; ".join(f"{v['policy_id']} ({v['title']}, version {v['version']})" for v in versions)


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
    overrides = dict(req.overrides)
    from_cli = dict(req.from_cli)
    if "as_of" in overrides and req.as_of is not None:
        raise ParameterError("as_of given twice: use --as-of only")
    if req.as_of is not None:
        overrides["as_of"] = resolve_as_of(req.as_of)
        from_cli["as_of"] = True
    parameters = resolve_parameters(notebooks, overrides, from_cli)
    effective = {}
    for nb in notebooks:
        values = {n: p.default for n, p in nb.parameters.items()}
        values.update(parameters[nb.name])
        try:
            validate_common(as_of=values["as_of"], k=values["k"], chart_renderer=values["chart_renderer"])
        except ParameterError as exc:
            raise ParameterError(f"{nb.path.name}: {exc}") from None
        effective[nb.name] = values
    db_path = resolve_db(req.db_path)
    store_info = read_store_info(db_path)
    # The key store must lie outside the reports folder and its key load, before any kernel.
    prepare_key_store(req.keys_dir, req.out_dir, req.key_lifetime, req.job)
    return RunPlan(req, notebooks, parameters, effective, thresholds, db_path, store_info)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp(out_dir: Path) -> list[Path]:
    """Remove `.tmp-*` folders whose run died (crash, kill -9). Call under the lock."""
    removed = []
    for tmp in out_dir.glob(f"{TMP_PREFIX}*"):
        pid_file = tmp / ".pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            # No pid yet: a run that is just starting, or one killed at once. Age decides.
            if time.time() - tmp.stat().st_mtime < 3600:
                continue
            pid = -1
        if pid <= 0 or not _pid_alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def _git_commit() -> dict | None:
    try:
        root = Path(__file__).resolve().parents[3]
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10)
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out




def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="seconds")


def _describe_failure(exc, executed: Path, source: Path) -> tuple[str, int | None]:
    """'cell 4 (In [3]) `ratio = 1 / 0`: ZeroDivisionError: division by zero', and the
    1-based cell number in the source notebook."""
    from papermill.exceptions import PapermillExecutionError

    if not isinstance(exc, PapermillExecutionError):
        return f"{type(exc).__name__}: {str(exc).strip()[:500]}", None
    first_line = next((ln for ln in (exc.source or "").splitlines() if ln.strip()
                       and not ln.startswith("# NBVAL")), "")
    cell_no = None
    try:
        import nbformat

        src = nbformat.read(str(source), as_version=4)
        for i, cell in enumerate(src.cells):
            if cell.cell_type == "code" and cell.source == exc.source:
                cell_no = i + 1
                break
    except Exception:
        pass
    where = f"cell {cell_no}" if cell_no else f"cell index {exc.cell_index}"
    return (f"{where} (In [{exc.exec_count}]) `{first_line.strip()[:80]}`: {exc.ename}: {exc.evalue}",
            cell_no)


def _format_parameters(values: dict) -> str:
    shown = {k: v for k, v in values.items() if k not in ("metrics_path", "db_path")}
    return ", ".join(f"{k}={v!r}" for k, v in shown.items())


def _kernel_manager_for(log_path: Path):
    """A kernel manager class whose kernel writes its own stderr (start-up warnings,
    crashes) to `log_path` instead of the terminal running the reports."""
    from jupyter_client.manager import AsyncKernelManager

    class LoggedKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            if _STOPPING.is_set():
                raise RuntimeError("the run was interrupted")
            self._ck_log = open(log_path, "ab")  # closed when the kernel process ends
            kw["stderr"] = self._ck_log
            result = await super()._async_launch_kernel(kernel_cmd, **kw)
            with _KERNELS_LOCK:
                _KERNELS.add(self)
            if _STOPPING.is_set():  # interrupted while this kernel started
                _kill_kernels()
            return result

        async def _async_cleanup_resources(self, restart=False):
            with _KERNELS_LOCK:
                _KERNELS.discard(self)
            await super()._async_cleanup_resources(restart=restart)
            log = getattr(self, "_ck_log", None)
            if log is not None:
                log.close()

    return LoggedKernelManager


_KERNELS: set = set()
_KERNELS_LOCK = threading.Lock()
_STOPPING = threading.Event()  # set on Ctrl-C / SIGTERM: no new kernel starts


def _kill_kernels() -> None:
    """Kill the kernels of this process's run (on Ctrl-C / SIGTERM), so worker threads end."""
    with _KERNELS_LOCK:
        kms = list(_KERNELS)
    for km in kms:
        pid = getattr(getattr(km, "provisioner", None), "pid", None)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _single(values: list):
    return values[0] if len(values) == 1 else values


class _Interrupted(Exception):
    pass


def execute_plan(plan: RunPlan) -> RunResult:
    """Run the planned notebooks and publish the run folder. Returns the result with
    its exit code; a Ctrl-C / SIGTERM removes the temporary folder and re-raises."""
    import papermill as pm

    from .html import export_html
    from .index import rebuild_index

    req = plan.request
    echo = req.echo
    out_dir = Path(req.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    _STOPPING.clear()
    run_id = new_run_id()
    tmp = out_dir / f"{TMP_PREFIX}{run_id}"
    with locked(out_dir / LOCK_NAME, on_wait=echo):
        remove_stale_temp(out_dir)
        tmp.mkdir()
        (tmp / ".pid").write_text(f"{os.getpid()}\n")
    (tmp / ".metrics").mkdir()
    (tmp / ".logs").mkdir()
    internal = tmp / INTERNAL
    internal.mkdir()
    pseudonym_key = KeyStore(req.keys_dir).key_for_run(run_id, req.key_lifetime, req.job)
    previous_key = os.environ.get(KEY_ENV)
    # Kernels inherit the environment; never a papermill parameter (it would be written
    # into the executed notebook). The manifest names the key's id and fingerprint only.
    os.environ[KEY_ENV] = pseudonym_key.secret
    policy = policy_label(plan.store_info)
    run_date = _iso(started)
    total = len(plan.notebooks)
    results = {nb.name: NotebookResult(nb.name) for nb in plan.notebooks}
    done_count = 0
    count_lock = threading.Lock()
    stopping = threading.Event()

    def work(nb: NotebookParameters) -> NotebookResult:
        nonlocal done_count
        res = results[nb.name]
        if stopping.is_set():
            return res
        t0 = time.monotonic()
        executed = internal / f"{nb.name}.ipynb"   # tracebacks and all: for the analyst only
        params = dict(plan.parameters[nb.name])
        params["db_path"] = str(plan.db_path)
        params["metrics_path"] = str(tmp / ".metrics" / f"{nb.name}.json")
        plain = None   # "Type: message" of a failure, for the shared page
        try:
            # No `cwd=`: papermill would chdir the whole process, racing the other threads.
            # The kernel starts in the notebook's folder through resources.metadata.path.
            pm.execute_notebook(
                str(nb.path.resolve()), str(executed), parameters=params, progress_bar=False,
                log_output=False, start_timeout=120,
                resources={"metadata": {"path": str(nb.path.parent.resolve())}},
                kernel_manager_class=_kernel_manager_for(tmp / ".logs" / f"{nb.name}.kernel.log"),
            )
            res.status = "ok"
        except Exception as exc:  # a notebook's failure is reported, not raised
            res.status = "failed"
            res.error, res.failed_cell = _describe_failure(exc, executed, nb.path)
            plain = plain_error(getattr(exc, "ename", type(exc).__name__),
                                getattr(exc, "evalue", str(exc)))
        if stopping.is_set():
            return res
        if executed.exists():
            header = {
                "as_of": str(plan.effective[nb.name].get("as_of")),
                "run_id": run_id, "run_date": run_date, "policy": policy,
                "parameters": _format_parameters(plan.effective[nb.name]),
                # the shared page names the section and error, never the code or cell
                "status": "ok" if res.status == "ok" else "failed",
                "error": None if res.status == "ok" else plain,
            }
            try:
                export_html(executed, tmp / f"{nb.name}.html", header)
            except Exception as exc:
                if res.status == "ok":
                    res.status = "failed"
                    res.error = f"HTML export failed: {type(exc).__name__}: {exc}"
        res.seconds = time.monotonic() - t0
        with count_lock:
            done_count += 1
            n = done_count
        line = f"[{n}/{total}] {res.status:<6} {nb.name}  {res.seconds:.1f} s"
        if res.error:
            line += f"\n        {nb.path.name} failed in {res.error}"
        echo(line)
        return res

    def on_term(signum, frame):
        raise _Interrupted()

    old_term = None
    if threading.current_thread() is threading.main_thread():
        old_term = signal.signal(signal.SIGTERM, on_term)
    try:
        echo(f"run {run_id}: {total} notebook(s), up to {min(req.jobs, total)} at a time, store {plan.db_path}")
        # Load nbconvert's exporter and templates while the first kernels start.
        from .html import _exporter
        threading.Thread(target=_exporter, name="warm-exporter", daemon=True).start()
        pool = ThreadPoolExecutor(max_workers=min(req.jobs, total), thread_name_prefix="report")
        futures = [pool.submit(work, nb) for nb in plan.notebooks]
        try:
            for f in as_completed(futures):
                f.result()
        except BaseException:
            stopping.set()
            _STOPPING.set()
            for f in futures:
                f.cancel()
            # Kill kernels until every worker has returned (a kernel may be starting now).
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                _kill_kernels()
                if not wait(futures, timeout=0.5).not_done:
                    break
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        # Metrics: one partial file per notebook, merged in notebook order.
        metrics = {}
        for nb in plan.notebooks:
            part = read_metrics(tmp / ".metrics" / f"{nb.name}.json")
            for section, figures in part.items():
                metrics.setdefault(section, {}).update(clean_figures(section, figures))
        shutil.rmtree(tmp / ".metrics", ignore_errors=True)
        shutil.rmtree(tmp / ".logs", ignore_errors=True)  # kernel start-up noise; not evidence
        atomic_write_text(internal / "metrics.json", json.dumps(metrics, indent=2, sort_keys=True) + "\n")

        failed = [r for r in results.values() if r.status != "ok"]
        broken = breaches(plan.thresholds, metrics) if not failed else []
        if failed:
            exit_code = EXIT_NOTEBOOK_FAILED
        elif broken:
            exit_code = EXIT_THRESHOLD
        else:
            exit_code = EXIT_OK
        ended = time.time()
        manifest = {
            "run_id": run_id,
            "job": req.job,
            "title": req.job or ", ".join(nb.name for nb in plan.notebooks),
            "parameters": {
                "as_of": _single(sorted({str(v.get("as_of")) for v in plan.effective.values()})),
                "overrides": {k: v for vals in plan.parameters.values() for k, v in vals.items()},
                "per_notebook": {n: {**{k: v for k, v in vals.items() if k != "metrics_path"},
                                     "db_path": str(plan.db_path)}
                                 for n, vals in plan.effective.items()},
                "fail_on": [t.text for t in plan.thresholds],
                "jobs": req.jobs,
            },
            "store": {"path": str(plan.db_path)},
            "policy": plan.store_info.get("policy_versions", []),
            "inputs": plan.store_info.get("inputs", []),
            "notebooks": [
                {"name": r.name, "source": str(nb.path), "source_sha256": sha256_file(nb.path),
                 "status": r.status, "seconds": round(r.seconds, 2), "error": r.error,
                 "failed_cell": r.failed_cell,
                 "html": f"{r.name}.html" if (tmp / f"{r.name}.html").exists() else None,
                 "ipynb": f"{INTERNAL}/{r.name}.ipynb" if (internal / f"{r.name}.ipynb").exists() else None}
                for nb, r in ((nb, results[nb.name]) for nb in plan.notebooks)
            ],
            "thresholds_breached": broken,
            "pseudonymisation": pseudonym_key.manifest_entry(),   # key id + fingerprint, never the key
            "packages": _versions(),
            "git": _git_commit(),
            "host": platform.node(),
            "start": _iso(started),
            "end": _iso(ended),
            "duration_seconds": round(ended - started, 2),
            "exit_status": exit_code,
            "exit_meaning": EXIT_CODES[exit_code],
        }
        atomic_write_text(internal / "manifest.json", json.dumps(manifest, indent=2) + "\n")
        (tmp / ".pid").unlink(missing_ok=True)
        final = out_dir / run_id
        with locked(out_dir / LOCK_NAME, on_wait=echo):
            os.rename(tmp, final)
            rebuild_index(out_dir)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, _Interrupted):
            raise KeyboardInterrupt() from None
        raise
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        if previous_key is None:
            os.environ.pop(KEY_ENV, None)
        else:
            os.environ[KEY_ENV] = previous_key
    seconds = time.time() - started
    for msg in broken:
        echo(f"threshold breached: {msg}")
    n_ok = sum(r.status == "ok" for r in results.values())
    echo(f"{n_ok}/{total} notebook(s) ok in {seconds:.1f} s; published {final}")
    return RunResult(run_id, final, exit_code, list(results.values()), broken, seconds, metrics)


def run_reports(req: RunRequest) -> RunResult:
    return execute_plan(plan_run(req))

"""Execute the planned notebooks: in THIS process, through papermill's and nbconvert's
Python APIs (no CLI per notebook: that costs seconds of imports each), up to `jobs`
notebooks at once in a thread pool, each in its own fresh kernel (kernels.py). Each
notebook is exported to HTML as soon as it ends, overlapping the others.

A notebook that fails is a result (status "failed", the cell and the error), never an
exception: the run goes on and is published with its status. Two things are exceptions:
Ctrl-C or SIGTERM (KeyboardInterrupt), and a run folder that cannot be written (disk full,
read-only: publish.PublishError, whether this process or the kernel met it). Then the
kernels are killed, the worker threads end, and the exception goes up to the runner,
which removes the unpublished run folder.

Progress goes through compliance_kit.progress.RunProgress: live rows on a terminal (each
notebook's status, elapsed time and running section), the final lines only without one.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from .. import interrupts
from ..progress import RunProgress
from ..resources import ENV_SETTINGS_FILE
from .kernels import RunKernels
from .plan import RunPlan, policy_label
from .publish import RunFolder, publish_failure
from .shareable import plain_error

KILL_GRACE_SECONDS = 30     # how long an interrupted run keeps killing kernels that start late


@dataclass
class NotebookResult:
    name: str
    status: str = "pending"                           # ok | failed
    seconds: float = 0.0
    error: str | None = None
    failed_cell: int | None = None
    html: str | None = None                           # written pages, relative to the run folder
    ipynb: str | None = None
    duckdb: dict | None = None                        # the DuckDB settings the kernel reported


@dataclass(frozen=True)
class NotebookTask:
    """One notebook's execution, decided before the pool starts."""
    name: str
    source: Path
    parameters: dict          # what papermill injects: the plan's values, the store, the metrics file
    executed: Path            # internal/<name>.ipynb: tracebacks and all, for the analyst only
    html: Path                # <name>.html: the shared page
    kernel_log: Path
    settings_file: Path       # where the kernel writes the DuckDB settings it runs under (resources.py)
    header: dict              # the page header, but for the notebook's status and error


def _format_parameters(values: dict) -> str:
    shown = {k: v for k, v in values.items() if k not in ("metrics_path", "db_path")}
    return ", ".join(f"{k}={v!r}" for k, v in shown.items())


def notebook_tasks(plan: RunPlan, folder: RunFolder, run_date: str) -> list[NotebookTask]:
    policy = policy_label(plan.store_info)
    tasks = []
    for nb in plan.notebooks:
        effective = plan.effective[nb.name]
        tasks.append(NotebookTask(
            name=nb.name,
            source=nb.path,
            parameters={**plan.parameters[nb.name], "db_path": str(plan.kernel_db_path),
                        "metrics_path": str(folder.metrics_parts / f"{nb.name}.json")},
            executed=folder.internal / f"{nb.name}.ipynb",
            html=folder.tmp / f"{nb.name}.html",
            kernel_log=folder.kernel_logs / f"{nb.name}.kernel.log",
            settings_file=folder.kernel_logs / f"{nb.name}.duckdb.json",
            header={"as_of": str(effective.get("as_of")), "run_id": folder.run_id, "run_date": run_date,
                    "policy": policy, "parameters": _format_parameters(effective),
                    # the page says the parameters in words, and links to its siblings
                    "effective": dict(effective), "notebook": nb.name,
                    "siblings": [other.name for other in plan.notebooks]},
        ))
    return tasks


def describe_failure(exc: BaseException, source: Path) -> tuple[str, int | None]:
    """'cell 4 (In [3]) `ratio = 1 / 0`: ZeroDivisionError: division by zero', and the
    1-based cell number in the source notebook (papermill's injected parameters cell
    shifts the executed notebook's indices, so the number is looked up in the source)."""
    from papermill.exceptions import PapermillExecutionError

    if not isinstance(exc, PapermillExecutionError):
        return f"{type(exc).__name__}: {str(exc).strip()[:500]}", None
    first_line = next((ln for ln in (exc.source or "").splitlines() if ln.strip()
                       and not ln.startswith("# NBVAL")), "")
    cell_no = _source_cell_number(source, exc.source)
    where = f"cell {cell_no}" if cell_no else f"cell index {exc.cell_index}"
    return (f"{where} (In [{exc.exec_count}]) `{first_line.strip()[:80]}`: {exc.ename}: {exc.evalue}",
            cell_no)


def _source_cell_number(source: Path, code: str) -> int | None:
    """The 1-based number of the code cell holding `code` in the source notebook; None if
    it is not there, or the source cannot be read any more (moved, edited into invalid
    JSON while the run went on): then the message gives papermill's cell index instead."""
    try:
        nb = nbformat.read(str(source), as_version=4)
    except (OSError, ValueError):  # ValueError: nbformat's NotJSONError, a bad version, bad UTF-8
        return None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source == code:
            return i + 1
    return None


def read_settings(path: Path) -> dict | None:
    """The DuckDB settings a kernel reported (memory_limit, threads, temp_directory read
    back from DuckDB), or None when the notebook never opened the store."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class Progress:
    """'[2/4] ok     retention_compliance  5.5 s' as each notebook ends, from any thread;
    shown through `display` (compliance_kit.progress.RunProgress: live rows on a terminal,
    the lines held to the end without one), else echoed at once."""

    def __init__(self, total: int, echo: Callable[[str], None], display: RunProgress | None = None):
        self.total = total
        self.echo = echo
        self.display = display
        self._done = 0
        self._lock = threading.Lock()

    def started(self, name: str) -> None:
        if self.display is not None:
            self.display.started(name)

    def cell_hook(self, name: str) -> dict:
        """papermill keywords that follow the notebook's sections (none without a display)."""
        return {} if self.display is None else {"on_cell_start": self.display.cell_hook(name)}

    def finished(self, res: NotebookResult, source: Path) -> None:
        with self._lock:
            self._done += 1
            n = self._done
        line = f"[{n}/{self.total}] {res.status:<6} {res.name}  {res.seconds:.1f} s"
        if res.error:
            line += f"\n        {source.name} failed in {res.error}"
        if self.display is None:
            self.echo(line)
        else:
            self.display.finished(res.name, res.status, line)


def run_notebook(task: NotebookTask, kernels: RunKernels, progress: Progress) -> NotebookResult:
    """Execute one notebook and export its page; failures are recorded in the result."""
    import papermill as pm

    from .html import export_html

    res = NotebookResult(task.name)
    if kernels.stopping.is_set():
        return res
    progress.started(task.name)
    t0 = time.monotonic()
    plain = None   # "Type: message" of a failure, for the shared page
    try:
        # No `cwd=`: papermill would chdir the whole process, racing the other threads.
        # The kernel starts in the notebook's folder through resources.metadata.path.
        pm.execute_notebook(
            str(task.source.resolve()), str(task.executed), parameters=task.parameters,
            progress_bar=False, log_output=False, start_timeout=120,
            resources={"metadata": {"path": str(task.source.parent.resolve())}},
            kernel_manager_class=kernels.manager_class(
                task.kernel_log, {ENV_SETTINGS_FILE: str(task.settings_file)}),
            **progress.cell_hook(task.name),
        )
        res.status = "ok"
    except Exception as exc:  # anything a notebook or its kernel does wrong is its result,
        failure = publish_failure(exc, task.html.parent)
        if failure is not None:  # but for the run's folder that cannot be written: the whole run fails
            raise failure from None
        res.status = "failed"
        res.error, res.failed_cell = describe_failure(exc, task.source)
        plain = plain_error(getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc)))
    if kernels.stopping.is_set():
        return res
    res.duckdb = read_settings(task.settings_file)
    if task.executed.exists():
        res.ipynb = f"{task.executed.parent.name}/{task.executed.name}"
        # the shared page names the section and error, never the code or cell
        header = {**task.header, "status": res.status, "error": plain}
        try:
            export_html(task.executed, task.html, header)
            res.html = task.html.name
        except Exception as exc:  # nbconvert or a template fails on this notebook: its result too
            failure = publish_failure(exc, task.html.parent)
            if failure is not None:
                raise failure from None
            export_error = f"HTML export failed: {type(exc).__name__}: {exc}"
            if res.status == "ok":
                res.status, res.error = "failed", export_error
            else:
                res.error += f" (and the {export_error})"
    res.seconds = time.monotonic() - t0
    progress.finished(res, task.source)
    return res


def run_notebooks(tasks: list[NotebookTask], jobs: int, kernels: RunKernels,
                  echo: Callable[[str], None]) -> list[NotebookResult]:
    """Run the tasks, up to `jobs` at once; the results in task order. On an exception
    here (Ctrl-C, SIGTERM via sigterm_interrupts) or in a worker, stop every kernel and
    wait for the workers to return before raising it."""
    import papermill  # noqa: F401  (imported here, once, rather than by the workers at the same time)

    from .html import _exporter

    # Load nbconvert's exporter and templates while the first kernels start.
    threading.Thread(target=_exporter, name="warm-exporter", daemon=True).start()
    with RunProgress([task.name for task in tasks], echo) as display:
        return _run_pool(tasks, jobs, kernels, Progress(len(tasks), echo, display))


def _run_pool(tasks: list[NotebookTask], jobs: int, kernels: RunKernels, progress: Progress) -> list[NotebookResult]:
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(tasks)), thread_name_prefix="report")
    futures = [pool.submit(run_notebook, task, kernels, progress) for task in tasks]
    try:
        for future in as_completed(futures):
            future.result()
    except BaseException:
        kernels.stopping.set()
        for future in futures:
            future.cancel()
        # Kill kernels until every worker has returned (a kernel may be starting now).
        deadline = time.monotonic() + KILL_GRACE_SECONDS
        while time.monotonic() < deadline:
            kernels.kill()
            if not wait(futures, timeout=0.5).not_done:
                break
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [future.result() for future in futures]


def sigterm_interrupts():
    """Within the block, SIGTERM (a scheduler stopping the run) is Ctrl-C: a
    KeyboardInterrupt in the main thread (compliance_kit.interrupts.raising; the CLI has
    installed it already, this covers the library called on its own). Only the main
    thread may install signal handlers: elsewhere the block runs unchanged."""
    return interrupts.raising()

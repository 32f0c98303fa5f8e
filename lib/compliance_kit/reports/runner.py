"""Execute report notebooks and publish the run folder atomically.

A run, in order, one module per step (docs/architecture.md, "The report runner"):
1. plan (plan.py): find the notebooks, check every value the run will inject, find the
   store. Any mistake is a ParameterError/UserError (exit 2) before a kernel starts.
2. pin the store (store.pin_store): a hard link (else a copy) of the store file in the
   run's hidden folder; every kernel opens it and checks its identity, so a build during
   the run cannot mix two stores into one run (plan.plan_on_snapshot re-reads the plan
   from it when a build came between planning and pinning).
3. execute (execute.py, kernels.py): up to `jobs` notebooks at once, each in a fresh
   kernel, each exported to HTML as it ends, all into `OUT/.tmp-<run-id>/`.
4. collect (collect.py): the notebooks' figures merged into metrics.json; the exit status.
5. manifest (manifest.py): the evidence pack, manifest.json.
6. publish (publish.py): the new index staged, then one atomic rename to `OUT/<run-id>/`
   and the index renamed into place, under a file lock. A crash, Ctrl-C or kill leaves
   at most a hidden `.tmp-*` folder, removed by the next run; readers never see half a
   run. A run that cannot be written (disk full, read-only folder, bad --out) is exit 5
   (PublishError) with nothing visible changed.

A published run draws the line between shared and internal on disk (docs/sharing.md):
    OUT/<run-id>/<name>.html            shared: the dashboards (no traceback, no local path)
    OUT/<run-id>/internal/<name>.ipynb  not to be forwarded: executed notebooks, and
    OUT/<run-id>/internal/metrics.json  the exact figures (--fail-on reads them), and
    OUT/<run-id>/internal/manifest.json the evidence pack

The names other modules and tests use are importable from here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..privacy.keys import KeyStore
from ..privacy.pseudonyms import KEY_ENV
from ..progress import on_terminal
from ..store import STORE_ID_ENV, pin_store
from .collect import (EXIT_CODES, EXIT_INTERRUPTED, EXIT_NOTEBOOK_FAILED, EXIT_OK, EXIT_PARAMETERS,
                      EXIT_PUBLISH_FAILED, EXIT_THRESHOLD, decide_outcome, merge_notebook_metrics,
                      write_run_metrics)
from .execute import NotebookResult, notebook_tasks, run_notebooks, sigterm_interrupts
from .kernels import RunKernels
from .manifest import PACKAGES, build_manifest, describe_environment, iso_utc, write_manifest
from .plan import (RunPlan, RunRequest, discover, plan_on_snapshot, plan_run, policy_label, read_store_info,
                   resolve_as_of, resolve_report, select_notebooks, validate_parameters)
from .publish import (INTERNAL, LOCK_NAME, TMP_PREFIX, PublishError, discard, new_run_id, open_run_folder,
                      publish, publish_failure, remove_stale_temp)

__all__ = [
    "run_reports", "execute_plan", "RunResult",
    # re-exported: the names commands.py, the schedule, tests and docs use from here
    "RunRequest", "RunPlan", "NotebookResult", "plan_run", "select_notebooks", "resolve_report", "discover",
    "resolve_as_of", "validate_parameters", "read_store_info", "policy_label",
    "PACKAGES", "new_run_id", "remove_stale_temp", "LOCK_NAME", "TMP_PREFIX", "INTERNAL",
    "EXIT_OK", "EXIT_PARAMETERS", "EXIT_NOTEBOOK_FAILED", "EXIT_THRESHOLD", "EXIT_PUBLISH_FAILED",
    "EXIT_INTERRUPTED", "EXIT_CODES", "PublishError",
]


@dataclass
class RunResult:
    run_id: str
    run_dir: Path | None
    exit_code: int
    notebooks: list[NotebookResult]
    breaches: list[str]
    seconds: float
    metrics: dict


def execute_plan(plan: RunPlan) -> RunResult:
    """Run the planned notebooks and publish the run folder. Returns the result with
    its exit code; a Ctrl-C / SIGTERM removes the temporary folder and re-raises
    KeyboardInterrupt; a run that cannot be written removes it and raises PublishError."""
    req, echo = plan.request, plan.request.echo
    started = time.time()
    folder = open_run_folder(req.out_dir, new_run_id(), echo)
    try:
        with sigterm_interrupts():
            planned = plan.store_identity
            plan = plan_on_snapshot(plan, pin_store(plan.db_path, folder.store_pin))
            if plan.store_identity != planned:
                echo(f"the store {plan.db_path} was rebuilt while the run was planned: the run reads "
                     f"{plan.store_identity}, checked again")
            key = KeyStore(req.keys_dir).key_for_run(folder.run_id, req.key_lifetime, req.job)
            # The kernels get the key in their environment: never as a papermill parameter
            # (it would be written into the executed notebook), never in this process's.
            # The store's identity too: store.connect in every notebook checks it; and
            # DuckDB's limits reach each kernel the same way (compliance_kit.resources).
            kernels = RunKernels(env={KEY_ENV: key.secret, STORE_ID_ENV: plan.store_identity,
                                      **req.resources.env()})
            if on_terminal():  # without one (cron) only the final lines are printed
                echo(f"run {folder.run_id}: {len(plan.notebooks)} notebook(s), up to "
                     f"{min(req.jobs, len(plan.notebooks))} at a time, store {plan.db_path} "
                     f"({plan.store_identity}, {plan.pinned.how}), DuckDB "
                     f"{req.resources.memory_limit} and {req.resources.effective_threads} thread(s) per process")
            tasks = notebook_tasks(plan, folder, run_date=iso_utc(started))
            results = run_notebooks(tasks, req.jobs, kernels, echo)

            metrics = merge_notebook_metrics(folder.metrics_parts, [nb.name for nb in plan.notebooks])
            write_run_metrics(folder.internal / "metrics.json", metrics)
            outcome = decide_outcome([r.status for r in results], plan.thresholds, metrics)

            manifest = build_manifest(plan=plan, run_id=folder.run_id, results=results, outcome=outcome,
                                      key=key, started=started, ended=time.time(),
                                      environment=describe_environment())
            write_manifest(folder.internal / "manifest.json", manifest)
            from .html import add_cards  # nbconvert's module: loaded by the run already

            add_cards(folder.tmp, folder.out_dir, echo)  # the dashboards' headline cards
            run_dir = publish(folder, echo)
    except BaseException as exc:
        discard(folder)
        failure = publish_failure(exc, folder.out_dir)
        if failure is not None:
            raise failure from None
        raise
    seconds = time.time() - started
    for message in outcome.breaches:
        echo(f"threshold breached: {message}")
    n_ok = sum(r.status == "ok" for r in results)
    echo(f"{n_ok}/{len(results)} notebook(s) ok in {seconds:.1f} s; published {run_dir}")
    return RunResult(folder.run_id, run_dir, outcome.exit_code, results, outcome.breaches, seconds, metrics)


def run_reports(req: RunRequest) -> RunResult:
    return execute_plan(plan_run(req))

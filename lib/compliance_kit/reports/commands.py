"""The `run` and `demo` commands: thin click wrappers over reports.runner.

Exit status (for schedulers): see runner.EXIT_CODES.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_options import keys_option, memory_limit_option, threads_option
from ..errors import ParameterError, UserError
from ..paths import DEFAULT_REPORTS, NOTEBOOKS


def _parse_params(pairs) -> dict:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ParameterError(f"-p expects NAME=VALUE (e.g. -p k=10), not {pair!r}")
        if name in out:
            raise ParameterError(f"parameter {name} given twice")
        out[name] = value
    return out


def _default_jobs() -> int:
    import os

    return max(1, min(4, os.cpu_count() or 1))


@click.command()
@click.argument("reports", nargs=-1)
@click.option("--all", "run_all", is_flag=True, help="Run every notebook in the notebooks folder.")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="The date the reports are as of: YYYY-MM-DD, today or yesterday (UTC). Required unless the --schedule job sets it.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set a notebook parameter, checked against the notebooks' parameters cells; it goes to "
                   "the notebooks that declare it. Lists as JSON: -p 'jurisdictions=[\"FR\", \"KR\"]'. Repeatable.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default=None,
              help="Where the analyses' metric SQL runs (same as -p engine=...); spark needs --spark-data. "
                   "See docs/scale-out.md.")
@click.option("--spark-data", "spark_data", default=None, metavar="DIR",
              help="With --engine spark: the folder of <table>.parquet files Spark reads (same as -p spark_data=...).")
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The DuckDB store (default: $COMPLIANCE_KIT_DB, else data/compliance.duckdb found from here).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help=f"Folder of runs and index.html [default: {DEFAULT_REPORTS}].")
@click.option("--jobs", "jobs", default=None, type=int, help="Notebooks run at once [default: CPUs, at most 4].")
@click.option("--fail-on", "fail_on", multiple=True, metavar="EXPR",
              help="Exit 4 when a headline figure breaches it: SECTION.KEY OP NUMBER, e.g. 'retention.overdue > 0'. Repeatable.")
@click.option("--schedule", nargs=2, default=None, metavar="FILE JOB",
              help="Run the named job of a reports.toml; command-line options override it.")
@click.option("--notebooks", "notebooks_dir", default=None, type=click.Path(file_okay=False),
              help=f"Where report notebooks live [default: {NOTEBOOKS}].")
@click.option("--notify", "notify", multiple=True, metavar="TARGET",
              help="Send a summary of the published run to mailto:ADDRESS, an https:// webhook or webhook:NAME "
                   "(SMTP and webhook settings: docs/scheduling.md). A failed delivery is a warning; the exit "
                   "status stays the run's. Repeatable.")
@keys_option
@memory_limit_option
@threads_option
def run(reports, run_all, as_of, params, engine, spark_data, db_path, out_dir, jobs, fail_on, schedule,
        notebooks_dir, keys_dir, memory_limit, threads, notify):
    """Execute report notebooks and publish reports/<run-id>/ and reports/index.html.

    Parameters are checked against each notebook's parameters cell before anything runs.
    Every kernel (and this process) runs DuckDB under --memory-limit and --threads.
    Exit status: 0 ok, 2 bad parameters, 3 a notebook failed, 4 a --fail-on threshold
    breached, 130 interrupted.
    """
    from ..resources import Resources, validate_duckdb
    from .runner import RunRequest, run_reports, select_notebooks

    overrides = _parse_params(params)
    # --engine / --spark-data are spelled-out notebook parameters, checked like any -p
    for name, value in (("engine", engine), ("spark_data", spark_data)):
        if value is not None:
            if name in overrides:
                raise ParameterError(f"parameter {name} given twice (--{name.replace('_', '-')} and -p {name}=...)")
            overrides[name] = value
    from_cli = {name: True for name in overrides}
    thresholds = list(fail_on)
    job_name = None
    key_lifetime = "run"
    if schedule:
        from .schedule import load_job

        job = load_job(schedule[0], schedule[1])
        job_name = job.name
        merged = dict(job.parameters)
        merged.update(overrides)
        from_cli = {name: (name in overrides) for name in merged}
        overrides = merged
        thresholds = job.fail_on + thresholds
        if not reports and not run_all:
            if job.notebooks is None:
                run_all = True
            else:
                reports = tuple(job.notebooks)
        as_of = as_of or job.as_of
        db_path = db_path or job.db
        out_dir = out_dir or job.out
        jobs = jobs if jobs is not None else job.jobs
        notebooks_dir = notebooks_dir or job.notebooks_dir
        keys_dir = keys_dir or job.keys
        key_lifetime = job.key_lifetime
        memory_limit = memory_limit if memory_limit is not None else job.memory_limit
        threads = threads if threads is not None else job.threads
        notify = tuple(job.notify) + tuple(notify)
    targets = settings = None
    if notify:  # checked before anything runs: a bad target or settings file is exit 2
        from .notify import prepare

        targets, settings = prepare(notify)
    if as_of is None:
        raise ParameterError("--as-of DATE is required (YYYY-MM-DD, today or yesterday)")
    resources = Resources.make(memory_limit, threads)  # checked before any work
    validate_duckdb(resources)
    notebooks = select_notebooks(reports, run_all, notebooks_dir or NOTEBOOKS)
    result = run_reports(RunRequest(
        notebooks=notebooks, as_of=as_of, overrides=overrides, from_cli=from_cli, db_path=db_path,
        out_dir=Path(out_dir or DEFAULT_REPORTS), jobs=jobs if jobs is not None else _default_jobs(), fail_on=thresholds,
        job=job_name, keys_dir=keys_dir, key_lifetime=key_lifetime, resources=resources, echo=click.echo,
    ))
    for nb in result.notebooks:
        if nb.status != "ok":
            click.echo(f"Error: notebook {nb.name} failed in {nb.error}", err=True)
    click.echo(f"index: {Path(result.run_dir).parent / 'index.html'}")
    if targets:
        from .notify import deliver

        deliver(result.run_dir, targets, settings, echo=click.echo,
                warn=lambda m: click.echo(f"{m}; the run's exit status stands", err=True))
    return result.exit_code  # whatever the delivery: a failed one is a warning (docs/scheduling.md)


@click.command()
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The DuckDB store (default: $COMPLIANCE_KIT_DB, else data/compliance.duckdb found from here).")
@click.option("--out", "out_dir", default=str(DEFAULT_REPORTS), show_default=True, type=click.Path(file_okay=False),
              help="Folder of runs and index.html.")
@click.option("--notebooks", "notebooks_dir", default=str(NOTEBOOKS), show_default=True,
              type=click.Path(file_okay=False), help="Where report notebooks live.")
@click.option("--jobs", "jobs", default=None, type=int, help="Notebooks run at once [default: CPUs, at most 4].")
@keys_option
@memory_limit_option
@threads_option
def demo(db_path, out_dir, notebooks_dir, jobs, keys_dir, memory_limit, threads):
    """Run every notebook with its default parameters, then print the path of the index."""
    from ..resources import Resources, validate_duckdb
    from .runner import RunRequest, run_reports, select_notebooks

    resources = Resources.make(memory_limit, threads)
    validate_duckdb(resources)
    notebooks = select_notebooks((), True, notebooks_dir)
    result = run_reports(RunRequest(
        notebooks=notebooks, as_of=None, db_path=db_path, out_dir=Path(out_dir),
        jobs=jobs if jobs is not None else _default_jobs(), job="demo", keys_dir=keys_dir,
        resources=resources, echo=click.echo,
    ))
    for nb in result.notebooks:
        if nb.status != "ok":
            click.echo(f"Error: notebook {nb.name} failed in {nb.error}", err=True)
    click.echo(str((Path(result.run_dir).parent / "index.html").resolve()))
    return result.exit_code


@click.command()
@click.argument("reports", nargs=-1)
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="List the allowed codes (jurisdictions, request types, ...) of this store.")
@click.option("--notebooks", "notebooks_dir", default=str(NOTEBOOKS), show_default=True,
              type=click.Path(file_okay=False), help="Where an analyst's own reports (new-report) live.")
def params(reports, db_path, notebooks_dir):
    """Print each report's parameters from its contract: name, type, default, allowed
    values and help (Markdown; the README's tables are this output). An analyst's own
    report (new-report) is named explicitly: its contract is in its notebook."""
    from ..analysis import REPORTS, parameters_markdown

    def markdown(lookup=None) -> str:
        parts = []
        for name in reports or [None]:
            if name is None or name in REPORTS:
                parts.append(parameters_markdown([name] if name else [], lookup))
            else:
                parts.append(_declared_contract(name, Path(notebooks_dir)).markdown(lookup))
        return "\n".join(parts)

    if db_path is None:
        click.echo(markdown(), nl=False)
        return
    from ..contract import StoreLookup
    from .plan import open_store
    from .params import resolve_db

    con = open_store(resolve_db(db_path))
    try:
        click.echo(markdown(StoreLookup(con)), nl=False)
    finally:
        con.close()


def _declared_contract(name: str, folder: Path):
    """The contract a report notebook of `folder` declares in its metadata (new-report)."""
    from ..contract_data import contract_from_data
    from ..analysis import REPORTS
    from .inspect import inspect_parameters
    from .plan import resolve_report

    path = resolve_report(name, folder)
    if path is None:
        raise UserError(f"no parameter contract for {name!r}: not one of the kit's reports "
                        f"({', '.join(REPORTS)}) and no notebook {name}.ipynb in {folder}")
    nb = inspect_parameters(path)
    if not isinstance(nb.contract, dict):
        raise UserError(f"{path} declares no parameter contract in its metadata (docs/writing-reports.md)")
    return contract_from_data(nb.contract, nb.name)


@click.command("new-report")
@click.argument("name")
@click.option("--title", default=None, help="The report's title (default: NAME in words).")
@click.option("--notebooks", "notebooks_dir", default=str(NOTEBOOKS), show_default=True,
              type=click.Path(file_okay=False), help="Where report notebooks live.")
def new_report(name, title, notebooks_dir):
    """Make notebooks/NAME.ipynb, a parameterised report from the kit's template: its
    parameter contract, validation, the store, headline figures under NAME.* in
    metrics.json. `run NAME`, `run --all`, reports.toml jobs and the index pick it up.
    See docs/writing-reports.md."""
    from .new_report import create_report

    path = create_report(name, notebooks_dir, title)
    click.echo(f"wrote {path}")
    click.echo(f"open it with `make lab`, then run it: compliance-kit run {path.stem} --as-of 2026-10-31"
               + ("" if Path(notebooks_dir) == NOTEBOOKS else f" --notebooks {notebooks_dir}"))


@click.command()
@click.argument("run_name", metavar="RUN")
@click.option("--to", "targets", multiple=True, required=True, metavar="TARGET",
              help="mailto:ADDRESS, an https:// webhook URL, or webhook:NAME from the notify settings. Repeatable.")
@click.option("--out", "out_dir", default=str(DEFAULT_REPORTS), show_default=True, type=click.Path(file_okay=False),
              help="Folder of runs.")
@click.option("--dry-run", is_flag=True, help="Print the message instead of sending it.")
def notify(run_name, targets, out_dir, dry_run):
    """Send the summary of a published run (its id, or `latest`) to TARGETs: what `run
    --notify` sends. Exit 0 when every delivery succeeded, 6 when one failed."""
    from .history import published_runs
    from .notify import EXIT_DELIVERY, build_message, deliver, prepare

    out = Path(out_dir)
    if run_name == "latest":
        runs = published_runs(out)
        if not runs:
            raise UserError(f"no published run in {out}")
        run_dir = out / runs[0]["folder"]
    else:
        if "/" in run_name or "\\" in run_name or run_name.startswith("."):
            raise UserError(f"RUN is a run id in {out} (or latest), not a path: {run_name!r}")
        run_dir = out / run_name
    parsed, settings = prepare(targets)
    if dry_run:
        message = build_message(run_dir, settings.reports_url)
        click.echo(f"Subject: {message.subject}\n\n{message.text}", nl=False)
        return 0
    results = deliver(run_dir, parsed, settings, echo=click.echo, warn=lambda m: click.echo(m, err=True))
    return 0 if all(r.ok for r in results) else EXIT_DELIVERY


@click.group()
def runs():
    """List and prune the published runs of a reports folder (reports/runs.py)."""


@runs.command("list")
@click.option("--out", "out_dir", default=str(DEFAULT_REPORTS), show_default=True, type=click.Path(file_okay=False),
              help="Folder of runs.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON (one object per run).")
def runs_list(out_dir, as_json):
    """Print the published runs, newest first: id, start, as-of date, job, status, policy."""
    import json

    from .runs import as_dicts, format_runs, list_runs

    entries = list_runs(out_dir)
    if as_json:
        click.echo(json.dumps(as_dicts(entries), indent=2))
    elif not entries:
        click.echo(f"no published runs in {out_dir}")
    else:
        click.echo(format_runs(entries))


@runs.command("prune")
@click.option("--out", "out_dir", default=str(DEFAULT_REPORTS), show_default=True, type=click.Path(file_okay=False),
              help="Folder of runs.")
@click.option("--keep", type=click.IntRange(min=0), default=None, metavar="N",
              help="Never remove the N newest runs (alone: remove all but the N newest).")
@click.option("--failed", is_flag=True, help="Remove only failed runs (a notebook failed or the run was interrupted).")
@click.option("--before", default=None, metavar="DATE", help="Remove only runs started before DATE (YYYY-MM-DD, UTC).")
@click.option("--dry-run", is_flag=True, help="Say which runs would be removed; remove nothing.")
def runs_prune(out_dir, keep, failed, before, dry_run):
    """Remove published runs, atomically, and rebuild the index. The options narrow the
    choice together; the newest successful run is never removed."""
    from .runs import prune_runs

    result = prune_runs(out_dir, keep=keep, failed=failed, before=before, dry_run=dry_run, echo=click.echo)
    verb = "would remove" if result.dry_run else "removed"
    for e in result.removed:
        click.echo(f"{verb} {e.run_id} ({e.status}, as of {e.as_of or 'unknown'})")
    click.echo(f"{verb} {len(result.removed)} run(s); {len(result.kept)} kept")

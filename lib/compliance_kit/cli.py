"""The `compliance-kit` command: a thin layer over the library. Each area keeps its own
commands beside its code; this module only assembles them and turns UserError into a
one-line message and an exit code instead of a traceback."""

from __future__ import annotations

# First thing, before the imports that make most of the start-up time: from here on,
# Ctrl-C and SIGTERM end the command with exit status 130 (compliance_kit.interrupts).
from . import interrupts

interrupts.install()

import sys  # noqa: E402

import click  # noqa: E402

from .cli_options import db_option, memory_limit_option, policy_option, threads_option  # noqa: E402
from .data.commands import plausible_options  # noqa: E402
from .errors import UserError  # noqa: E402


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="compliance-kit")
def cli() -> None:
    """Check, with evidence, that a company keeps the promises of its privacy policy."""


@cli.command()
@policy_option
@db_option
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None,
              help="Folder of operational data (accounts, records, events, requests, transfers as CSV or Parquet).")
@click.option("--strict", is_flag=True, help="Fail on the first invalid row instead of quarantining it.")
@plausible_options
@memory_limit_option
@threads_option
def build(policy_path: str, db_path: str, data_dir: str | None, strict: bool, memory_limit, threads,
          plausible=None) -> None:
    """Validate the policy spec (and operational data) and write the DuckDB store."""
    from .resources import Resources, validate_duckdb
    from .store import build_store

    from .progress import BuildProgress

    resources = Resources.make(memory_limit, threads)  # checked before any work
    validate_duckdb(resources)
    # Each step live on a terminal; without one (cron) only the final lines below.
    with BuildProgress() as progress:
        report = build_store(db_path, policy_path, data_dir=data_dir, strict=strict, echo=progress.step,
                             plausible=plausible, resources=resources)
    click.echo(f"policy {report.policy_id}: " + ", ".join(f"{t} {n}" for t, n in report.policy_rows.items()))
    if report.data_report is not None:
        click.echo(report.data_report.summary())
    click.echo(f"wrote {report.db_path}")


def _register() -> None:
    from .analysis.commands import sql
    from .data.commands import synth
    from .exports.commands import export, import_
    from .policy.commands import policy
    from .privacy.commands import keys, reidentify
    from .reports.commands import demo, new_report, notify, params, run, runs

    for command in (policy, synth, run, demo, params, new_report, notify, runs, keys, reidentify, sql,
                    export, import_):
        cli.add_command(command)


_register()
interrupts.ready()   # imported: a signal is now a KeyboardInterrupt, which run_group makes exit 130


def run_group(group: click.Group) -> None:
    """Run a click group the way every entry point of the kit does: a UserError is one line
    on stderr and its exit code, never a traceback; Ctrl-C or SIGTERM at any moment is exit
    130, whatever exception the interruption became on its way up (DuckDB makes it its own
    InterruptException, a loader may wrap that); a command may return an int, its exit
    status for schedulers (see README)."""
    try:
        with interrupts.raising():
            result = group.main(standalone_mode=False)
    except BaseException as exc:
        sys.exit(_exit_status(exc))
    sys.exit(result if isinstance(result, int) else 0)


def _exit_status(exc: BaseException) -> int:
    """The exit status of a command that ended with `exc`, its reason said in one line
    on stderr; an exception that is none of these (a bug) goes on up, with its traceback."""
    if interrupts.was_interrupted() or isinstance(exc, (KeyboardInterrupt, click.exceptions.Abort)):
        click.echo("Aborted.", err=True)
        return interrupts.EXIT_INTERRUPTED
    if isinstance(exc, UserError):
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        exc.show()
        return exc.exit_code
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    raise exc


def main() -> None:
    run_group(cli)

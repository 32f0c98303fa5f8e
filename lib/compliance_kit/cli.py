"""The `compliance-kit` command: a thin layer over the library. Each area keeps its own
commands beside its code; this module only assembles them and turns UserError into a
one-line message and an exit code instead of a traceback."""

from __future__ import annotations

import sys

import click

from .cli_options import db_option, policy_option
from .errors import UserError


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
def build(policy_path: str, db_path: str, data_dir: str | None, strict: bool) -> None:
    """Validate the policy spec (and operational data) and write the DuckDB store."""
    from .store import build_store

    report = build_store(db_path, policy_path, data_dir=data_dir, strict=strict, echo=click.echo)
    click.echo(f"policy {report.policy_id}: " + ", ".join(f"{t} {n}" for t, n in report.policy_rows.items()))
    if report.data_report is not None:
        click.echo(report.data_report.summary())
    click.echo(f"wrote {report.db_path}")


def _register() -> None:
    from .analysis.commands import sql
    from .data.commands import synth
    from .policy.commands import policy
    from .privacy.commands import keys, reidentify
    from .reports.commands import demo, new_report, notify, params, run, runs

    for command in (policy, synth, run, demo, params, new_report, notify, runs, keys, reidentify, sql):
        cli.add_command(command)


_register()


def run_group(group: click.Group) -> None:
    """Run a click group the way every entry point of the kit does: a UserError is one line
    on stderr and its exit code, never a traceback; a command may return an int, its exit
    status for schedulers (see README)."""
    try:
        result = group.main(standalone_mode=False)
    except UserError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)


def main() -> None:
    run_group(cli)

"""The `run` and `demo` commands: thin click wrappers over reports.runner."""

from __future__ import annotations

import click

from ..errors import UserError


@click.command()
@click.argument("reports", nargs=-1)
@click.option("--all", "run_all", is_flag=True, help="Run every notebook in notebooks/.")
@click.option("--as-of", "as_of", default=None, help="The date the report is as of (YYYY-MM-DD, or today / yesterday).")
def run(reports, run_all, as_of):
    """Execute report notebooks and publish a run folder (work in progress)."""
    raise UserError("compliance-kit run: not available yet")


@click.command()
def demo():
    """Run every notebook with default parameters and build the index (work in progress)."""
    raise UserError("compliance-kit demo: not available yet")

"""`compliance-kit policy ...`: look at a policy page and check a policy spec.

    compliance-kit policy extract SOURCE.html [--json]
    compliance-kit policy check [--policy PATH]

Errors are PolicySpecError (a UserError): cli.main prints them as one line and exits 2.
"""

from __future__ import annotations

import json

import click

from ..cli_options import policy_option


@click.group()
def policy() -> None:
    """Extract a published policy page and check a policy spec against it."""


@policy.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print every section and table as JSON.")
def extract(source: str, as_json: bool) -> None:
    """Print the sections and tables of a policy page (the rendered article only)."""
    from .extract import parse_page

    page = parse_page(source)
    if as_json:
        click.echo(json.dumps(page.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{source}: {len(page.sections)} sections, {len(page.tables)} tables")
    for s in page.sections:
        indent = "  " * max(s.level - 2, 0)
        click.echo(f"  {indent}{s.heading} ({len(s.text)} chars)")
    for t in page.tables:
        click.echo(
            f"  table {t.index + 1} in {t.section!r}: {len(t.rows)} data rows x {len(t.header)} columns"
            f" ({' | '.join(t.header)})"
        )


@policy.command()
@policy_option
def check(policy_path: str) -> None:
    """Validate a policy spec and check its provenance against the source page."""
    from .provenance import check_provenance
    from .spec import load_spec
    from .store import policy_rows

    spec = load_spec(policy_path)
    report = check_provenance(spec)
    rows = policy_rows(spec, policy_path)
    click.echo(f"{policy_path}: valid; {report.rows_checked} quotes found in {spec.source_path}")
    click.echo(
        "tables encoded: " + ", ".join(f"{t} {n} rows" for t, n in report.tables.items())
    )
    click.echo("rows: " + ", ".join(f"{t} {len(r)}" for t, r in rows.items()))
    conflicts = _conflicts(spec, policy_path)
    kinds = conflicts["conflict_kind"].value_counts().sort("conflict_kind").rows()
    click.echo(
        f"conflicts between retention rules: {conflicts.height}"
        + (" (" + ", ".join(f"{k} {n}" for k, n in kinds) + ")" if kinds else "")
    )


def _conflicts(spec, policy_path):
    """The spec's rule conflicts, from an in-memory store (nothing written to disk)."""
    import duckdb

    from ..store import create_schema
    from .conflicts import find_conflicts
    from .store import write_policy

    con = duckdb.connect(":memory:")
    try:
        create_schema(con)
        write_policy(con, spec, policy_path, check=False)
        return find_conflicts(con)
    finally:
        con.close()

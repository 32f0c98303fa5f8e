"""`compliance-kit policy ...`: look at a policy page and check a policy spec.

    compliance-kit policy extract SOURCE.html [--json]
    compliance-kit policy check [--policy PATH]
    compliance-kit policy diff OLD NEW [--db STORE] [--json]
    compliance-kit policy versions [--db STORE]

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


@policy.command()
@click.argument("old")
@click.argument("new")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="The store whose versions OLD and NEW may name (a policy id, or id@sha256-prefix).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def diff(old: str, new: str, db_path: str | None, as_json: bool) -> None:
    """List the rules added, removed and changed from OLD to NEW, with both quotes. OLD and
    NEW are policy spec files, or versions the store (--db) holds."""
    from ..paths import DEFAULT_DB
    from .versions import diff as diff_specs
    from .versions import load_version, render_diff

    db = db_path or (str(DEFAULT_DB) if DEFAULT_DB.exists() else None)
    old_spec, old_label = load_version(old, db)
    new_spec, new_label = load_version(new, db)
    changes = diff_specs(old_spec, new_spec)
    if as_json:
        click.echo(json.dumps({"old": old_label, "new": new_label,
                               "changes": [c.as_dict() for c in changes]}, ensure_ascii=False, indent=2,
                              default=str))
    else:
        click.echo(render_diff(changes, old_label, new_label))


@policy.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default="data/compliance.duckdb",
              show_default=True, help="The store.")
def versions(db_path: str) -> None:
    """List the policy versions the store holds (the active one marked *)."""
    from .. import engines
    from ..store import connect

    con = connect(db_path, read_only=True)
    try:
        rows = engines.of(con).query("policy_history.sql").to_dicts()
    finally:
        con.close()
    for r in rows:
        click.echo(f"{'*' if r['active'] else ' '} {r['policy_id']}@{r['spec_sha256'][:12]}  version "
                   f"{r['version']}  effective {r['effective_date']}  built {r['built_at']:%Y-%m-%d %H:%M}  "
                   f"{r['spec_file']}")

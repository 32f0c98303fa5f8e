"""`compliance-kit export ...` and `compliance-kit import ...` (docs/exports.md).

    compliance-kit export ropa --out FILE [--format xlsx|csv|html] [--as-of DATE] [-k K] [--db PATH]
"""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_options import db_option
from ..errors import UserError
from ..privacy.suppression import DEFAULT_K

as_of_option = click.option(
    "--as-of", "as_of", default="today", show_default=True, metavar="DATE",
    help="YYYY-MM-DD, today or yesterday (UTC): the observed figures count what happened up to the end of it.")


def _format(out: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(out).suffix.lower().lstrip(".")
    return suffix if suffix in ("xlsx", "csv", "html") else "xlsx"


@click.group()
def export() -> None:
    """Export the policy and the observed practice in other shapes (RoPA, ...)."""


@export.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The file to write.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "html"]), default=None,
              help="xlsx (quotes as cell notes), csv (one line per cell, provenance columns) or html "
                   "(a provenance column) [default: from --out's suffix, else xlsx].")
@as_of_option
@click.option("-k", "k", type=int, default=DEFAULT_K, show_default=True,
              help="Counts from 1 to k-1 on the Observed sheet are hidden.")
@db_option
def ropa(out: str, fmt: str | None, as_of: str, k: int, db_path: str) -> None:
    """The record of processing (GDPR Art. 30(1)) with each row's source quote, and the
    practice observed in the operational data."""
    from ..store import connect
    from . import ropa as ropa_export
    from .sheets import write

    fmt = _format(out, fmt)
    if k < 1:
        raise UserError(f"-k must be at least 1, not {k}")
    con = connect(db_path, read_only=True)
    try:
        sheets = ropa_export.build(con, as_of, k)
    finally:
        con.close()
    path = write(sheets, out, fmt, "Record of processing activities (GDPR Art. 30(1))")
    click.echo(f"wrote {path} ({fmt}): " + ", ".join(f"{s.name} {len(s.rows)}" for s in sheets))


@export.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="The manifest to write (.yml/.yaml: YAML, .json: JSON).")
@db_option
def fides(out: str, db_path: str) -> None:
    """A fideslang manifest of the policy: systems, privacy declarations (purposes as data
    uses, data categories, data subjects, retention as ISO 8601 durations), validated
    against fideslang 3.1.4's schema and taxonomy."""
    import json

    import yaml

    from ..store import connect
    from .fides import export_manifest, validate_manifest

    con = connect(db_path, read_only=True)
    try:
        manifest = export_manifest(con)
    finally:
        con.close()
    problems = validate_manifest(manifest)
    if problems:  # the mapping tables are ours: a problem here is a bug in them
        raise UserError("the Fides manifest does not validate (check data/fides/mapping.yaml): "
                        + "; ".join(problems[:5]))
    path = Path(out)
    text = (json.dumps(manifest, indent=2, ensure_ascii=False) if path.suffix.lower() == ".json"
            else yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=110))
    path.write_text(text, encoding="utf-8")
    declarations = sum(len(s["privacy_declarations"]) for s in manifest["system"])
    click.echo(f"wrote {path}: {len(manifest['system'])} systems, {declarations} privacy declarations "
               "(valid against fideslang 3.1.4)")


@click.group("import")
def import_() -> None:
    """Import a document of another tool as a policy-spec skeleton."""


@import_.command("fides")
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The policy spec skeleton to write.")
def import_fides(manifest: str, out: str) -> None:
    """A Fides manifest -> a policy-spec skeleton: what maps is filled in, every quote reads
    'TODO: ...' (policy check refuses the file until each is filled), and what does not
    map is listed at the top of the file."""
    from .fides import import_manifest, load_manifest, skeleton_yaml

    spec, unmapped = import_manifest(load_manifest(manifest))
    Path(out).write_text(skeleton_yaml(spec, unmapped, manifest), encoding="utf-8")
    click.echo(f"wrote {out}: {len(spec.get('purposes', []))} purposes, {len(spec.get('categories', []))} "
               f"categories, {len(spec.get('retention_rules', []))} retention rules, "
               f"{len(spec.get('transfers', []))} transfers; {len(unmapped)} things did not map (listed in the file)")


@export.command("ccpa-7102")
@click.option("--year", "year", type=int, default=None,
              help="The calendar year of receipt [default: the year before --as-of].")
@click.option("--consumers", type=click.Choice(["california", "all"]), default="california", show_default=True,
              help="Requests from California consumers, or from all consumers (7102(a) allows either).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="The folder to write ccpa-7102-YEAR-CONSUMERS.html (a fragment) and .csv into.")
@as_of_option
@db_option
def ccpa_7102(year: int | None, consumers: str, out_dir: str, as_of: str, db_path: str) -> None:
    """The CCPA 11 CCR 7102(a) request metrics of a calendar year: an HTML fragment for the
    privacy policy page and a CSV (totals: small-cell suppression does not apply)."""
    from ..store import connect
    from .ccpa_7102 import disclosure, to_csv, to_html

    out = Path(out_dir)
    if not out.is_dir():
        raise UserError(f"{out}: no such folder for --out")
    con = connect(db_path, read_only=True)
    try:
        d = disclosure(con, year, consumers, as_of)
    finally:
        con.close()
    stem = out / f"ccpa-7102-{d.year}-{d.consumers}"
    stem.with_suffix(".html").write_text(to_html(d), encoding="utf-8")
    stem.with_suffix(".csv").write_text(to_csv(d), encoding="utf-8")
    click.echo(f"wrote {stem}.html and {stem}.csv: {int(d.table['received'].sum())} requests received in "
               f"{d.year}" + (f" up to {d.window_end} (the year is not over)" if d.partial else ""))

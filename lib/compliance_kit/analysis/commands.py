"""`compliance-kit sql`: the final SQL of a figure, as the library runs it."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_options import db_option
from ..errors import UserError


@click.command("sql")
@click.argument("name", required=False)
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of the figure's analysis call (as_of, reading, jurisdictions, by, ...); "
                   "JSON when it parses ('[\"EEA\"]', 10), else text. Repeatable.")
@click.option("--bound", is_flag=True,
              help="Leave the parameters as $name placeholders (the text the library binds) "
                   "instead of writing them as literals.")
@click.option("--list", "list_figures", is_flag=True, help="List the figures and exit.")
@db_option
def sql(name: str | None, params: tuple[str, ...], bound: bool, list_figures: bool, db_path: str) -> None:
    """Print the DuckDB script of figure NAME (e.g. retention.headline, requests.performance,
    flows.breakdown): the TEMP tables and views it reads, then its query, composed from
    sql/*.sql with every parameter written as a literal. Pasted into `duckdb -readonly
    STORE`, it returns the rows the library got. The analysis runs once on the store to
    record its steps (docs/architecture.md, "Printing a figure's SQL")."""
    from . import printable

    if list_figures or not name:
        width = max(len(n) for n in printable.FIGURES)
        for figure, spec in printable.FIGURES.items():
            click.echo(f"{figure:<{width}}  {spec.query:<38} {spec.about}")
        if not name and not list_figures:
            raise UserError("name a figure (the list above)")
        return
    if not Path(db_path).is_file():
        raise UserError(f"no store at {db_path}: build it first (compliance-kit build) or pass --db")
    from ..store import connect

    with connect(db_path, read_only=True) as con:
        click.echo(printable.script(name, con, printable.parse_values(list(params)), bound=bound), nl=False)

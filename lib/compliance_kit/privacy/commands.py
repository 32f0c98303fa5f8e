"""`keys list`, `keys rotate JOB` and `reidentify RUN PSEUDONYM...`: thin click wrappers
over privacy.keys and privacy.reidentify."""

from __future__ import annotations

import click

from ..cli_options import keys_option
from ..paths import DEFAULT_REPORTS


@click.group()
def keys() -> None:
    """The private key store of pseudonymisation keys (never inside the reports folder)."""


@keys.command("list")
@keys_option
def list_keys(keys_dir) -> None:
    """List the keys: id, lifetime, created, fingerprint (as run manifests name them)."""
    from .keys import KeyStore

    store = KeyStore(keys_dir)
    infos = store.list_keys()
    if not infos:
        click.echo(f"no keys in {store.path}")
        return
    for info in infos:
        line = f"{info.key_id}  {info.lifetime}  {info.created}  {info.fingerprint or '-'}"
        if info.current_for:
            line += f"  current key of job {info.current_for}"
        if info.problem:
            line += f"  UNUSABLE: {info.problem}"
        click.echo(line)


@keys.command()
@click.argument("job")
@keys_option
def rotate(job, keys_dir) -> None:
    """Give JOB a new key (for jobs with key_lifetime = "job"). The old key file stays, so
    older runs stay re-identifiable; their pseudonyms no longer match new runs'."""
    from .keys import KeyStore

    store = KeyStore(keys_dir)
    key, previous = store.rotate(job)
    click.echo(f"job {job}: new key {key.key_id} (fingerprint {key.fingerprint}) in {store.path}"
               + (f"; previous key {previous} kept" if previous else ""))


@click.command()
@click.argument("run")
@click.argument("pseudonyms", nargs=-1, required=True)
@keys_option
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The DuckDB store to search [default: the store the run's manifest names].")
@click.option("--out", "out_dir", default=str(DEFAULT_REPORTS), show_default=True,
              type=click.Path(file_okay=False), help="Folder of runs, where RUN is looked up by id.")
def reidentify(run, pseudonyms, keys_dir, db_path, out_dir):
    """Print the raw ids behind pseudonyms of a run's pages: PSEUDONYM  TABLE.COLUMN  ID.

    RUN is a run id under --out or the path of a run folder. Needs the run's key from the
    key store. Exit status: 0 every pseudonym found, 1 some not found (listed on stderr),
    2 bad input or the key is missing or is not the run's.
    """
    from .reidentify import reidentify_run

    matches, missing, db = reidentify_run(run, pseudonyms, keys_dir=keys_dir, db_path=db_path,
                                          out_dir=out_dir)
    for m in matches:
        click.echo(f"{m.pseudonym}  {m.column}  {m.identifier}")
    if missing:
        click.echo(f"not found in {db}: {' '.join(missing)}", err=True)
        return 1
    return 0

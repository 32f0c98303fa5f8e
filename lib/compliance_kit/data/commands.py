"""CLI commands of the data area (assembled by compliance_kit.cli)."""

from __future__ import annotations

import datetime as dt
import functools

import click

from ..cli_options import policy_option


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Folder to write the sample to (replaced atomically; manifest.json is written last).")
@click.option("--accounts", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Number of accounts (about 10 records each).")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed: same seed, same bytes.")
@click.option("--as-of", "as_of", default="2026-10-31", show_default=True,
              help="The sample's reference date (YYYY-MM-DD): nothing happens after it.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=50_000, show_default=True,
              help="Accounts per chunk (bounds memory; part of the recipe: same seed AND chunk size, same bytes).")
@click.option("--force", is_flag=True, help="Replace --out even if it holds files that are not a sample.")
@policy_option
def synth(out: str, accounts: int, seed: int, as_of: str, chunk_size: int, force: bool, policy_path: str) -> None:
    """Write a synthetic sample (five tables as Parquet) with ground truth of its injected faults."""
    from ..errors import OutputWriteError
    from .synth import generate

    try:
        manifest = generate(out, accounts, seed, as_of=as_of, chunk_size=chunk_size,
                            policy_path=policy_path, force=force)
    except OSError as exc:
        # --out under a file, in /proc, on a full or read-only disk: one line and the
        # exit status of every write failure (5); generate leaves no partial sample
        reason = exc.strerror or str(exc)
        raise OutputWriteError(f"cannot write the sample to {out}: {reason}"
                              + (f" ({exc.filename})" if exc.filename else "")) from None
    rows = ", ".join(f"{t} {n}" for t, n in manifest["rows"].items())
    click.echo(f"wrote {out}: {rows} (seed {seed}, as of {manifest['as_of']})")


def plausible_options(command):
    """`--plausible-from DATE` / `--plausible-to DATE` (used by `build`): an optional window,
    both days included (UTC), that every timestamp of the data must fall in; outside it a
    row is quarantined as `implausible_timestamp`. Off by default. The command receives
    them as one `plausible` argument (a data.loader.PlausibleRange, or None)."""

    @click.option("--plausible-from", "plausible_from", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  metavar="DATE", help="Quarantine rows with a timestamp before this day (UTC), e.g. 1970-01-01. Off by default.")
    @click.option("--plausible-to", "plausible_to", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  metavar="DATE", help="Quarantine rows with a timestamp after this day (UTC), e.g. the as-of date plus a year. Off by default.")
    @functools.wraps(command)
    def wrapper(*args, plausible_from: dt.datetime | None, plausible_to: dt.datetime | None, **kwargs):
        from .loader import PlausibleRange

        plausible = None
        if plausible_from is not None or plausible_to is not None:
            plausible = PlausibleRange(plausible_from and plausible_from.date(), plausible_to and plausible_to.date())
        return command(*args, plausible=plausible, **kwargs)

    return wrapper

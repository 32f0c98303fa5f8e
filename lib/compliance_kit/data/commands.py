"""CLI commands of the data area (assembled by compliance_kit.cli)."""

from __future__ import annotations

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
    from .synth import generate

    manifest = generate(out, accounts, seed, as_of=as_of, chunk_size=chunk_size,
                        policy_path=policy_path, force=force)
    rows = ", ".join(f"{t} {n}" for t, n in manifest["rows"].items())
    click.echo(f"wrote {out}: {rows} (seed {seed}, as of {manifest['as_of']})")

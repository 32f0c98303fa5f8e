"""Options shared by several commands (sqlite-utils style), so they read the same everywhere."""

import click

from .paths import DEFAULT_DB, DEFAULT_POLICY

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=str(DEFAULT_DB),
    show_default=True, help="The DuckDB store.",
)
policy_option = click.option(
    "--policy", "policy_path", type=click.Path(dir_okay=False), default=str(DEFAULT_POLICY),
    show_default=True, help="The policy spec (YAML) to encode.",
)
keys_option = click.option(
    "--keys", "keys_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
    help="The private key store of pseudonymisation keys, never inside the reports folder "
         "[default: $COMPLIANCE_KIT_KEYS, else .keys].",
)

memory_limit_option = click.option(
    "--memory-limit", "memory_limit", default=None, metavar="SIZE",
    help="DuckDB's memory limit per process, e.g. 2GB, 1500MB or 50%; what does not fit spills "
         "to disk beside the store [default: 1.5GB].",
)
threads_option = click.option(
    "--threads", "threads", default=None, metavar="N",
    help="DuckDB threads per process [default: every core].",
)

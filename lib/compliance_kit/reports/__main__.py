"""`python -m compliance_kit.reports run|demo ...`: the report commands alone, with the
same error handling and exit codes as `compliance-kit` (handy for cron and tests)."""

from ..cli import run_group  # first: it installs the Ctrl-C / SIGTERM handler (exit 130)

import click  # noqa: E402
from .commands import demo, run, runs


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main_group() -> None:
    """Report runs (same as `compliance-kit run` / `compliance-kit demo`)."""


main_group.add_command(run)
main_group.add_command(demo)
main_group.add_command(runs)


def main() -> None:
    run_group(main_group)


if __name__ == "__main__":
    main()

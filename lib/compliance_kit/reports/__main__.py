"""`python -m compliance_kit.reports run|demo ...`: the report commands alone, with the
same error handling and exit codes as `compliance-kit` (handy for cron and tests)."""

import sys

import click

from ..errors import UserError
from .commands import demo, run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main_group() -> None:
    """Report runs (same as `compliance-kit run` / `compliance-kit demo`)."""


main_group.add_command(run)
main_group.add_command(demo)


def main() -> None:
    try:
        result = main_group.main(standalone_mode=False)
    except UserError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()

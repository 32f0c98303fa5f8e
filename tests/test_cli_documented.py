"""Every command of the CLI is documented in the README (sqlite-utils keeps the same promise)."""

from pathlib import Path

import click

from compliance_kit.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _command_paths(group: click.Group, prefix: str = "compliance-kit"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _command_paths(command, path)
        else:
            yield path


def test_every_command_is_in_the_readme():
    paths = list(_command_paths(cli))
    assert len(paths) >= 5, paths
    missing = [p for p in paths if f"`{p}" not in README]
    assert not missing, f"README.md does not document: {missing}"

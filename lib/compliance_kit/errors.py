"""Errors that are the user's to fix. The CLI prints them without a traceback."""


class UserError(Exception):
    """A mistake in input, parameters or configuration; the message says what to do.

    `exit_code` is what the CLI exits with (2: bad usage or input, as click does).
    """

    exit_code = 2


class PolicySpecError(UserError):
    """The policy YAML is invalid: the message names the file, the row and the field."""


class DataValidationError(UserError):
    """Operational data failed validation (missing file or column, or a row under --strict)."""


class ParameterError(UserError):
    """A report parameter is unknown, of the wrong type or out of range."""


class OutputWriteError(UserError):
    """An output could not be written (a path under a file or in /proc, a full or read-only
    disk): one line, exit 5 as every write failure (README, exit codes), nothing partial."""

    exit_code = 5

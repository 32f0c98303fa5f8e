"""Report parameters: where the store is, and checks a notebook WITHOUT a parameter
contract (a test fixture, an analyst's own notebook) runs in its validation cell, right
after the `parameters` cell, so that a mistake fails fast with a message that says what
to fix. The kit's reports declare a contract instead (compliance_kit.contract; their
first cell calls `CONTRACT.validate(globals(), lookup)`); dates here go through the
contract's one parser.

    validate_common(as_of=as_of, k=k, chart_renderer=chart_renderer)
    window_days = check_int("window_days", window_days, minimum=1)
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ..contract import CHART_RENDERERS, MAX_K, AsOf, parse_day
from ..errors import ParameterError, UserError

DB_ENV = "COMPLIANCE_KIT_DB"
DEFAULT_DB_RELATIVE = Path("data") / "compliance.duckdb"


def resolve_db(db_path: str | os.PathLike | None = None, start: str | os.PathLike | None = None) -> Path:
    """The store to read, as an absolute path.

    Given a path: that path. None: $COMPLIANCE_KIT_DB if set, else the first
    `data/compliance.duckdb` found walking up from `start` (default: the working
    directory), so a notebook opened from notebooks/ finds the project's store.
    Raises UserError when there is no store.
    """
    if db_path is not None and str(db_path) != "":
        path = Path(db_path).expanduser()
        if not path.is_file():
            raise UserError(
                f"no store at {path}: build it with `compliance-kit build --data DIR` "
                "(or `make store`), or pass the right --db / db_path"
            )
        return path.resolve()
    env = os.environ.get(DB_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise UserError(f"${DB_ENV} points to {path}, which does not exist: build the store or fix the variable")
        return path.resolve()
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / DEFAULT_DB_RELATIVE
        if candidate.is_file():
            return candidate
    raise UserError(
        f"no store found: looked for {DEFAULT_DB_RELATIVE} in {here} and its parents, and "
        f"${DB_ENV} is not set. Build one with `make store` (or `compliance-kit build --data DIR`)"
    )


def parse_date(name: str, value) -> dt.date:
    """An ISO date (YYYY-MM-DD) given as text or a date; ParameterError otherwise
    (compliance_kit.contract.parse_day; a datetime is its date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    return parse_day(name, value)


def parse_optional_date(name: str, value) -> dt.date | None:
    """parse_date, with None meaning "not set" (an open window end, say)."""
    return None if value is None else parse_date(name, value)


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name} must be a whole number, not {value!r}")
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name} must be at most {maximum}, not {value}")
    return value


def check_number(name: str, value, minimum: float | None = None, maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"parameter {name} must be a number, not {value!r}")
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name} must be at most {maximum}, not {value}")
    return float(value)


def check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(f"parameter {name} must be True or False, not {value!r}")
    return value


def check_choice(name: str, value, choices) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise ParameterError(f"parameter {name} must be one of {', '.join(map(str, choices))}, not {value!r}")
    return value


def check_str_list(name: str, value, allow_none: bool = True, choices=None) -> list[str] | None:
    """A list of strings (a single string counts as a one-item list); None if allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"parameter {name} must be a list of strings, not {value!r}")
    if choices is not None:
        bad = [v for v in value if v not in choices]
        if bad:
            raise ParameterError(f"parameter {name}: unknown value(s) {bad}; known: {', '.join(sorted(choices))}")
    return list(value)


def check_optional_path(name: str, value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)) or str(value) == "":
        raise ParameterError(f"parameter {name} must be a path (text) or None, not {value!r}")
    return str(value)


class ValidatedParameters(dict):
    """The parsed parameters. Shows nothing when it ends a notebook cell, so a
    validation cell adds no output to the report."""

    def _ipython_display_(self):
        return None


def validate_common(*, as_of=None, k=None, chart_renderer=None, db_path=None,
                    metrics_path=None, **_unknown) -> dict:
    """Check the parameters every notebook shares; raise ParameterError on the first
    mistake. Pass those you have as keywords. Returns them parsed (as_of as a date),
    as a dict that displays nothing as a cell's last value."""
    if _unknown:
        raise ParameterError(f"validate_common: unknown parameter(s) {sorted(_unknown)}; "
                             "check notebook-specific ones with check_int / check_choice / ...")
    out = ValidatedParameters()
    if as_of is not None:
        out["as_of"] = AsOf.parse(as_of).day
    else:
        raise ParameterError("parameter as_of is required (a date, YYYY-MM-DD)")
    if k is not None:
        out["k"] = check_int("k", k, minimum=1, maximum=MAX_K)
    if chart_renderer is not None:
        out["chart_renderer"] = check_choice("chart_renderer", chart_renderer, CHART_RENDERERS)
    out["db_path"] = check_optional_path("db_path", db_path)
    out["metrics_path"] = check_optional_path("metrics_path", metrics_path)
    return out

"""Read each notebook's `parameters` cell (papermill's inspection) and check the values a
run will inject against it, BEFORE any notebook starts: an unknown name, a value of the
wrong type or a bad date is a ParameterError (exit 2) naming the notebook and parameter.

Types come from the cell: an annotation (`k: int = 5`) when present, else the type of
the default value (`k = 5` -> int, `as_of = "2026-10-31"` -> a date, `x = None` -> any).
This is the check of a notebook WITHOUT a parameter contract (a test fixture, an analyst's
own notebook); a report whose metadata names a contract (`"compliance_kit": {"contract":
...}`) is checked against it instead (reports/plan.py, compliance_kit.contract).
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..contract import literal_from_text, parse_day
from ..errors import ParameterError

# Set by the runner itself, never by -p.
RUNNER_PARAMETERS = ("db_path", "metrics_path")
COMMON_PARAMETERS = ("db_path", "as_of", "k", "metrics_path", "chart_renderer")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ANNOTATIONS = {"int": "int", "float": "float", "str": "str", "bool": "bool", "list": "list",
                "dict": "dict", "date": "date"}


@dataclass
class Parameter:
    name: str
    kind: str          # int, float, bool, str, date, list, dict, any
    default: object
    help: str = ""


@dataclass
class NotebookParameters:
    name: str
    path: Path
    parameters: dict[str, Parameter] = field(default_factory=dict)
    contract: str | dict | None = None    # the report contract its metadata names (compliance_kit.analysis.CONTRACTS),
                                          # or declares as data (compliance_kit.contract_data)


def _kind_of(name: str, default, annotation: str | None) -> str:
    if annotation and annotation != "None":
        base = annotation.strip().strip("'\"")
        m = re.match(r"^(Optional\[)?(\w+)", base)
        kind = _ANNOTATIONS.get(m.group(2) if m else base, "any")
        if kind == "str" and isinstance(default, str) and ISO_DATE.match(default):
            return "date"
        return kind
    if default is None:
        return "any"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "date" if (ISO_DATE.match(default) or name == "as_of") else "str"
    if isinstance(default, (list, tuple)):
        return "list"
    if isinstance(default, dict):
        return "dict"
    return "any"


def inspect_parameters(path: str | Path) -> NotebookParameters:
    """The declared parameters of the notebook at `path` (papermill.inspect_notebook)."""
    import nbformat
    import papermill

    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"no notebook at {path}")
    nb = nbformat.read(str(path), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        raise ParameterError(f"{path.name}: {len(tagged)} cells tagged 'parameters'; the runner needs exactly one")
    found = papermill.inspect_notebook(str(path))
    contract = (nb.metadata.get("compliance_kit") or {}).get("contract")
    if contract is not None and not isinstance(contract, (str, dict)):
        raise ParameterError(f"{path.name}: metadata compliance_kit.contract must name a report, or declare "
                             f"a contract (a table: docs/writing-reports.md), not {contract!r}")
    out = NotebookParameters(path.stem, path, contract=contract)
    for name, info in found.items():
        raw = info.get("default")
        try:
            default = ast.literal_eval(raw) if raw is not None else None
        except (ValueError, SyntaxError):
            default = raw  # an expression: keep its text, accept any value
            kind = "any"
        else:
            kind = _kind_of(name, default, info.get("inferred_type_name"))
        out.parameters[name] = Parameter(name, kind, default, info.get("help") or "")
    missing = [p for p in COMMON_PARAMETERS if p not in out.parameters]
    if missing:
        raise ParameterError(f"{path.name}: the parameters cell lacks the common parameter(s) {missing}")
    return out


# A -p value as written on the command line (JSON / Python literals, else the text).
parse_cli_value = literal_from_text


def coerce(param: Parameter, value, notebook: str, from_cli: bool = False):
    """`value` checked (and converted when it came from the command line as text) for
    `param`; ParameterError naming the notebook and parameter otherwise."""
    where = f"parameter {param.name} of {notebook}"
    kind = param.kind
    if from_cli and isinstance(value, str):
        if kind in ("str", "date"):
            pass  # keep the text as written
        elif kind == "list":
            parsed = parse_cli_value(value)
            value = parsed if isinstance(parsed, list) else [v.strip() for v in value.split(",") if v.strip()]
        else:
            value = parse_cli_value(value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(f"{where} must be a whole number (default {param.default!r}), not {value!r}")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"{where} must be a number (default {param.default!r}), not {value!r}")
        value = float(value)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ParameterError(f"{where} must be true or false, not {value!r}")
    elif kind == "date":
        if isinstance(value, dt.date):
            value = value.isoformat()
        try:
            value = parse_day(param.name, value).isoformat()
        except ParameterError:
            raise ParameterError(f"{where} must be a date written YYYY-MM-DD (e.g. 2026-10-31), not {value!r}") from None
    elif kind == "str":
        if not isinstance(value, str):
            raise ParameterError(f"{where} must be text (default {param.default!r}), not {value!r}")
    elif kind == "list":
        if value is not None and not isinstance(value, (list, tuple)):
            raise ParameterError(f"{where} must be a list (e.g. '[\"FR\", \"KR\"]' or FR,KR), not {value!r}")
        value = list(value) if value is not None else None
    elif kind == "dict":
        if not isinstance(value, dict):
            raise ParameterError(f"{where} must be a mapping, not {value!r}")
    elif kind == "any" and isinstance(value, dt.date):
        value = value.isoformat()
    return value


def resolve_parameters(notebooks: list[NotebookParameters], overrides: dict, from_cli: dict | None = None) -> dict[str, dict]:
    """Per notebook, the parameters to inject: each override goes to the notebooks that
    declare it (an override no selected notebook declares is an error), checked for type.
    `from_cli` names the overrides given as command-line text (converted by type)."""
    from_cli = from_cli or {}
    check_names(notebooks, overrides)
    resolved = {}
    for nb in notebooks:
        values = {}
        for name, value in overrides.items():
            if name in nb.parameters:
                values[name] = coerce(nb.parameters[name], value, nb.path.name, from_cli.get(name, False))
        resolved[nb.name] = values
    return resolved


def check_names(notebooks: list[NotebookParameters], overrides: dict) -> None:
    """ParameterError for an override the runner sets itself or no notebook declares."""
    for name in overrides:
        if name in RUNNER_PARAMETERS:
            raise ParameterError(f"parameter {name} is set by the runner: use --db for the store, "
                                 "and metrics_path is the run folder's metrics.json")
        if not any(name in nb.parameters for nb in notebooks):
            known = sorted({p for nb in notebooks for p in nb.parameters} - set(RUNNER_PARAMETERS))
            raise ParameterError(
                f"unknown parameter {name!r}: no selected notebook declares it "
                f"({', '.join(nb.name for nb in notebooks)}); known: {', '.join(known)}"
            )

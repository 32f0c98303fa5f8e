"""A parameter contract written as data, for a report that is not part of the kit: an
analyst's own notebook declares it in its metadata, so adding a report needs no code
change (docs/writing-reports.md).

    "metadata": {"compliance_kit": {"contract": {
        "name": "held_records",
        "params": [
            {"name": "days", "kind": "int", "minimum": 0, "maximum": 36500, "default": 365,
             "help": "records held longer than this many days after collection"},
            {"name": "systems", "kind": "codes", "source": "systems", "default": null,
             "help": "e.g. [\"crm\"]; None: all"}]}}}

The parameters every report has (db_path, as_of, k, metrics_path, chart_renderer:
compliance_kit.contract.common_parameters) come first and are not written again. Kinds:
`int` (minimum, maximum), `choice` (values), `codes` (source: jurisdictions, types,
categories or systems: the allowed values are the store's), `date` (YYYY-MM-DD or None),
`text`. Each becomes the same Param the kit's own reports declare in Python, so the
runner (reports/plan.py), the notebook's validation cell and their messages are the same.

A report whose metadata names a registered contract (a string) follows the kit's own
(compliance_kit.analysis.CONTRACTS); this module is only for the declared ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from .contract import (Choice, Codes, Contract, Integer, OptionalDate, Param, StoreLookup, Text,
                       common_parameters)
from .errors import ParameterError

KINDS = ("int", "choice", "codes", "date", "text")
_FIELDS = {"int": {"minimum", "maximum"}, "choice": {"values"}, "codes": {"source"}, "date": set(), "text": set()}
_COMMON = {"name", "kind", "default", "help"}


def _kind(where: str, spec: Mapping) -> Any:
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ParameterError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    unknown = set(spec) - _COMMON - _FIELDS[kind]
    if unknown:
        raise ParameterError(f"{where}: unknown field(s) {sorted(unknown)} for kind {kind!r}; "
                             f"allowed: {', '.join(sorted(_COMMON | _FIELDS[kind]))}")
    if kind == "int":
        bounds = [spec.get("minimum"), spec.get("maximum")]
        if any(b is not None and (isinstance(b, bool) or not isinstance(b, int)) for b in bounds):
            raise ParameterError(f"{where}: minimum and maximum must be whole numbers")
        return Integer(*bounds)
    if kind == "choice":
        values = spec.get("values")
        if not (isinstance(values, list) and values and all(isinstance(v, str) and v for v in values)):
            raise ParameterError(f"{where}: a choice needs values, a list of texts")
        return Choice(tuple(values))
    if kind == "codes":
        source = spec.get("source")
        if source not in StoreLookup.FILES:
            raise ParameterError(f"{where}: source must be one of {', '.join(StoreLookup.FILES)}, not {source!r}")
        return Codes(source)
    if kind == "date":
        return OptionalDate()
    return Text()


def contract_from_data(spec: Mapping, report: str) -> Contract:
    """The Contract a notebook's metadata declares (`spec`, as above) for the report
    `report`; ParameterError saying what to fix when the declaration is wrong, or when a
    declared default is not an allowed value (codes are checked when the run is)."""
    where = f"{report}: metadata compliance_kit.contract"
    if not isinstance(spec, Mapping):
        raise ParameterError(f"{where} must be a table with params, not {spec!r}")
    unknown = set(spec) - {"name", "params"}
    if unknown:
        raise ParameterError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: name, params")
    name = spec.get("name", report)
    if name != report:
        raise ParameterError(f"{where} is named {name!r}: name it {report!r}, as its notebook")
    declared = spec.get("params", [])
    if not isinstance(declared, list):
        raise ParameterError(f"{where}: params must be a list of tables")
    common = common_parameters()
    taken = {p.name for p in common}
    params = list(common)
    for i, item in enumerate(declared):
        at = f"{where}, params[{i}]"
        if not isinstance(item, Mapping):
            raise ParameterError(f"{at} must be a table (name, kind, default, help, ...)")
        pname = item.get("name")
        if not (isinstance(pname, str) and pname.isidentifier()):
            raise ParameterError(f"{at}: name must be a Python identifier, not {pname!r}")
        if pname in taken:
            what = "every report has it" if pname in {p.name for p in common} else "declared twice"
            raise ParameterError(f"{at}: parameter {pname!r} is {what}: leave it out")
        taken.add(pname)
        kind = _kind(f"{at} ({pname})", item)
        help_text = item.get("help", "")
        if not isinstance(help_text, str):
            raise ParameterError(f"{at} ({pname}): help must be text")
        param = Param(pname, kind, item.get("default"), help_text)
        if not isinstance(kind, Codes):  # codes need the store: checked when the report runs
            param.parse(param.default, None, f" of {report} (its declared default)")
        params.append(param)
    return Contract(report, tuple(params))


def notebook_contract(notebook: str | Path) -> Contract:
    """The contract declared in the metadata of the notebook at `notebook`: what a
    report's validation cell calls (`notebook_contract("held_records.ipynb")`; the
    runner and JupyterLab start the kernel in the notebook's folder)."""
    path = Path(notebook)
    try:
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except FileNotFoundError:
        raise ParameterError(f"no notebook {path} (from {Path.cwd()}): the validation cell names the "
                             "notebook it is in; if you renamed it, rename it there too") from None
    except ValueError as exc:
        raise ParameterError(f"{path}: not a notebook ({exc})") from None
    spec = (metadata.get("compliance_kit") or {}).get("contract")
    if spec is None:
        raise ParameterError(f"{path.name}: its metadata declares no compliance_kit.contract")
    return contract_from_data(spec, path.stem)

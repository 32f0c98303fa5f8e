"""The analyses, one module each, and the registry of their parameter contracts.

`CONTRACTS[report]` is the contract (compliance_kit.contract.Contract) the report notebook
of that name follows; each is declared once, as `CONTRACT` in its analysis module. A
notebook opts in through its metadata (`"compliance_kit": {"contract": "<report>"}`); the
runner then checks -p and schedule values against it before any kernel starts. Modules are
imported on first use: the runner pays only for the contracts it needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping

from ..errors import UserError

# report (notebook) name -> the analysis module declaring its CONTRACT
REPORTS = {
    "policy_overview": "policy_overview",
    "retention_compliance": "retention",
    "request_turnaround": "requests",
    "data_flows": "flows",
}


class _Contracts(Mapping):
    def __getitem__(self, report: str):
        module = REPORTS[report]
        return importlib.import_module(f"{__name__}.{module}").CONTRACT

    def __iter__(self):
        return iter(REPORTS)

    def __len__(self) -> int:
        return len(REPORTS)


CONTRACTS: Mapping = _Contracts()


def parameters_markdown(reports: Iterable[str] = (), lookup=None) -> str:
    """The parameter tables of `reports` (default: every report), one Markdown table each,
    from their contracts; with a StoreLookup, the store's allowed codes are listed."""
    names = list(reports) or list(REPORTS)
    unknown = [n for n in names if n not in REPORTS]
    if unknown:
        raise UserError(f"no parameter contract for {', '.join(map(repr, unknown))}; "
                        f"reports with one: {', '.join(REPORTS)}")
    return "\n".join(CONTRACTS[n].markdown(lookup) for n in names)

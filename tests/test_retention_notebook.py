"""The retention notebook's contract: its parameters (names and defaults the runner and
the dashboard rely on), chart cells marked for nbval, and a validation cell that stops a
bad parameter before any work. (The notebook itself runs under
`pytest --nbval-lax notebooks/retention_compliance.ipynb` on the sample store.)"""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
import pytest

from compliance_kit.analysis import retention as R
from compliance_kit.reports.inspect import inspect_parameters

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "retention_compliance.ipynb"
DEMO_STORE = NOTEBOOK.parent.parent / "data" / "compliance.duckdb"

DEFAULTS = {
    "db_path": None, "as_of": "2026-10-31", "jurisdictions": None, "categories": None,
    "systems": None, "horizon": 30, "reading": "strictest", "k": 5, "metrics_path": None,
    "chart_renderer": "svg",
    "engine": "duckdb", "spark_data": None, "spark_url": None,  # engine: docs/scale-out.md
}


def cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_parameters_cell_has_exactly_the_documented_parameters():
    # read the way the runner reads it (papermill's inspection), exactly one cell tagged
    nb = inspect_parameters(NOTEBOOK)
    assert {name: p.default for name, p in nb.parameters.items()} == DEFAULTS
    # ... and the same names and defaults as the contract the notebook's metadata names
    assert nb.contract == "retention_compliance"
    assert {p.name: p.default for p in R.CONTRACT.params} == DEFAULTS


def test_chart_cells_are_ignored_by_nbval_and_headline_goes_to_metrics():
    code = [c.source for c in cells() if c.cell_type == "code"]
    chart_cells = [s for s in code if "_chart(" in s or "overdue_heatmap(" in s]
    assert len(chart_cells) == 5
    # nbval reads its cell tags: analysts see no marker comment in the code
    tagged = [c.source for c in cells() if "nbval-ignore-output" in c.metadata.get("tags", [])]
    assert sorted(tagged) == sorted(chart_cells)
    assert not any("NBVAL" in s for s in code)
    assert any('write_metrics(p.metrics_path, "retention", figures)' in s for s in code)
    assert any("R.overdue_case_list(" in s for s in code)  # pseudonymised, k cases or none
    assert any("connect(resolve_db(db_path), read_only=True)" in s for s in code)


@pytest.mark.parametrize("parameters,message", [
    ({"reading": "loosest"}, "reading must be one of strictest"),
    ({"horizon": -1}, "horizon must be from 0 to 3650, not -1"),
    ({"as_of": "31/10/2026"}, "as_of must be a date"),
    ({"engine": "spark"}, "engine='spark' needs spark_data"),
    ({"jurisdictions": ["EEAA"]}, "unknown code(s) ['EEAA']"),
])
def test_a_bad_parameter_fails_in_the_validation_cell(tmp_path, parameters, message):
    with pytest.raises(pm.PapermillExecutionError) as err:
        # the codes are checked against the store: the demo store (make store)
        pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "out.ipynb"),
                            parameters={"db_path": str(DEMO_STORE), **parameters},
                            progress_bar=False, cwd=str(tmp_path))
    assert message in str(err.value)
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code"]
    failed = [i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c.outputs)]
    injected = [i for i, c in enumerate(code) if "injected-parameters" in c.metadata.get("tags", [])]
    # the first code cell after the (injected) parameters validates and stops the run
    assert failed == [injected[0] + 1]
    assert "R.CONTRACT.validate(globals()" in code[failed[0]].source

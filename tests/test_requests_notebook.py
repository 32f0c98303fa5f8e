"""The request-turnaround notebook's contract: its parameters (names and defaults the
runner relies on), chart cells marked for nbval, the store opened read-only, headline
figures to metrics.json, pseudonymised ids, and a validation cell that stops a bad
parameter before any work. (The notebook itself runs under
`pytest --nbval-lax notebooks/request_turnaround.ipynb` on the sample store.)"""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
import pytest

from compliance_kit.analysis import requests as rq
from compliance_kit.reports.inspect import inspect_parameters

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "request_turnaround.ipynb"
DEMO_STORE = NOTEBOOK.parent.parent / "data" / "compliance.duckdb"

DEFAULTS = {
    "db_path": None, "as_of": "2026-10-31", "window_start": None, "window_end": None,
    "jurisdictions": None, "types": None, "k": 5, "metrics_path": None, "chart_renderer": "svg",
    "engine": "duckdb", "spark_data": None, "spark_url": None,  # engine: docs/scale-out.md
}


def cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_parameters_cell_has_exactly_the_documented_parameters():
    # read the way the runner reads it (papermill's inspection), exactly one cell tagged
    nb = inspect_parameters(NOTEBOOK)
    assert {name: p.default for name, p in nb.parameters.items()} == DEFAULTS
    # ... and the same names and defaults as the contract the notebook's metadata names
    assert nb.contract == "request_turnaround"
    assert {p.name: p.default for p in rq.CONTRACT.params} == DEFAULTS


def test_chart_cells_are_ignored_by_nbval_and_figures_go_to_metrics():
    code = [c.source for c in cells() if c.cell_type == "code"]
    chart_cells = [s for s in code if "_chart(" in s]
    assert len(chart_cells) == 4
    # nbval reads its cell tags: analysts see no marker comment in the code
    tagged = [c.source for c in cells() if "nbval-ignore-output" in c.metadata.get("tags", [])]
    assert sorted(tagged) == sorted(chart_cells)
    assert not any("NBVAL" in s for s in code)
    assert any('write_metrics(p.metrics_path, "requests", figures)' in s for s in code)
    # case lists (open past due, due next, late notices) through the library's rule:
    # pseudonyms, due dates and days only, from k cases on
    assert any("rq.case_lists(" in s for s in code)
    assert not any("pseudonymise(" in s or "request_id" in s for s in code)
    assert any("connect(resolve_db(db_path), read_only=True)" in s for s in code)
    # every parameter, codes and request types included, through the report's contract
    assert any("rq.CONTRACT.validate(globals(), StoreLookup(con))" in s for s in code)
    assert not any("REQUEST_TYPES" in s for s in code)  # the store's request_types decide
    # every table: small counts suppressed (region, jurisdiction and queue protected together)
    assert sum("for_display(" in s or "rq.timeliness_tables(" in s for s in code) >= 8
    assert any('headline_frame("requests", figures, p.k)' in s for s in code)
    assert not any("Markdown(" in s for s in code)  # Markdown from values: md() in the library
    assert all("k=p.k" in s for s in chart_cells)  # every chart draws no group under k


@pytest.mark.parametrize("parameters,message", [
    ({"as_of": "31/10/2026"}, "as_of must be a date"),
    ({"window_start": "2026-02-01", "window_end": "2026-01-01"}, "is before window_start"),
    ({"types": ["access", "erasure"]}, "unknown code(s) ['erasure']"),
    ({"jurisdictions": ["EEAA"]}, "unknown code(s) ['EEAA']"),
    ({"k": 0}, "k must be from 1 to 1000"),
])
def test_a_bad_parameter_fails_in_the_validation_cell(tmp_path, parameters, message):
    with pytest.raises(pm.PapermillExecutionError) as err:
        # the codes and types are checked against the store: the demo store (make store)
        pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "out.ipynb"),
                            parameters={"db_path": str(DEMO_STORE), **parameters},
                            progress_bar=False, cwd=str(tmp_path))
    assert message in str(err.value)
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code"]
    failed = [i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c.outputs)]
    injected = [i for i, c in enumerate(code) if "injected-parameters" in c.metadata.get("tags", [])]
    assert failed == [injected[0] + 1]
    assert "rq.CONTRACT.validate(globals()" in code[failed[0]].source

"""notebooks/data_flows.ipynb: its parameters, chart cells, fail-fast validation, and a
run on a hand-built store writing the flows.* headline figures (nbval runs it on the
sample store separately)."""

import datetime as dt
import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from compliance_kit.analysis import flows
from compliance_kit.reports.inspect import inspect_parameters
from compliance_kit.store import connect, create_schema
from conftest_flows import _insert_policy, add_transfers

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "data_flows.ipynb"
UTC = dt.timezone.utc


def test_parameters_cell():
    # read the way the runner reads it (papermill's inspection), exactly one cell tagged
    params = {name: p.default for name, p in inspect_parameters(NOTEBOOK).parameters.items()}
    assert params == {"db_path": None, "as_of": "2026-10-31", "window_start": None,
                      "window_end": None, "source_jurisdictions": None, "k": 5,
                      "metrics_path": None, "chart_renderer": "svg",
                      "engine": "duckdb", "spark_data": None, "spark_url": None}
    # ... the same names and defaults as the contract the notebook's metadata names
    assert inspect_parameters(NOTEBOOK).contract == "data_flows"
    assert {p.name: p.default for p in flows.CONTRACT.params} == params


def test_chart_cells_ignore_output_and_no_transfer_ids():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    chart_cells = [s for s in code if "_chart(" in s]
    assert len(chart_cells) == 3
    # nbval reads its cell tags: analysts see no marker comment in the code
    tagged = [c.source for c in nb.cells if "nbval-ignore-output" in c.metadata.get("tags", [])]
    assert sorted(tagged) == sorted(chart_cells)
    assert not any("NBVAL" in s for s in code)
    assert not any("classify_transfers" in s or "transfer_id" in s for s in code)
    assert any("read_only=True" in s for s in code)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("flows_nb") / "store.duckdb"
    con = connect(path)
    create_schema(con)
    _insert_policy(con)
    add_transfers(con, [
        dict(transfer_id=f"k{i}", occurred_at=dt.datetime(2026, 1 + i % 9, 3, tzinfo=UTC),
             source="KR", recipient="adyen_sg", destination="SG", category="credit_card",
             record_count=10 + i, encrypted=i % 4 != 0)
        for i in range(40)
    ] + [
        dict(transfer_id=f"f{i}", occurred_at=dt.datetime(2026, 2, 1 + i, tzinfo=UTC),
             source="FR", recipient="tencent_group", destination="CN", category="account_data",
             mechanism="scc" if i % 3 else None)
        for i in range(12)
    ] + [
        dict(transfer_id="u1", source="KR", recipient="stranger", destination="US",
             category="usage_logs"),
    ])
    con.close()
    return path


def run(tmp_path, **parameters):
    return pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "out.ipynb"), parameters=parameters,
                               kernel_name="python3", cwd=str(tmp_path), progress_bar=False)


def test_runs_and_writes_headline_figures(store, tmp_path):
    metrics = tmp_path / "metrics.json"
    run(tmp_path, db_path=str(store), metrics_path=str(metrics), source_jurisdictions=["EEA", "KR"])
    figures = json.loads(metrics.read_text())["flows"]
    assert set(figures) == {*flows.HEADLINE_KEYS, "undeclared_flows"}
    con = connect(store, read_only=True)
    try:
        expected = flows.metric_set(con, as_of="2026-10-31", source_jurisdictions=["EEA", "KR"]).headline
    finally:
        con.close()
    assert figures["transfers"] == 53
    assert figures == pytest.approx(expected)


def test_bad_parameter_fails_in_the_validation_cell(store, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as err:
        run(tmp_path, db_path=str(store), window_start="2026-05-01", window_end="2026-04-01")
    assert "ParameterError" in str(err.value) and "swap" in str(err.value)
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    executed = [c for c in out.cells if c.cell_type == "code" and c.execution_count]
    # the parameters cell(s) and the validation cell, nothing after
    assert all("metric_set" not in c.source for c in executed)

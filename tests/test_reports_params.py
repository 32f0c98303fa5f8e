"""`run` checks parameters against each notebook's parameters cell before any work:
unknown name, wrong type, bad date -> a clear message and exit 2, and no run folder
(not even a hidden temp one) is created."""

import pytest

from compliance_kit.errors import ParameterError
from compliance_kit.reports.inspect import inspect_parameters, resolve_parameters

from conftest_reports import NOTEBOOKS, fixture_store, run_cli  # noqa: F401 (fixture)


@pytest.mark.parametrize("args, message", [
    (["-p", "no_such_param=1"], "unknown parameter 'no_such_param'"),
    (["-p", "k=five"], "parameter k of fx_"),
    (["-p", "k=2.5"], "must be a whole number"),
    (["-p", "sleep_seconds=soon"], "parameter sleep_seconds of fx_counts.ipynb must be a number"),
    (["-p", "min_accounts=true"], "min_accounts"),
    (["-p", "k=0"], "k must be at least 1"),
    (["-p", "chart_renderer=vega"], "chart_renderer must be one of svg, png"),
    (["-p", "metrics_path=/tmp/x.json"], "set by the runner"),
    (["-p", "noequals"], "NAME=VALUE"),
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_bad_parameters_exit_2_before_any_work(tmp_path, fixture_store, args, message):
    db, _ = fixture_store
    out = tmp_path / "reports"
    proc = run_cli("run", "--all", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db,
                   "--out", out, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() or not list(out.iterdir()), "a run started despite bad parameters"


@pytest.mark.parametrize("as_of", ["2026-13-01", "2026-02-30", "31/10/2026", "tomorrow", "2026-1-5"])
def test_bad_as_of_exit_2(tmp_path, fixture_store, as_of):
    db, _ = fixture_store
    proc = run_cli("run", "--all", "--notebooks", NOTEBOOKS, "--as-of", as_of, "--db", db, "--out", tmp_path / "r")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "YYYY-MM-DD" in proc.stderr and as_of in proc.stderr
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").iterdir())


@pytest.mark.parametrize("args, message", [
    ([], "--as-of DATE is required"),
    (["--as-of", "2026-10-31", "nonexistent_report"], "no report 'nonexistent_report'"),
    (["--as-of", "2026-10-31", "--all", "--fail-on", "__import__('os').system('true')"], "is not understood"),
    (["--as-of", "2026-10-31", "--all", "--fail-on", "retention.overdue >> 0"], "is not understood"),
    (["--as-of", "2026-10-31", "--all", "--jobs", "0"], "--jobs must be at least 1"),
])
def test_usage_errors_exit_2(tmp_path, fixture_store, args, message):
    db, _ = fixture_store
    proc = run_cli("run", "--notebooks", NOTEBOOKS, "--db", db, "--out", tmp_path / "r", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr, proc.stderr


def test_missing_store_exit_2(tmp_path):
    proc = run_cli("run", "--all", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31",
                   "--db", tmp_path / "none.duckdb", "--out", tmp_path / "r")
    assert proc.returncode == 2
    assert "no store at" in proc.stderr


def test_inspection_infers_types_from_defaults():
    nb = inspect_parameters(NOTEBOOKS / "fx_counts.ipynb")
    kinds = {name: p.kind for name, p in nb.parameters.items()}
    assert kinds == {"db_path": "any", "as_of": "date", "k": "int", "metrics_path": "any",
                     "chart_renderer": "str", "categories": "any", "sleep_seconds": "float"}


def test_overrides_go_only_to_notebooks_that_declare_them():
    counts = inspect_parameters(NOTEBOOKS / "fx_counts.ipynb")
    accounts = inspect_parameters(NOTEBOOKS / "fx_accounts.ipynb")
    resolved = resolve_parameters([counts, accounts], {"min_accounts": "3", "k": "7"},
                                  {"min_accounts": True, "k": True})
    assert resolved == {"fx_counts": {"k": 7}, "fx_accounts": {"min_accounts": 3, "k": 7}}
    with pytest.raises(ParameterError, match="unknown parameter"):
        resolve_parameters([counts], {"min_accounts": 3})
    # Typed values (from reports.toml) are checked too, not converted.
    with pytest.raises(ParameterError, match="whole number"):
        resolve_parameters([accounts], {"min_accounts": "3"})


def test_list_parameter_from_cli():
    counts = inspect_parameters(NOTEBOOKS / "fx_counts.ipynb")
    got = resolve_parameters([counts], {"categories": '["photo_id", "usage_logs"]'}, {"categories": True})
    assert got["fx_counts"]["categories"] == ["photo_id", "usage_logs"]


def test_notebook_without_parameters_cell_is_refused(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    path = tmp_path / "bare.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), path)
    with pytest.raises(ParameterError, match="tagged 'parameters'"):
        inspect_parameters(path)

"""`compliance-kit new-report NAME`: a report from the template, its contract declared in
its own metadata, picked up by `run NAME`, `run --all`, reports.toml jobs and the index
with no code change."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import nbformat
import pytest

from compliance_kit.contract import StoreLookup
from compliance_kit.contract_data import contract_from_data, notebook_contract
from compliance_kit.errors import ParameterError, UserError
from compliance_kit.figures import FIGURES
from compliance_kit.reports.inspect import inspect_parameters
from compliance_kit.reports.new_report import PLACEHOLDER, check_name, create_report
from compliance_kit.reports.plan import RunRequest, validate_parameters
from compliance_kit.store import connect
from conftest_reports import ROOT, fixture_store, run_cli, run_dirs  # noqa: F401

NAME = "held_records"


def new_report_cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from compliance_kit.cli import main; main()", "new-report",
                           *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120)


# ----------------------------------------------------------------------------- the name

@pytest.mark.parametrize("name", ["../evil", "a/b", "/tmp/x", "Held", "9lives", "held-records", "x.ipynb", "",
                                  "a" * 49, "class"])
def test_names_that_are_not_lower_case_identifiers_are_refused(tmp_path, name):
    with pytest.raises(UserError):
        check_name(name, tmp_path)


@pytest.mark.parametrize("name", ["retention", "requests", "flows", "policy", "retention_compliance",
                                  "data_flows", "index", "internal"])
def test_names_the_kit_uses_are_refused(tmp_path, name):
    with pytest.raises(UserError, match="taken by the kit"):
        check_name(name, tmp_path)


def test_every_metrics_section_of_the_kit_is_taken():
    from compliance_kit.reports.new_report import taken_names

    assert {key.split(".", 1)[0] for key in FIGURES} <= taken_names()


def test_an_existing_report_is_never_overwritten(tmp_path):
    path = create_report(NAME, tmp_path)
    before = path.read_bytes()
    proc = new_report_cli(NAME, "--notebooks", tmp_path)
    assert proc.returncode == 2 and "already a report" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert path.read_bytes() == before


def test_path_traversal_writes_nothing_outside(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    proc = new_report_cli("../outside", "--notebooks", folder)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert list(tmp_path.rglob("*.ipynb")) == []


# ----------------------------------------------------------------------------- the notebook

def test_the_new_notebook_is_clean_parameterised_and_declares_its_contract(tmp_path):
    proc = new_report_cli(NAME, "--notebooks", tmp_path, "--title", "Records held too long")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / f"{NAME}.ipynb"
    assert str(path) in proc.stdout
    text = path.read_text(encoding="utf-8")
    assert PLACEHOLDER not in text and "__TITLE__" not in text
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].source.startswith("# Records held too long")
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert "validate" in nb.cells[tagged[0] + 1].source
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert f'write_metrics(p.metrics_path, "{NAME}"' in code  # figures under NAME.*
    contract = notebook_contract(path)
    assert contract.name == NAME
    # the parameters cell and the declared contract name the same parameters
    assert set(contract.names) == set(inspect_parameters(path).parameters)


def test_a_declared_contract_is_checked_by_the_runner_before_any_kernel(tmp_path, fixture_store):
    db, _ = fixture_store
    path = create_report(NAME, tmp_path)
    nb = inspect_parameters(path)
    con = connect(db, read_only=True)
    try:
        lookup = StoreLookup(con)
        injected, effective = validate_parameters(
            [nb], RunRequest([path], as_of="2026-10-31", overrides={"days": "30", "systems": "CRM"},
                             from_cli={"days": True, "systems": True}), lookup)
        assert injected[NAME] == {"days": 30, "systems": ["crm"], "as_of": "2026-10-31"}  # the store's spelling
        assert effective[NAME]["k"] == 5
        for overrides, message in (({"days": "-3"}, "from 0 to 36500"), ({"systems": "nope"}, "unknown code"),
                                   ({"k": "0"}, "from 1 to 1000"), ({"k": "1001"}, "from 1 to 1000")):
            with pytest.raises(ParameterError, match=message):
                validate_parameters([nb], RunRequest([path], as_of="2026-10-31", overrides=overrides,
                                                     from_cli=dict.fromkeys(overrides, True)), lookup)
    finally:
        con.close()


@pytest.mark.parametrize("spec, message", [
    ({"params": [{"name": "days", "kind": "number"}]}, "kind must be one of"),
    ({"params": [{"name": "k", "kind": "int", "default": 5}]}, "every report has it"),
    ({"params": [{"name": "d", "kind": "int", "default": 1}, {"name": "d", "kind": "int", "default": 1}]},
     "declared twice"),
    ({"params": [{"name": "days", "kind": "int", "minimum": 0, "default": -1}]}, "declared default"),
    ({"params": [{"name": "mode", "kind": "choice", "values": [], "default": "a"}]}, "needs values"),
    ({"params": [{"name": "x", "kind": "codes", "source": "people"}]}, "source must be one of"),
    ({"params": [{"name": "x y", "kind": "text"}]}, "identifier"),
    ({"params": [{"name": "x", "kind": "text", "colour": "red"}]}, "unknown field"),
    ({"name": "other", "params": []}, "name it"),
])
def test_a_wrong_declaration_says_what_to_fix(spec, message):
    with pytest.raises(ParameterError, match=message):
        contract_from_data(spec, NAME)


# ----------------------------------------------------------------------------- end to end

def _expected_held(db, days: int) -> tuple[int, int]:
    """Records in scope and those held past `days`, counted here in Python from the
    store's rows (not by the report's SQL)."""
    end = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    con = connect(db, read_only=True)
    try:
        rows = con.sql("SELECT created_at, erased_at FROM records").fetchall()
    finally:
        con.close()
    in_scope = [c for c, e in rows if c < end and (e is None or e >= end)]
    return len(in_scope), sum(c < end - dt.timedelta(days=days) for c in in_scope)


def test_create_run_and_find_it_in_the_index(tmp_path, fixture_store):
    db, ids = fixture_store
    folder = tmp_path / "notebooks"
    folder.mkdir()
    assert new_report_cli(NAME, "--notebooks", folder).returncode == 0
    out = tmp_path / "reports"

    proc = run_cli("run", NAME, "--notebooks", folder, "--as-of", "2026-10-31", "--db", db, "--out", out,
                   "-p", "days=800", "--jobs", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run_dir,) = run_dirs(out)
    metrics = json.loads((run_dir / "internal" / "metrics.json").read_text())
    in_scope, held = _expected_held(db, 800)
    assert 0 < held < in_scope
    assert metrics[NAME]["records_held"] == in_scope
    assert metrics[NAME]["held_past_limit"] == held
    index = (out / "index.html").read_text()
    assert f'href="{run_dir.name}/{NAME}.html"' in index
    assert "Held past limit" in index
    overview = (run_dir / "index.html").read_text()  # the run overview links its dashboard
    assert f'href="{NAME}.html"' in overview and "Held past limit" in overview
    page = (run_dir / f"{NAME}.html").read_text()
    assert not any(i in page for i in ids["records"] + ids["accounts"])  # no identifiers on the page

    # a reports.toml job that runs every notebook of the folder picks it up too
    (tmp_path / "reports.toml").write_text(
        f'[jobs.nightly]\nnotebooks = "all"\nas_of = "2026-10-31"\nnotebooks_dir = "{folder}"\n'
        f'fail_on = ["{NAME}.held_past_limit > 0"]\n[jobs.nightly.parameters]\ndays = 30\n')
    proc = run_cli("run", "--schedule", tmp_path / "reports.toml", "nightly", "--db", db, "--out", out)
    assert proc.returncode == 4, proc.stdout + proc.stderr  # its own figure breaches the job's threshold
    assert f"{NAME}.held_past_limit" in proc.stdout
    assert len(run_dirs(out)) == 2
    assert (out / "index.html").read_text().count(f"/{NAME}.html") == 2


def test_params_prints_the_declared_contract(tmp_path):
    create_report(NAME, tmp_path)
    proc = subprocess.run([sys.executable, "-c", "from compliance_kit.cli import main; main()", "params", NAME,
                           "--notebooks", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    contract = notebook_contract(tmp_path / f"{NAME}.ipynb")
    assert proc.stdout == contract.markdown()
    assert "| `days` | int | 365 | from 0 to 36500 |" in proc.stdout


def test_the_worked_example_in_the_docs_is_the_template(tmp_path):
    """docs/writing-reports.md quotes the template's cells: every line of its worked
    example's Python blocks is in a report made by new-report."""
    import re

    doc = (ROOT / "docs" / "writing-reports.md").read_text(encoding="utf-8")
    example = doc.split("## The worked example", 1)[1].split("## Changing the question", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", example, re.S)
    assert len(blocks) >= 4
    nb = nbformat.read(create_report(NAME, tmp_path), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code").splitlines()
    def quoted(line):  # as in the template, perhaps without its trailing comment
        return any(c == line or c.startswith(line + "  #") for c in code)

    missing = [line for block in blocks for line in block.splitlines() if line.strip() and not quoted(line)]
    assert not missing, missing

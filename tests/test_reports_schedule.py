"""Named jobs in reports.toml, run with `run --schedule FILE JOB`."""

import json
from pathlib import Path

import pytest

from compliance_kit.errors import UserError
from compliance_kit.reports.inspect import inspect_parameters, resolve_parameters
from compliance_kit.reports.schedule import load_job

from conftest_reports import NOTEBOOKS, ROOT, fixture_store, run_cli, run_dirs  # noqa: F401

PROJECT_TOML = ROOT / "reports.toml"
ANALYSES = {"policy_overview", "retention_compliance", "request_turnaround", "data_flows"}


def test_committed_jobs_are_valid_against_the_notebooks():
    daily = load_job(PROJECT_TOML, "daily")
    weekly = load_job(PROJECT_TOML, "weekly")
    assert set(daily.notebooks) == ANALYSES
    assert daily.fail_on and weekly.notebooks
    for job in (daily, weekly):
        paths = [ROOT / "notebooks" / f"{n}.ipynb" for n in job.notebooks]
        missing = [p.name for p in paths if not p.exists()]
        assert not missing, f"job {job.name} names missing notebooks {missing}"
        resolve_parameters([inspect_parameters(p) for p in paths], job.parameters)  # raises when invalid
        from compliance_kit.reports.failon import parse_threshold
        for expr in job.fail_on:
            parse_threshold(expr)


def test_schedule_errors(tmp_path):
    bad = tmp_path / "r.toml"
    bad.write_text('[jobs.x]\nnotebooks = "all"\nretries = 3\n')
    with pytest.raises(UserError, match="unknown key"):
        load_job(bad, "x")
    with pytest.raises(UserError, match="no job 'nope'"):
        load_job(bad, "nope")
    bad.write_text("[jobs.x\n")
    with pytest.raises(UserError, match="not valid TOML"):
        load_job(bad, "x")


def test_run_a_scheduled_job(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "out"
    toml = tmp_path / "reports.toml"
    toml.write_text(f"""
[jobs.nightly]
notebooks = ["fx_accounts"]
notebooks_dir = "{NOTEBOOKS}"
as_of = "2026-10-31"
fail_on = ["accounts.deleted > 0"]
out = "{out}"
db = "{db}"
[jobs.nightly.parameters]
k = 7
min_accounts = 2
""")
    proc = run_cli("run", "--schedule", toml, "nightly")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    (run,) = run_dirs(out)
    m = json.loads((run / "internal" / "manifest.json").read_text())
    assert m["job"] == "nightly"
    assert m["parameters"]["per_notebook"]["fx_accounts"]["k"] == 7
    assert m["parameters"]["per_notebook"]["fx_accounts"]["min_accounts"] == 2
    assert m["parameters"]["fail_on"] == ["accounts.deleted > 0"]
    # A wrongly typed parameter in the file is refused before any work.
    toml.write_text(toml.read_text().replace("min_accounts = 2", 'min_accounts = "two"'))
    bad = run_cli("run", "--schedule", toml, "nightly")
    assert bad.returncode == 2 and "min_accounts" in bad.stderr
    assert len(run_dirs(out)) == 1

"""Bounded memory: DuckDB's memory limit and threads reach `build`, the runner and every
kernel, are checked before any work, and the kernel's own setting lands in the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance_kit.errors import ParameterError, UserError
from compliance_kit.resources import (DEFAULT_MEMORY_LIMIT, ENV_MEMORY_LIMIT, ENV_SETTINGS_FILE,
                                      ENV_THREADS, Resources, parse_memory_limit, parse_threads)
from compliance_kit.store import connect
from conftest_reports import NOTEBOOKS, fixture_store, run_cli, run_dirs  # noqa: F401


@pytest.mark.parametrize("text", ["2GB", "1500MB", "1.5 GiB", "50%", "512mb"])
def test_memory_limit_accepts_sizes_and_shares(text):
    assert parse_memory_limit(text) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["", "lots", "2", "-1GB", "0GB", "150%", "2 parsecs"])
def test_memory_limit_refuses_the_rest(text):
    with pytest.raises(ParameterError, match="memory-limit"):
        parse_memory_limit(text)


@pytest.mark.parametrize("value", ["0", "-2", "two", True, "1.5", 5000])
def test_threads_refuses_what_is_not_a_count(value):
    with pytest.raises(ParameterError, match="threads"):
        parse_threads(value)


def test_default_fits_a_laptop():
    assert Resources.make().memory_limit == DEFAULT_MEMORY_LIMIT
    assert Resources.from_env({}) is None  # a notebook opened by hand keeps DuckDB's defaults


def test_connect_applies_and_reports_the_setting(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    report = tmp_path / "settings.json"
    monkeypatch.setenv(ENV_MEMORY_LIMIT, "300MB")
    monkeypatch.setenv(ENV_THREADS, "1")
    monkeypatch.setenv(ENV_SETTINGS_FILE, str(report))
    con = connect(db)
    limit, threads, temp = con.sql("SELECT current_setting('memory_limit'), current_setting('threads'), "
                                   "current_setting('temp_directory')").fetchall()[0]
    con.close()
    assert (limit, threads) == ("286.1 MiB", 1)  # DuckDB's own reading of 300 MB
    assert Path(temp).parent == tmp_path / ".s.duckdb.spill"  # a spill folder per process, beside the store
    assert json.loads(report.read_text()) == {"memory_limit": limit, "threads": 1, "temp_directory": temp}


def test_kernels_run_under_the_limit_and_the_manifest_says_so(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "reports"
    proc = run_cli("run", "fx_counts", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db,
                   "--out", out, "--memory-limit", "200MB", "--threads", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((run_dirs(out)[0] / "internal" / "manifest.json").read_text())
    assert manifest["resources"]["memory_limit"] == "200MB" and manifest["resources"]["threads"] == 1
    [notebook] = manifest["notebooks"]
    # what the kernel's DuckDB reported (current_setting), not what was asked
    assert notebook["duckdb"]["memory_limit"] == "190.7 MiB"
    assert notebook["duckdb"]["threads"] == 1
    assert ".spill" in notebook["duckdb"]["temp_directory"]


def test_a_bad_limit_stops_the_run_before_any_work(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "reports"
    proc = run_cli("run", "--all", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db,
                   "--out", out, "--memory-limit", "plenty")
    assert proc.returncode == 2
    assert "--memory-limit must be a size" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def _build(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", "from compliance_kit.cli import main; main()", "build", *map(str, args)],
                           capture_output=True, text=True, timeout=300)


def test_build_refuses_a_bad_limit_before_any_work(tmp_path):
    db = tmp_path / "store.duckdb"
    proc = _build("--db", db, "--threads", "0")
    assert proc.returncode == 2 and "--threads must be a whole number" in proc.stderr
    assert not db.exists()


def test_build_runs_under_the_limit(tmp_path, monkeypatch):
    """build_store opens its connection through connect(resources=...): the setting DuckDB
    took is the one asked for, and the spill folder lies beside the final store."""
    import compliance_kit.store as store
    from compliance_kit.paths import DEFAULT_POLICY

    seen = []
    real = store.connect

    def spy(*args, **kw):
        con = real(*args, **kw)
        seen.append(con.sql("SELECT current_setting('memory_limit'), current_setting('threads'), "
                            "current_setting('temp_directory')").fetchall()[0])
        return con

    monkeypatch.setattr(store, "connect", spy)
    db = tmp_path / "store.duckdb"
    store.build_store(db, DEFAULT_POLICY, resources=Resources.make("250MB", 1))
    assert db.exists()
    [(limit, threads, temp)] = seen
    assert (limit, threads) == ("238.4 MiB", 1)
    assert Path(temp).parent == tmp_path / ".store.duckdb.spill"


def test_schedule_job_keys(tmp_path):
    from compliance_kit.reports.schedule import load_job

    toml = tmp_path / "reports.toml"
    toml.write_text('[jobs.small]\nmemory_limit = "1GB"\nthreads = 1\n[jobs.bad]\nmemory_limit = "huge"\n')
    job = load_job(toml, "small")
    assert (job.memory_limit, job.threads) == ("1GB", 1)
    with pytest.raises(UserError, match="memory_limit must be a size"):
        load_job(toml, "bad")

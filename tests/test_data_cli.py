"""`compliance-kit synth` and `compliance-kit build --data` as a user runs them: exit codes,
the printed accounting, and one-line errors (no traceback) for user mistakes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest_data import VALID, write_tables

ROOT = Path(__file__).parent.parent
CK = [str(Path(sys.executable).parent / "compliance-kit")]


def run(*args, cwd=ROOT):
    return subprocess.run([*CK, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "sample"
    r = run("synth", "--out", out, "--accounts", 300, "--seed", 5)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return out, r


def test_synth_writes_a_complete_sample(sample):
    out, r = sample
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["accounts"] == 300 and manifest["seed"] == 5
    assert manifest["policy_id"]  # read from the bundled policy
    assert f"wrote {out}" in r.stdout
    assert (out / "ground_truth" / "records.parquet").exists()


def test_build_loads_the_sample_and_prints_the_accounting(sample, tmp_path):
    out, _ = sample
    r = run("build", "--data", out, "--db", tmp_path / "s.duckdb")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    records = next(x for x in lines if x.startswith("records "))
    read, loaded, quarantined = map(int, records.split()[2:5])
    assert read == loaded and quarantined == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert read == manifest["rows"]["records"]
    assert any(x.startswith("total") for x in lines)


def test_build_reports_quarantine_then_strict_fails(tmp_path):
    tables = dict(VALID)
    tables["records"] = VALID["records"].replace("credit_card", "pet_photos")
    folder = write_tables(tmp_path / "d", tables)
    r = run("build", "--data", folder, "--db", tmp_path / "q.duckdb")
    assert r.returncode == 0, r.stderr
    assert "unknown_category 1" in r.stdout
    r = run("build", "--data", folder, "--db", tmp_path / "q2.duckdb", "--strict")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "records.csv: line 3, column category: unknown_category" in r.stderr
    assert not (tmp_path / "q2.duckdb").exists()


@pytest.mark.parametrize("args,message", [
    (["build", "--data", "{tmp}/missing-events"], "missing file for table events"),
    (["build", "--data", "{tmp}/nowhere"], "no such data folder"),
    (["synth", "--out", "{tmp}/s", "--accounts", "0"], "--accounts"),
    (["synth", "--out", "{tmp}/s", "--as-of", "31/10/2026"], "is not a date"),
    (["synth", "--out", "{tmp}/foreign"], "not a sample"),
])
def test_user_errors_are_one_line(tmp_path, args, message):
    folder = write_tables(tmp_path / "missing-events", {k: v for k, v in VALID.items() if k != "events"})
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    del folder
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if args[0] == "build":
        args += ["--db", str(tmp_path / "x.duckdb")]
    r = run(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert message in r.stderr


@pytest.mark.parametrize("where", ["under-a-file", "proc"])
def test_synth_that_cannot_write_is_exit_5_in_one_line(tmp_path, where):
    """--out under a plain file or in /proc: exit 5 (every write failure, README), one line
    naming the folder, and no partial sample left behind."""
    blocker = tmp_path / "plain"
    blocker.write_text("not a folder\n")
    out = blocker / "sample" if where == "under-a-file" else Path("/proc") / f"ck-sample-{tmp_path.name}"
    r = run("synth", "--out", out, "--accounts", 3)
    assert r.returncode == 5, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and f"cannot write the sample to {out}" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain"]

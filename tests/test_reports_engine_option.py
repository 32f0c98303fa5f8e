"""`compliance-kit run --engine ...` is the spelled-out form of `-p engine=...`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
CK = [sys.executable, "-c", "from compliance_kit.cli import main; main()"]


def _run(*args, tmp_path):
    return subprocess.run([*CK, "run", *args, "--as-of", "2026-10-31", "--out", str(tmp_path / "out"),
                           "--db", str(ROOT / "data" / "compliance.duckdb")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_engine_given_twice_is_a_usage_error(tmp_path):
    proc = _run("retention_compliance", "--engine", "spark", "-p", "engine=duckdb", tmp_path=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "engine given twice" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists() or not any(p.name[0].isdigit() for p in (tmp_path / "out").iterdir())


def test_unknown_engine_is_refused(tmp_path):
    proc = _run("retention_compliance", "--engine", "oracle", tmp_path=tmp_path)
    assert proc.returncode == 2
    assert "oracle" in proc.stderr


def test_engine_reaches_only_the_notebooks_that_declare_it(tmp_path):
    # policy_overview has no engine parameter: naming only it with --engine is an error,
    # like any -p that no selected notebook declares.
    proc = _run("policy_overview", "--engine", "duckdb", tmp_path=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "engine" in proc.stderr


def test_engine_is_recorded_as_the_notebook_parameter(tmp_path):
    import json

    proc = _run("retention_compliance", "--engine", "duckdb", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (run_dir,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    manifest = json.loads((run_dir / "internal" / "manifest.json").read_text())
    assert '"engine": "duckdb"' in json.dumps(manifest)

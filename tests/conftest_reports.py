"""Fixtures for the report runner tests: a tiny store with known raw identifiers and
the fixture notebooks in tests/fixtures/reports/. Import from test files until wired
into tests/conftest.py."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "reports"
NOTEBOOKS = FIXTURES / "notebooks"
FAILING = FIXTURES / "failing"
VEGA = FIXTURES / "vega"
CK = [sys.executable, "-m", "compliance_kit.reports"]
# Test runs keep their pseudonymisation keys here, never in the project's .keys/.
TEST_KEYS = Path(tempfile.mkdtemp(prefix="ck-test-keys-"))
atexit.register(shutil.rmtree, TEST_KEYS, True)

CATEGORIES = ["account_data", "usage_logs", "support_tickets", "marketing_data", "photo_id"]
JURISDICTIONS = ["FR", "KR", "SG", "US-CA", "ID"]


def build_fixture_store(db_path: Path) -> dict:
    """Write a small store (schema + one policy version + operational rows) and return
    the raw identifiers it holds, for scans of the generated HTML."""
    from compliance_kit.store import connect, create_schema

    con = connect(db_path)
    create_schema(con)
    con.execute(
        "INSERT INTO policy_versions VALUES ('fixture/2022-05-25', 'fixture', 'Fixture Privacy Policy', "
        "'2022-05-25', DATE '2022-05-25', 'source.html', repeat('a', 64), 'policy.yaml', repeat('b', 64))"
    )
    accounts, records = [], []
    base = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    for i in range(60):
        acc = f"ACCT-{7000 + i:05d}"
        deleted = base + dt.timedelta(days=400 + i) if i % 4 == 0 else None
        accounts.append((acc, JURISDICTIONS[i % 5] if i < 57 else "JP", base + dt.timedelta(days=i), deleted))
        for j in range(3 if i % 7 else 1):
            rec = f"REC-{i:03d}-{j}-QZ"
            cat = CATEGORIES[(i + j) % 5] if i < 58 else "covid_program"
            erased = base + dt.timedelta(days=500 + i) if (i + j) % 3 == 0 else None
            records.append((rec, acc, cat, "crm", JURISDICTIONS[i % 5], base + dt.timedelta(days=i * 5), erased, False))
    con.executemany("INSERT INTO accounts VALUES (?, ?, ?, ?)", accounts)
    con.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)", records)
    for table, n in (("accounts", len(accounts)), ("records", len(records))):
        con.execute(
            "INSERT INTO load_log VALUES (?, ?, ?, ?, ?, 0, TIMESTAMPTZ '2026-10-31 00:00:00+00')",
            [table, f"sample/{table}.parquet", f"{table[0]}" * 64, n, n],
        )
    con.execute("CHECKPOINT")
    con.close()
    return {"accounts": [a[0] for a in accounts], "records": [r[0] for r in records]}


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("store") / "compliance.duckdb"
    ids = build_fixture_store(db)
    return db, ids


def run_cli(*args, cwd=ROOT, env=None, timeout=300):
    """Run `compliance-kit` (via python -m compliance_kit.reports, which needs only this
    package) in a subprocess; returns CompletedProcess with text output. Keys go to
    TEST_KEYS unless `env` or a --keys option says otherwise."""
    full_env = dict(os.environ)
    full_env.pop("COMPLIANCE_KIT_DB", None)
    full_env["COMPLIANCE_KIT_KEYS"] = str(TEST_KEYS)
    if env:
        full_env.update(env)
    return subprocess.run([*CK, *map(str, args)], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def run_dirs(out_dir: Path) -> list[Path]:
    """Published run folders (not hidden temp folders), sorted."""
    return sorted(p for p in Path(out_dir).iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.fixture(scope="session")
def fixture_run(tmp_path_factory, fixture_store):
    """One completed run of the fixture notebooks: (out_dir, run_dir, CompletedProcess, ids)."""
    db, ids = fixture_store
    out = tmp_path_factory.mktemp("reports")
    proc = run_cli("run", "--all", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31",
                   "--db", db, "--out", out, "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    runs = run_dirs(out)
    assert len(runs) == 1, runs
    return out, runs[0], proc, ids


NARROW_K = 20
NARROW_SCOPE = '["IS", "PT"]'


@pytest.fixture(scope="session")
def narrow_run(tmp_path_factory):
    """One `run --all` over a narrow scope (two small jurisdictions) with k=20, from its own
    synthetic sample and store: (out_dir, run_dir). Shared by the suppression tests."""
    base = tmp_path_factory.mktemp("narrow")
    for args in (("synth", "--out", base / "sample", "--accounts", "2000", "--seed", "7"),
                 ("build", "--data", base / "sample", "--db", base / "store.duckdb")):
        proc = subprocess.run([sys.executable, "-c", "from compliance_kit.cli import main; main()",
                               *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    out = base / "reports"
    proc = run_cli("run", "--all", "--as-of", "2026-10-31", "--db", base / "store.duckdb", "--out", out,
                   "--keys", base / "keys", "-p", f"k={NARROW_K}", "-p", f"jurisdictions={NARROW_SCOPE}",
                   "-p", f"source_jurisdictions={NARROW_SCOPE}", timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run,) = run_dirs(out)
    return out, run

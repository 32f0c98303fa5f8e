"""One store per run (issue 17, part 1): a store rebuilt in a loop while runs go on never
mixes two stores inside one run. The runner pins the store before any kernel starts, and
every notebook's store.connect checks the identity the run hands it.

The fault notebooks (tests/fixtures/faults/notebooks) wait, then open the store and write
its record count and identity; the two of a run open it seconds apart, while builds of a
small and a larger sample replace the store."""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from pathlib import Path

import pytest

from compliance_kit import store as store_mod
from compliance_kit.errors import UserError
from compliance_kit.store import STORE_ID_ENV, build_store, connect, pin_store, store_identity
from conftest_reports import ROOT, run_cli, run_dirs

FAULT_NOTEBOOKS = ROOT / "tests" / "fixtures" / "faults" / "notebooks"


@pytest.fixture(scope="module")
def two_samples(tmp_path_factory):
    """Two synthetic samples of different sizes (their record counts differ)."""
    from compliance_kit.data.synth import generate

    base = tmp_path_factory.mktemp("samples")
    small, large = base / "small", base / "large"
    generate(small, 40, 3)
    generate(large, 120, 3)
    return small, large


def _records_loaded(manifest: dict) -> int:
    return sum(i["rows_loaded"] for i in manifest["inputs"] if i["table_name"] == "records")


def test_a_store_rebuilt_in_a_loop_during_runs_is_never_mixed_in_one_run(tmp_path, two_samples):
    db = tmp_path / "store" / "compliance.duckdb"
    build_store(db, ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml",
                data_dir=two_samples[1])
    out = tmp_path / "reports"
    stop = threading.Event()
    builds: list[tuple[float, str]] = []     # (time the build was renamed into place, its identity)

    def rebuild_forever():
        i = 0
        while not stop.is_set():
            build_store(db, ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml",
                        data_dir=two_samples[i % 2])
            con = connect(db, read_only=True)
            try:
                builds.append((time.time(), store_identity(con, db)))
            finally:
                con.close()
            i += 1

    builder = threading.Thread(target=rebuild_forever, daemon=True)
    builder.start()
    spans = []
    try:
        for _ in range(3):
            t0 = time.time()
            proc = run_cli("run", "--all", "--notebooks", FAULT_NOTEBOOKS, "--as-of", "2026-10-31", "--db", db,
                           "--out", out, "--jobs", "1", "-p", "pause_seconds=2")
            spans.append((t0, time.time()))
            assert proc.returncode == 0, proc.stdout + proc.stderr
    finally:
        stop.set()
        builder.join(timeout=120)

    runs = run_dirs(out)
    assert len(runs) == 3
    for run in runs:
        manifest = json.loads((run / "internal" / "manifest.json").read_text())
        metrics = json.loads((run / "internal" / "metrics.json").read_text())
        identity = manifest["store"]["identity"]
        assert identity.startswith("build:")
        assert metrics["store_first"]["identity"] == metrics["store_second"]["identity"] == identity
        assert metrics["store_first"]["records"] == metrics["store_second"]["records"] == _records_loaded(manifest)
        assert manifest["store"]["snapshot"] == "hard link"
    # The test means something only if builds replaced the store while runs went on.
    during = [(t, i) for t, i in builds if any(t0 < t < t1 for t0, t1 in spans)]
    assert len(during) >= 3, f"only {len(during)} build(s) finished during the runs"
    assert len({i for _, i in builds}) == len(builds), "every build has its own id"


def test_a_notebook_refuses_a_store_that_is_not_the_runs(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    build_store(db, ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml")
    con = connect(db, read_only=True)
    mine = store_identity(con, db)
    con.close()
    monkeypatch.setenv(STORE_ID_ENV, mine)
    connect(db, read_only=True).close()                           # the run's store: fine
    monkeypatch.setenv(STORE_ID_ENV, "build:20260101T000000Z-00000000")
    with pytest.raises(UserError, match=r"is build:.*but this run reads build:20260101T000000Z-00000000.*replaced"):
        connect(db, read_only=True)


def test_a_store_without_a_build_id_is_known_by_its_hash(tmp_path):
    import duckdb

    from compliance_kit.files import sha256_file

    db = tmp_path / "hand.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE records (record_id VARCHAR)")
    con.close()
    con = connect(db, read_only=True)
    try:
        assert store_identity(con, db) == f"sha256:{sha256_file(db)}"
    finally:
        con.close()


def test_the_pin_keeps_the_old_store_when_a_build_replaces_it(tmp_path):
    policy = ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml"
    db = tmp_path / "s.duckdb"
    build_store(db, policy)
    pinned = pin_store(db, tmp_path / "run" / ".store")
    assert pinned.how == "hard link"
    before = pinned.path.read_bytes()
    build_store(db, policy)                                        # a new build renamed into place
    assert pinned.path.read_bytes() == before
    ids = []
    for path in (pinned.path, db):
        con = connect(path, read_only=True)
        ids.append(store_identity(con, path))
        con.close()
    assert ids[0] != ids[1]


def test_the_store_is_copied_where_it_cannot_be_linked(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    build_store(db, ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml")

    def no_link(src, dst, *a, **k):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(src))

    monkeypatch.setattr(store_mod.os, "link", no_link)
    pinned = pin_store(db, tmp_path / "run" / ".store")
    assert pinned.how == "copy"
    assert pinned.path.read_bytes() == db.read_bytes()


def test_a_build_between_planning_and_pinning_is_planned_again(tmp_path):
    """plan_on_snapshot: the same build keeps the plan; another is read again from the pin."""
    from compliance_kit.reports.plan import RunRequest, plan_on_snapshot, plan_run

    policy = ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml"
    db = tmp_path / "s.duckdb"
    build_store(db, policy)
    req = RunRequest(notebooks=[FAULT_NOTEBOOKS / "store_first.ipynb"], as_of="2026-10-31", db_path=str(db),
                     out_dir=tmp_path / "out", keys_dir=tmp_path / "keys")
    plan = plan_run(req)
    same = plan_on_snapshot(plan, pin_store(db, tmp_path / "a"))
    assert same.store_identity == plan.store_identity and same.pinned is not None
    build_store(db, policy)
    again = plan_on_snapshot(plan, pin_store(db, tmp_path / "b"))
    assert again.store_identity != plan.store_identity
    assert again.kernel_db_path == tmp_path / "b" / "s.duckdb"
    assert Path(again.db_path) == db.resolve()

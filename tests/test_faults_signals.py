"""Exit 130 on SIGINT or SIGTERM at any moment after start (issue 17, part 3), and kill -9
at several points of `run --all` (part 6): the index and earlier runs byte-identical, no
visible half run.

"After start" is from the moment the command's code runs: the CLI installs its handler as
its first statement (compliance_kit.interrupts), before the imports that take most of the
start-up. Before that the process is the Python interpreter starting (tens of ms, more on a
loaded machine), which no code of the kit can handle. So the test first waits until the
process catches SIGTERM (the SigCgt mask of /proc/PID/status), then signals it at several
delays from that moment: during the imports, planning, kernel start-up and execution."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest_reports import CK, NOTEBOOKS, ROOT, TEST_KEYS, fixture_store, run_cli, run_dirs  # noqa: F401

CLI = [sys.executable, "-c", "from compliance_kit.cli import main; main()"]   # the console script's path


def _env() -> dict:
    env = dict(os.environ)
    env.pop("COMPLIANCE_KIT_DB", None)
    env["COMPLIANCE_KIT_KEYS"] = str(TEST_KEYS)
    return env


def _start(argv, *args) -> subprocess.Popen:
    return subprocess.Popen([*argv, *map(str, args)], cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _catches(pid: int, sig: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next((int(ln.split()[1], 16) for ln in status.splitlines() if ln.startswith("SigCgt:")), 0)
    return bool(mask & (1 << (sig - 1)))


def _wait_until_handled(proc, seconds=30) -> None:
    """Until the command's own handler is installed. SIGTERM's bit says so: Python catches
    SIGINT from its own start-up, SIGTERM only once compliance_kit.interrupts.install ran
    (it installs both)."""
    sig = signal.SIGTERM
    deadline = time.monotonic() + seconds
    while not _catches(proc.pid, sig):
        assert proc.poll() is None, "the command ended before it handled the signal"
        assert time.monotonic() < deadline, "the command never installed its handler"
        time.sleep(0.002)


def _finish(proc, timeout=90) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


def _snapshot(out: Path) -> dict:
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != ".lock" and not p.relative_to(out).parts[0].startswith(".tmp-")}


MOMENTS = [(signal.SIGTERM, d) for d in (0.0, 0.05, 0.3, 1.0, 2.5, 6.0)] + [
    (signal.SIGINT, d) for d in (0.0, 1.0, 6.0)]


@pytest.mark.parametrize("sig, delay", MOMENTS, ids=[f"{s.name}-{d}s" for s, d in MOMENTS])
def test_a_signal_at_any_moment_of_a_run_is_exit_130(tmp_path, fixture_store, sig, delay):
    db, _ = fixture_store
    out = tmp_path / "reports"
    proc = _start(CLI, "run", "--all", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db,
                  "--out", out, "-p", "sleep_seconds=30")
    _wait_until_handled(proc)
    time.sleep(delay)
    proc.send_signal(sig)
    _, err = _finish(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert not out.exists() or (not run_dirs(out) and not list(out.glob(".tmp-*"))), "a run or its temp folder stayed"


BUILD_POINTS = ("started", "writing the new store")   # the second: its temporary file exists


@pytest.mark.parametrize("point", BUILD_POINTS)
def test_sigterm_during_a_build_is_exit_130_and_keeps_the_old_store(tmp_path, point):
    import duckdb

    db = tmp_path / "compliance.duckdb"
    con = duckdb.connect(str(db))   # a real store: build reads the policy versions it holds
    con.execute("CREATE TABLE the_old_store AS SELECT 1 AS x")
    con.close()
    old = db.read_bytes()
    proc = _start(CLI, "build", "--db", db, "--data", ROOT / "data" / "sample")
    _wait_until_handled(proc)
    if point == "writing the new store":   # a moment, not a delay: the build's speed varies
        while not any(tmp_path.glob(f".{db.name}.building-*")) and proc.poll() is None:
            time.sleep(0.002)
    proc.send_signal(signal.SIGTERM)
    _, err = _finish(proc)
    if proc.returncode == 0:
        pytest.fail(f"the build finished before the signal ({point})")
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert db.read_bytes() == old
    left = [p for p in tmp_path.iterdir() if p != db]
    # only the spill folder may stay beside the store (docs/scheduling.md), and empty of files
    assert all(p.name == f".{db.name}.spill" and not any(f.is_file() for f in p.rglob("*")) for p in left), \
        f"a temporary store stayed: {[p.name for p in left]}"


# -- kill -9 at several points of run --all -----------------------------------------------------

def _tmp_with(out: Path, pattern: str) -> bool:
    return any(True for tmp in out.glob(".tmp-*") for _ in tmp.glob(pattern))


POINTS = {
    # name: (what must be true before the kill; the signal goes as soon as it is)
    "planning": lambda out, t: t > 0.8,
    "run folder created": lambda out, t: _tmp_with(out, ".pid"),
    "store pinned": lambda out, t: _tmp_with(out, ".store/*.duckdb"),
    "executing": lambda out, t: _tmp_with(out, "internal/*.ipynb"),
    "a page written": lambda out, t: _tmp_with(out, "*.html"),
}


def test_kill_9_at_several_points_of_run_all_leaves_the_reports_folder_as_it_was(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "reports"
    first = run_cli("run", "--all", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db, "--out", out)
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)
    (earlier,) = run_dirs(out)
    killed_at = []
    for name, ready in POINTS.items():
        proc = _start(CK, "run", "--all", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db,
                      "--out", out, "--jobs", "2", "-p", "sleep_seconds=1")
        t0 = time.monotonic()
        try:
            while not ready(out, time.monotonic() - t0):
                assert proc.poll() is None, f"{name}: the run ended before the point was reached"
                assert time.monotonic() - t0 < 120, f"{name}: never reached"
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            _finish(proc)
        assert proc.returncode == -signal.SIGKILL, name
        killed_at.append(name)
        assert run_dirs(out) == [earlier], f"kill -9 when {name}: a run folder became visible"
        assert _snapshot(out) == before, f"kill -9 when {name}: the index or an earlier run changed"
    assert killed_at == list(POINTS)

    # The next run publishes normally and removes the dead runs' hidden folders.
    time.sleep(1)   # the killed runs' kernels notice their parent is gone and end
    again = run_cli("run", "--all", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db, "--out", out)
    assert again.returncode == 0, again.stderr
    assert not list(out.glob(".tmp-*"))
    assert len(run_dirs(out)) == 2
    for path, data in before.items():
        if path.parts[0] == earlier.name:
            assert (out / path).read_bytes() == data


# -- the handler's phases, in process -------------------------------------------------------------

def test_a_signal_during_the_commit_waits_for_its_end_and_a_second_one_is_ignored():
    from compliance_kit import interrupts

    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.raising():
            with interrupts.deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.2)                       # the handler has run: it only noted the signal
                steps.append("renamed")
                os.kill(os.getpid(), signal.SIGINT)   # a second signal while stopping: ignored
                time.sleep(0.2)
                steps.append("indexed")
            steps.append("not reached")
    assert steps == ["renamed", "indexed"]
    assert interrupts.was_interrupted()

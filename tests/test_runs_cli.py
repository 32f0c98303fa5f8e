"""`compliance-kit runs list` and `runs prune`: which runs go, atomicity (all or
nothing, index rebuilt), the newest successful run never removed, clear errors."""

import json
import os

import pytest

from compliance_kit.errors import ParameterError, UserError
from compliance_kit.reports import runs as runs_mod
from compliance_kit.reports.index import rebuild_index
from compliance_kit.reports.runs import choose, list_runs, prune_runs

from conftest_reports import run_cli

# (run id, start, exit status); newest last
RUNS = [("20260101T060000Z-aaaaaa", "2026-01-01T06:00:00+00:00", 0),
        ("20260201T060000Z-bbbbbb", "2026-02-01T06:00:00+00:00", 3),
        ("20260301T060000Z-cccccc", "2026-03-01T06:00:00+00:00", 4),
        ("20260401T060000Z-dddddd", "2026-04-01T06:00:00+00:00", 0),
        ("20260501T060000Z-eeeeee", "2026-05-01T06:00:00+00:00", 3)]


def _publish(out, run_id, start, exit_status):
    internal = out / run_id / "internal"
    internal.mkdir(parents=True)
    manifest = {"run_id": run_id, "start": start, "exit_status": exit_status, "job": "daily",
                "parameters": {"as_of": start[:10]},
                "policy": [{"policy_id": "acme/2022-05-25", "version": "2022-05-25"}],
                "notebooks": [{"name": "fx", "status": "ok" if exit_status != 3 else "failed", "html": "fx.html"}]}
    (internal / "manifest.json").write_text(json.dumps(manifest))
    (internal / "metrics.json").write_text(json.dumps({"retention": {"overdue": 10}}))
    (out / run_id / "fx.html").write_text("<p>page</p>")


@pytest.fixture
def out(tmp_path):
    out = tmp_path / "reports"
    for run in RUNS:
        _publish(out, *run)
    rebuild_index(out)
    return out


def _ids(entries):
    return [e.run_id[-6:] for e in entries]


def test_list_newest_first_with_status_and_policy(out):
    entries = list_runs(out)
    assert _ids(entries) == ["eeeeee", "dddddd", "cccccc", "bbbbbb", "aaaaaa"]
    assert [e.status for e in entries] == ["failed", "ok", "threshold breached", "failed", "ok"]
    assert [e.successful for e in entries] == [False, True, True, False, True]
    assert entries[0].policy == "acme/2022-05-25" and entries[0].as_of == "2026-05-01"


def test_choice_rules(out):
    entries = list_runs(out)
    assert _ids(choose(entries, failed=True)) == ["eeeeee", "bbbbbb"]
    assert _ids(choose(entries, keep=2)) == ["cccccc", "bbbbbb", "aaaaaa"]
    assert _ids(choose(entries, keep=2, failed=True)) == ["bbbbbb"], "the options narrow together"
    assert _ids(choose(entries, before=runs_mod.parse_before("2026-03-01"))) == ["bbbbbb", "aaaaaa"]
    assert _ids(choose(entries, failed=True, before=runs_mod.parse_before("2026-03-01"))) == ["bbbbbb"]
    # keep 0 would take everything: the newest successful run (dddddd) stays
    assert "dddddd" not in _ids(choose(entries, keep=0))
    assert _ids(choose(entries, keep=0)) == ["eeeeee", "cccccc", "bbbbbb", "aaaaaa"]


def test_the_newest_successful_run_survives_any_prune(tmp_path):
    out = tmp_path / "r"
    _publish(out, "20260101T000000Z-000001", "2026-01-01T00:00:00+00:00", 0)
    result = prune_runs(out, before="2030-01-01")
    assert result.removed == [] and _ids(list_runs(out)) == ["000001"]


def test_prune_removes_atomically_and_rebuilds_the_index(out):
    result = prune_runs(out, failed=True)
    assert _ids(result.removed) == ["eeeeee", "bbbbbb"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["index.html", ".lock", *[r[0] for r in RUNS if r[2] != 3]]), "no trash left behind"
    index = (out / "index.html").read_text()
    assert "bbbbbb" not in index and "eeeeee" not in index and "dddddd" in index


def test_dry_run_removes_nothing(out):
    before = sorted(p.name for p in out.iterdir() if p.name != ".lock")
    result = prune_runs(out, keep=1, dry_run=True)
    assert result.dry_run and _ids(result.removed) == ["cccccc", "bbbbbb", "aaaaaa"]
    assert sorted(p.name for p in out.iterdir() if p.name != ".lock") == before


def test_a_failure_midway_puts_everything_back(out, monkeypatch):
    """The second rename fails: the first run is renamed back, the index still lists both."""
    real_rename = os.rename
    calls = []

    def flaky(src, dst):
        calls.append(src)
        if len(calls) == 2:
            raise OSError("disk trouble")
        return real_rename(src, dst)

    monkeypatch.setattr(runs_mod.os, "rename", flaky)
    with pytest.raises(OSError, match="disk trouble"):
        prune_runs(out, failed=True)
    monkeypatch.setattr(runs_mod.os, "rename", real_rename)
    assert _ids(list_runs(out)) == ["eeeeee", "dddddd", "cccccc", "bbbbbb", "aaaaaa"]
    assert not list(out.glob(".trash-*"))
    index = (out / "index.html").read_text()
    assert "eeeeee" in index and "bbbbbb" in index


def test_leftover_trash_is_cleared_and_foreign_folders_are_never_touched(out):
    (out / ".trash-old" / "x").mkdir(parents=True)
    (out / "notes").mkdir()                    # not a run: no manifest
    prune_runs(out, keep=1)
    assert not (out / ".trash-old").exists()
    assert (out / "notes").is_dir()
    assert _ids(list_runs(out)) == ["eeeeee", "dddddd"], "the newest, and the newest successful"


def test_errors_are_clear(out, tmp_path):
    with pytest.raises(UserError, match="say what to prune"):
        prune_runs(out)
    with pytest.raises(ParameterError, match="--before must be a date"):
        prune_runs(out, before="last tuesday")
    with pytest.raises(ParameterError, match="--keep"):
        prune_runs(out, keep=-1)
    with pytest.raises(UserError, match="no reports folder"):
        list_runs(tmp_path / "missing")


def test_cli_list_and_prune(out):
    proc = run_cli("runs", "list", "--out", out)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:2] == ["run", "started"] and "20260501T060000Z-eeeeee" in lines[1]
    assert json.loads(run_cli("runs", "list", "--out", out, "--json").stdout)[0]["status"] == "failed"
    proc = run_cli("runs", "prune", "--out", out, "--failed", "--before", "2026-03-01")
    assert proc.returncode == 0, proc.stderr
    assert "removed 20260201T060000Z-bbbbbb (failed, as of 2026-02-01)" in proc.stdout
    assert "removed 1 run(s); 4 kept" in proc.stdout
    bad = run_cli("runs", "prune", "--out", out, "--keep", "-2")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    none = run_cli("runs", "prune", "--out", out)
    assert none.returncode == 2 and none.stderr.startswith("Error: say what to prune")

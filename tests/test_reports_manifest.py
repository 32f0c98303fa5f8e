"""The manifest builder alone: every key a run's manifest has, from typed inputs, and
never the pseudonymisation key."""

import datetime as dt
import json
from pathlib import Path

from compliance_kit.files import sha256_file
from compliance_kit.privacy.keys import METHOD, Key
from compliance_kit.reports.collect import EXIT_CODES, EXIT_NOTEBOOK_FAILED, Outcome
from compliance_kit.reports.execute import NotebookResult
from compliance_kit.reports.failon import parse_threshold
from compliance_kit.reports.inspect import NotebookParameters
from compliance_kit.reports.manifest import (PROJECT_ROOT, Environment, build_manifest, git_commit,
                                             package_versions, read_head_commit,
                                             write_manifest)
from compliance_kit.reports.plan import RunPlan, RunRequest
from compliance_kit.store import PinnedStore

SECRET = "5e" * 32
STARTED = dt.datetime(2026, 10, 31, 6, 35, tzinfo=dt.timezone.utc).timestamp()
KEYS = ["run_id", "job", "title", "parameters", "resources", "store", "policy", "inputs", "notebooks",
        "thresholds_breached", "pseudonymisation", "packages", "git", "host", "start", "end",
        "duration_seconds", "exit_status", "exit_meaning"]


def _plan(tmp_path: Path, job=None) -> RunPlan:
    paths = []
    for name in ("alpha", "beta"):
        path = tmp_path / f"{name}.ipynb"
        path.write_text(json.dumps({"cells": [], "name": name}))
        paths.append(path)
    store_info = {"policy_versions": [{"policy_id": "p/1", "title": "P", "version": "1"}],
                  "inputs": [{"table_name": "accounts", "source_sha256": "c" * 64}],
                  "data_freshness": [{"table_name": "accounts", "row_count": 2,
                                      "latest_at": "2026-10-30T08:00:00+00:00"}]}
    return RunPlan(
        request=RunRequest(notebooks=paths, jobs=3, job=job, fail_on=["a.x > 1"]),
        notebooks=[NotebookParameters("alpha", paths[0]), NotebookParameters("beta", paths[1])],
        parameters={"alpha": {"as_of": "2026-10-31", "k": 7}, "beta": {"as_of": "2026-10-31"}},
        effective={"alpha": {"db_path": None, "as_of": "2026-10-31", "k": 7, "metrics_path": None},
                   "beta": {"db_path": None, "as_of": "2026-10-31", "k": 5, "metrics_path": None}},
        thresholds=[parse_threshold("a.x > 1")],
        db_path=Path("/data/store.duckdb"),
        store_info=store_info,
        store_identity="build:20261031T050000Z-0badcafe",
        pinned=PinnedStore(Path("/data/store.duckdb"), Path("/reports/.tmp-x/.store/store.duckdb"), "hard link"),
    )


def _results():
    return [NotebookResult("alpha", "ok", 1.234, html="alpha.html", ipynb="internal/alpha.ipynb"),
            NotebookResult("beta", "failed", 0.5, error="cell 3 (In [2]) `1/0`: ZeroDivisionError: division by zero",
                           failed_cell=3, html="beta.html", ipynb="internal/beta.ipynb")]


def _build(plan, **changes):
    args = dict(plan=plan, run_id="20261031T061500Z-abcdef", results=_results(),
                outcome=Outcome(EXIT_NOTEBOOK_FAILED, []), key=Key("run-20261031T061500Z-abcdef", SECRET),
                started=STARTED, ended=STARTED + 12.345,
                environment=Environment({"python": "3.11.9", "duckdb": "2.0.0"}, None, "host-1"))
    args.update(changes)
    return build_manifest(**args)


def test_manifest_keys_and_values(tmp_path):
    plan = _plan(tmp_path)
    manifest = _build(plan)
    assert list(manifest) == KEYS
    assert manifest["title"] == "alpha, beta" and manifest["job"] is None
    assert manifest["parameters"] == {
        "as_of": "2026-10-31",
        "overrides": {"as_of": "2026-10-31", "k": 7},
        "per_notebook": {"alpha": {"db_path": "/data/store.duckdb", "as_of": "2026-10-31", "k": 7},
                         "beta": {"db_path": "/data/store.duckdb", "as_of": "2026-10-31", "k": 5}},
        "fail_on": ["a.x > 1"],
        "jobs": 3,
    }
    # the store the user named, its identity, how the run held it still, and its freshness
    assert manifest["store"] == {"path": "/data/store.duckdb", "identity": "build:20261031T050000Z-0badcafe",
                                 "snapshot": "hard link", "data_freshness": plan.store_info["data_freshness"]}
    assert manifest["policy"] == plan.store_info["policy_versions"]
    assert manifest["inputs"] == plan.store_info["inputs"]
    assert manifest["notebooks"] == [
        {"name": "alpha", "source": str(tmp_path / "alpha.ipynb"), "source_sha256": sha256_file(tmp_path / "alpha.ipynb"),
         "status": "ok", "seconds": 1.23, "error": None, "failed_cell": None,
         "html": "alpha.html", "ipynb": "internal/alpha.ipynb", "duckdb": None},
        {"name": "beta", "source": str(tmp_path / "beta.ipynb"), "source_sha256": sha256_file(tmp_path / "beta.ipynb"),
         "status": "failed", "seconds": 0.5, "error": "cell 3 (In [2]) `1/0`: ZeroDivisionError: division by zero",
         "failed_cell": 3, "html": "beta.html", "ipynb": "internal/beta.ipynb", "duckdb": None},
    ]
    assert manifest["resources"]["memory_limit"] == "1.5GB"  # the default when nothing was asked
    assert manifest["packages"] == {"python": "3.11.9", "duckdb": "2.0.0"}
    assert (manifest["git"], manifest["host"]) == (None, "host-1")
    assert manifest["start"] == "2026-10-31T06:35:00+00:00" and manifest["end"] == "2026-10-31T06:35:12+00:00"
    assert manifest["duration_seconds"] == 12.35
    assert (manifest["exit_status"], manifest["exit_meaning"]) == (3, EXIT_CODES[3])
    assert manifest["thresholds_breached"] == []


def test_manifest_names_the_key_never_holds_it(tmp_path):
    manifest = _build(_plan(tmp_path))
    key = Key("run-20261031T061500Z-abcdef", SECRET)
    assert manifest["pseudonymisation"] == {"key_id": key.key_id, "fingerprint": key.fingerprint,
                                            "lifetime": "run", "method": METHOD}
    path = tmp_path / "manifest.json"
    write_manifest(path, manifest)
    assert SECRET not in path.read_text()
    assert json.loads(path.read_text()) == manifest


def test_manifest_of_a_job_with_several_dates(tmp_path):
    plan = _plan(tmp_path, job="daily")
    plan.effective["beta"]["as_of"] = "2026-10-30"
    manifest = _build(plan, outcome=Outcome(4, ["a.x > 1: a.x = 2"]))
    assert manifest["title"] == "daily" and manifest["job"] == "daily"
    assert manifest["parameters"]["as_of"] == ["2026-10-30", "2026-10-31"]
    assert manifest["thresholds_breached"] == ["a.x > 1: a.x = 2"]


def test_environment_readers():
    versions = package_versions()
    assert versions["python"].count(".") == 2
    assert versions["duckdb"] and versions["papermill"]
    assert set(versions) >= {"compliance-kit", "jupyter_client", "nbconvert"}
    checkout = git_commit()   # the tests run from the project's checkout
    assert checkout is not None and len(checkout["commit"]) == 40 and checkout["dirty"] in (True, False, None)
    assert read_head_commit(PROJECT_ROOT) == checkout["commit"]


def test_a_checkout_git_refuses_still_names_its_commit(tmp_path, monkeypatch):
    """CI clones as another user, and git then refuses the checkout ("dubious ownership").
    The commit is read from .git's files (loose ref, then packed-refs); dirty is unknown."""
    sha = "0123456789abcdef0123456789abcdef01234567"
    git_dir = tmp_path / ".git"
    (git_dir / "refs" / "heads").mkdir(parents=True)
    (git_dir / "HEAD").write_text("ref: refs/heads/main\n")
    (git_dir / "packed-refs").write_text(f"# pack-refs with: peeled\n{sha} refs/heads/main\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))     # git itself unavailable
    assert git_commit(tmp_path) == {"commit": sha, "dirty": None}
    loose = sha[::-1]
    (git_dir / "refs" / "heads" / "main").write_text(loose + "\n")
    assert git_commit(tmp_path) == {"commit": loose, "dirty": None}
    (git_dir / "HEAD").write_text("ref: refs/heads/gone\n")
    assert git_commit(tmp_path) is None


def test_no_git_checkout_gives_none(tmp_path):
    assert git_commit(tmp_path) is None

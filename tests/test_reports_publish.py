"""The publish step alone: the hidden temp folder, the rename into place, and what an
unpublished run leaves (nothing)."""

import json
import os

from compliance_kit.reports.publish import (INTERNAL, TMP_PREFIX, discard, new_run_id, open_run_folder,
                                            publish)


def test_a_run_folder_is_hidden_until_published(tmp_path):
    out = tmp_path / "reports"
    lines = []
    folder = open_run_folder(out, new_run_id(), lines.append)
    assert folder.tmp.name == f"{TMP_PREFIX}{folder.run_id}" and folder.tmp.parent == out.resolve()
    assert (folder.tmp / ".pid").read_text() == f"{os.getpid()}\n"
    assert folder.metrics_parts.is_dir() and folder.kernel_logs.is_dir() and folder.internal.is_dir()
    assert folder.internal.name == INTERNAL
    # what a run writes there
    (folder.tmp / "fx.html").write_text("<p>page</p>")
    (folder.internal / "manifest.json").write_text(json.dumps({"run_id": folder.run_id, "notebooks": []}))
    (folder.internal / "metrics.json").write_text("{}\n")
    (folder.metrics_parts / "fx.json").write_text("{}")
    (folder.kernel_logs / "fx.kernel.log").write_text("a warning\n")

    final = publish(folder, lines.append)
    assert final == out.resolve() / folder.run_id
    assert not folder.tmp.exists()
    assert sorted(str(p.relative_to(final)) for p in final.rglob("*")) == [
        "fx.html", "index.html", "internal", "internal/manifest.json", "internal/metrics.json"]   # no scratch; index.html: the run overview
    assert (out / "index.html").exists()
    assert lines == []   # nobody else held the lock


def test_discard_leaves_nothing(tmp_path):
    out = tmp_path / "reports"
    folder = open_run_folder(out, new_run_id(), print)
    (folder.internal / "fx.ipynb").write_text("{}")
    discard(folder)
    assert [p.name for p in out.iterdir()] == [".lock"]


def test_opening_a_run_clears_dead_runs(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    dead = out / f"{TMP_PREFIX}20260101T000000Z-aaaaaa"
    dead.mkdir()
    (dead / ".pid").write_text("0\n")   # no process has pid 0: the run is dead
    folder = open_run_folder(out, new_run_id(), print)
    assert not dead.exists() and folder.tmp.exists()

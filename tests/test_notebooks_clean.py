"""Outputs never reach git: every committed notebook is clean, the nbstripout filter the
Makefile sets up leaves a clean notebook unchanged, and it strips one that is not."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)  # the virtualenv running the tests: it has nbstripout (test extra)


def _git(*args, cwd=ROOT, check=True) -> subprocess.CompletedProcess:
    # safe.directory: CI clones as another user, and git refuses such a checkout ("dubious
    # ownership"); these read-only commands on the project's own checkout are safe to allow.
    return subprocess.run(["git", "-c", f"safe.directory={cwd}", *args], cwd=cwd, capture_output=True,
                          text=True, check=check)


def _committed_notebooks() -> list[str]:
    if shutil.which("git") is None or _git("rev-parse", "--is-inside-work-tree", check=False).returncode:
        pytest.skip("not a git checkout: no committed notebooks to check")
    return _git("ls-files", "*.ipynb").stdout.split()


def test_committed_notebooks_have_no_outputs_and_no_execution_counts():
    paths = _committed_notebooks()
    assert any(p.startswith("notebooks/") for p in paths), paths
    dirty = {}
    for rel in paths:
        # what git holds (the index), not the working copy an analyst may be editing
        nb = nbformat.reads(_git("show", f":{rel}").stdout, as_version=4)
        cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                 and (c.get("outputs") or c.get("execution_count") is not None)]
        if cells:
            dirty[rel] = cells
    assert not dirty, f"committed with outputs or execution counts (cell indices): {dirty}"


def test_the_filter_leaves_every_committed_notebook_unchanged():
    # Else a fresh clone with the filter set up would show clean notebooks as modified.
    changed = []
    for rel in _committed_notebooks():
        text = _git("show", f":{rel}").stdout
        out = subprocess.run([sys.executable, "-m", "nbstripout", "--keep-id", "-t"], input=text,
                             capture_output=True, text=True, check=True).stdout
        if out != text:
            changed.append(rel)
    assert not changed, f"nbstripout would rewrite {changed}: commit them as it writes them"


def test_gitattributes_sends_notebooks_through_the_filter():
    _committed_notebooks()
    out = _git("check-attr", "filter", "diff", "--", "notebooks/retention_compliance.ipynb").stdout
    assert "filter: nbstripout" in out and "diff: ipynb" in out, out


def _project_copy(tmp_path: Path) -> Path:
    """Makefile, .gitattributes and the test virtualenv (as .venv) in a fresh folder."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / ".gitattributes", tmp_path / ".gitattributes")
    (tmp_path / ".venv").symlink_to(VENV, target_is_directory=True)
    return tmp_path


def _make_git_filter(folder: Path) -> subprocess.CompletedProcess:
    # -o: the virtualenv counts as installed (never reinstall it from a test)
    return subprocess.run(["make", "-o", ".venv/.installed-stamp", "git-filter"], cwd=folder,
                          capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("make") is None or shutil.which("git") is None, reason="needs make and git")
def test_make_sets_up_the_filter_idempotently_and_it_strips_outputs(tmp_path):
    folder = _project_copy(tmp_path)
    _git("init", "-q", cwd=folder)
    for _ in range(2):  # twice: the second run changes nothing
        proc = _make_git_filter(folder)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    config = _git("config", "--local", "--get-regexp", r"^(filter\.nbstripout|diff\.ipynb)\.", cwd=folder).stdout
    lines = config.splitlines()
    assert len(lines) == 4, lines  # clean, smudge, required, textconv: once each
    assert "filter.nbstripout.required true" in lines

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('held: 3')", execution_count=7)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="held: 3\n")]
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["compliance_kit"] = {"contract": "mine"}
    (folder / "sub").mkdir()
    nbformat.write(nb, folder / "sub" / "mine.ipynb")
    _git("add", "mine.ipynb", cwd=folder / "sub")  # from a subfolder: the filter path is relative to the top
    staged = json.loads(_git("show", ":sub/mine.ipynb", cwd=folder).stdout)
    code = staged["cells"][0]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert code["metadata"]["tags"] == ["parameters"]       # tags stay
    assert staged["metadata"]["compliance_kit"] == {"contract": "mine"}  # so does the contract
    assert "held: 3" in (folder / "sub" / "mine.ipynb").read_text()  # the working copy keeps its outputs


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_outside_a_git_checkout_does_no_harm(tmp_path):
    folder = _project_copy(tmp_path)
    proc = _make_git_filter(folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not a git checkout" in proc.stdout
    assert not (folder / ".git").exists()

"""Runner pieces without kernels: report selection, --as-of keywords, run ids, and the
clean-up of temp folders left by dead runs."""

import datetime as dt
import os
import re
import subprocess
import sys

import pytest

from compliance_kit.errors import ParameterError, UserError
from compliance_kit.reports.runner import (new_run_id, remove_stale_temp, resolve_as_of,
                                           select_notebooks)

from conftest_reports import NOTEBOOKS, ROOT


def test_select_notebooks(monkeypatch):
    assert [p.name for p in select_notebooks((), True, NOTEBOOKS)] == ["fx_accounts.ipynb", "fx_counts.ipynb"]
    assert [p.name for p in select_notebooks(("fx_counts", "fx_counts.ipynb"), False, NOTEBOOKS)] == ["fx_counts.ipynb"]
    # a relative path from here that leads into the folder is the same notebook
    monkeypatch.chdir(ROOT)
    rel = NOTEBOOKS.relative_to(ROOT) / "fx_accounts.ipynb"
    assert [p.resolve() for p in select_notebooks((str(rel),), False, NOTEBOOKS)] == [ROOT / rel]
    with pytest.raises(UserError, match="available: fx_accounts, fx_counts"):
        select_notebooks(("retention",), False, NOTEBOOKS)
    with pytest.raises(UserError, match="--all"):
        select_notebooks((), False, NOTEBOOKS)


def test_resolve_as_of():
    today = dt.datetime.now(dt.timezone.utc).date()
    assert resolve_as_of("2026-10-31") == "2026-10-31"
    assert resolve_as_of("today") == today.isoformat()
    assert resolve_as_of("Yesterday") == (today - dt.timedelta(days=1)).isoformat()
    for bad in ("2026-10-32", "20261031", "next week"):
        with pytest.raises(ParameterError, match="YYYY-MM-DD"):
            resolve_as_of(bad)


def test_run_ids_sort_by_time_and_do_not_collide():
    t = dt.datetime(2026, 11, 27, 7, 30, tzinfo=dt.timezone.utc)
    ids = {new_run_id(t) for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"20261127T073000Z-[0-9a-f]{6}", i) for i in ids)
    assert new_run_id(t) < new_run_id(t + dt.timedelta(seconds=1))


def test_remove_stale_temp_keeps_live_runs(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / ".tmp-20260101T000000Z-aaaaaa"
    live = tmp_path / ".tmp-20260101T000000Z-bbbbbb"
    fresh = tmp_path / ".tmp-20260101T000000Z-cccccc"  # no pid yet: a run just starting
    for folder, pid in ((stale, dead.pid), (live, os.getpid()), (fresh, None)):
        folder.mkdir()
        (folder / "x.ipynb").write_text("{}")
        if pid:
            (folder / ".pid").write_text(f"{pid}\n")
    published = tmp_path / "20260101T000000Z-dddddd"
    published.mkdir()
    assert remove_stale_temp(tmp_path) == [stale]
    assert live.exists() and fresh.exists() and published.exists() and not stale.exists()

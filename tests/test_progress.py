"""Progress of long work (issue 14, item 7): live rows on a terminal, only the final lines
without one (cron)."""

from __future__ import annotations

import io
import re

import nbformat
import pytest

from compliance_kit import progress as progress_mod
from compliance_kit.progress import BuildProgress, RunProgress, section_of
from conftest_reports import ROOT, fixture_run, fixture_store, run_cli  # noqa: F401


@pytest.fixture
def terminal(monkeypatch):
    """A terminal 120 columns wide whose drawing is kept for the test to read."""
    from rich.console import Console

    screen = io.StringIO()
    monkeypatch.setattr(progress_mod, "_console",
                        lambda: Console(file=screen, force_terminal=True, width=120, color_system=None))
    return screen


def test_a_markdown_heading_is_a_section():
    assert section_of(nbformat.v4.new_markdown_cell("Intro\n\n## Records per category\nText")) == "Records per category"
    assert section_of(nbformat.v4.new_markdown_cell("no heading here")) is None
    assert section_of(nbformat.v4.new_code_cell("# a comment, not a heading")) is None


def test_without_a_terminal_only_the_final_lines_are_printed_at_the_end():
    lines = []
    with RunProgress(["a", "b"], lines.append, live=False) as shown:
        shown.started("a")
        shown.cell_hook("a")(cell=nbformat.v4.new_markdown_cell("## Step one"), cell_index=1)
        shown.finished("a", "ok", "[1/2] ok     a  1.0 s")
        assert lines == [], "nothing is printed while the run goes on"
        shown.finished("b", "failed", "[2/2] failed b  2.0 s")
    assert lines == ["[1/2] ok     a  1.0 s", "[2/2] failed b  2.0 s"]


def test_on_a_terminal_each_notebook_shows_its_status_time_and_section(terminal):
    lines = []
    with RunProgress(["retention_compliance", "data_flows"], lines.append, live=True) as shown:
        shown.started("retention_compliance")
        shown.cell_hook("retention_compliance")(cell=nbformat.v4.new_markdown_cell("## Overdue records"),
                                                cell_index=4)
        shown._bar.refresh()
        drawn = terminal.getvalue()
        row = [ln for ln in re.split(r"[\r\n]", drawn) if "retention_compliance" in ln][-1]   # the last drawing
        assert re.search(r"retention_compliance\s+running\s+\d+\.\d s\s+Overdue records", row), row
        assert re.search(r"data_flows\s+waiting", drawn)
        shown.finished("retention_compliance", "ok", "[1/2] ok     retention_compliance  3.0 s")
        assert lines == ["[1/2] ok     retention_compliance  3.0 s"], "finished lines are not held"


def test_build_steps_on_a_terminal_and_none_without(terminal):
    with BuildProgress(live=True) as shown:
        shown.step("loading data/records.parquet")
        shown.step("writing the store")
    drawn = terminal.getvalue()
    assert re.search(r"done loading data/records.parquet\s+\d+\.\d s", drawn), drawn
    assert "writing the store" in drawn
    terminal.truncate(0)
    with BuildProgress(live=False) as quiet:
        quiet.step("loading data/records.parquet")
    assert terminal.getvalue() == ""


def test_a_run_without_a_terminal_prints_only_its_final_lines(fixture_run):
    _, run_dir, proc, _ = fixture_run
    lines = proc.stdout.strip().splitlines()
    final = [r"\[\d/2\] (ok|failed)\s+\S+\s+[\d.]+ s", r"2/2 notebook\(s\) ok in [\d.]+ s; published .*",
             r"index: .*index\.html"]
    assert all(any(re.fullmatch(p, ln) for p in final) for ln in lines), lines
    assert len(lines) == 4


def test_a_build_without_a_terminal_prints_only_its_final_lines(tmp_path):
    proc = run_cli_build(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "loading" not in proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == f"wrote {tmp_path / 's.duckdb'}"


def run_cli_build(tmp_path):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", "from compliance_kit.cli import main; main()", "build",
                           "--db", str(tmp_path / "s.duckdb"), "--data", str(ROOT / "data" / "sample")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)

"""The run overview and the index, end to end: two runs of one job over two synthetic
samples (other seeds, so the figures move), opened in Debian's Chromium with the network
blocked, at 1400 px and 390 px.

- the main column never scrolls sideways; no console error, no request, no dialog;
- every link resolves to a shared page, and following them works;
- the overview says, in plain words, how many records are overdue, the share of requests
  answered in time and the share of volume sent outside declared transfers, and the
  direction of each since the previous run, as the two runs' exact figures say;
- the job's name and a parameter carry script payloads: they show as text; counts below
  the job's k show as "<k" (or "hidden"), never as the number.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import polars as pl
import pytest

from conftest_browser import browser, offline_page  # noqa: F401
from conftest_reports import ROOT, run_cli, run_dirs

POLICY = ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml"
JOB = "<img src=x onerror=alert(11)>"
SYSTEM = "crm<script>alert(12)</script>"
K = 10
WIDTHS = (1400, 390)


def ck(*args):
    return subprocess.run([sys.executable, "-c", "from compliance_kit.cli import main; main()", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def _store(base: Path, seed: int) -> Path:
    """A synthetic sample (seed) where a third of the records sit in a system whose name
    is a script payload; the job's `systems` parameter names it, so the payload is a value
    the parameter contract accepts and it reaches the pages."""
    sample = base / f"sample-{seed}"
    proc = ck("synth", "--out", sample, "--accounts", "600", "--seed", seed)
    assert proc.returncode == 0, proc.stderr
    records = pl.read_parquet(sample / "records.parquet")
    records = records.with_columns(
        pl.when(pl.int_range(records.height) % 3 == 0).then(pl.lit(SYSTEM)).otherwise(pl.col("system")).alias("system"))
    records.write_parquet(sample / "records.parquet")
    db = base / f"store-{seed}.duckdb"
    proc = ck("build", "--policy", POLICY, "--data", sample, "--db", db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return db


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """(out, first run, second run): the same job over two stores; the second is compared
    with the first."""
    base = tmp_path_factory.mktemp("overview")
    stores = [_store(base, 21), _store(base, 22)]
    schedule = base / "reports.toml"
    systems = json.dumps([SYSTEM, "crm"])
    schedule.write_text(
        f'[jobs.{json.dumps(JOB)}]\nnotebooks = "all"\nas_of = "2026-10-31"\n'
        f'fail_on = ["requests.open_late > 0"]\n[jobs.{json.dumps(JOB)}.parameters]\nk = {K}\n'
        f"systems = {systems}\n", encoding="utf-8")
    out = base / "reports"
    for db in stores:
        proc = run_cli("run", "--schedule", schedule, JOB, "--db", db, "--out", out, "--jobs", "2", timeout=900)
        assert proc.returncode in (0, 4), proc.stdout + proc.stderr
    first, second = run_dirs(out)
    return out, first, second


def _metrics(run: Path) -> dict:
    return json.loads((run / "internal" / "metrics.json").read_text())


def _direction(now: float, before: float) -> str:
    return "up" if now > before else ("down" if now < before else "same")


def _card(page, key: str):
    return page.locator(f'.card[data-key="{key}"]')


def test_the_overview_answers_the_managers_questions(browser, two_runs):  # noqa: F811
    out, first, second = two_runs
    now, before = _metrics(second), _metrics(first)
    view = offline_page(browser)
    try:
        page = view.open(second / "index.html")
        text = page.inner_text("main")
        assert re.search(r"Compliance overview — as of 31 October 2026", text)
        assert "Tencent Cloud Privacy Policy, version 2022-05-25" in text
        assert "Run status" in text and "previous run" in text

        overdue = _card(page, "retention.overdue").inner_text()
        assert "Records overdue for erasure" in overdue
        expected = {
            "retention.overdue": _direction(now["retention"]["overdue"], before["retention"]["overdue"]),
            "requests.performance_pct": _direction(now["requests"]["performance_pct"],
                                                   before["requests"]["performance_pct"]),
            # the card shows the share *outside* declared transfers: it moves the other way
            "flows.share_declared_bytes": _direction(before["flows"]["share_declared_bytes"],
                                                     now["flows"]["share_declared_bytes"]),
        }
        assert "Requests answered in time" in _card(page, "requests.performance_pct").inner_text()
        volume = _card(page, "flows.share_declared_bytes").inner_text()
        assert "Volume sent outside declared transfers" in volume and "undeclared places" in volume
        assert f"{1 - now['flows']['share_declared_bytes']:.1%}" in volume
        assert f"{now['requests']['performance_pct']:.1f}%" in _card(page, "requests.performance_pct").inner_text()
        for key, direction in expected.items():
            change = _card(page, key).locator(".card-change")
            words = change.inner_text()
            if direction == "same":
                assert "no change since the previous run" in words, key
            else:
                assert re.search(rf"\b{direction} .+ since the previous run", words), (key, words)
                assert change.get_attribute("data-direction") == direction
        assert view.errors == [] and view.blocked == [] and view.dialogs == []
    finally:
        view.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["overview", "index"])
def test_no_sideways_scroll_no_errors_and_links_resolve(browser, two_runs, width, which):  # noqa: F811
    out, _, second = two_runs
    path = second / "index.html" if which == "overview" else out / "index.html"
    view = offline_page(browser)
    try:
        view.page.set_viewport_size({"width": width, "height": 900})
        page = view.open(path)
        sizes = page.evaluate("""() => {
            const main = document.querySelector('main');
            return {doc: document.documentElement.scrollWidth, view: window.innerWidth,
                    main: main.scrollWidth, mainBox: main.clientWidth};
        }""")
        assert sizes["doc"] <= sizes["view"], sizes
        assert sizes["main"] <= sizes["mainBox"], sizes
        if which == "overview":
            # the policy's version and the run's day never break at a hyphen
            dates = page.eval_on_selector_all(
                ".ck-facts .ck-date", "els => els.map(e => [e.textContent, e.getClientRects().length])")
            assert any(text == "2022-05-25" for text, _ in dates), dates
            assert all(lines == 1 for _, lines in dates), dates
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs
        for href in hrefs:
            if href.startswith("#"):
                continue
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc, href
            target = (path.parent / unquote(parts.path)).resolve()
            assert target.is_file() and target.suffix == ".html", href
            assert "internal" not in target.relative_to(out.resolve()).parts, href
        # follow the first link of the page (overview: a dashboard; index: the latest overview)
        first = page.locator("main a[href]").first
        first.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(".html") and page.url != path.resolve().as_uri()
        assert view.errors == [] and view.blocked == [] and view.dialogs == []
    finally:
        view.close()


def test_payloads_are_text_and_small_counts_are_hidden(browser, two_runs):  # noqa: F811
    out, _, second = two_runs
    metrics = _metrics(second)
    for path in (second / "index.html", out / "index.html"):
        html = path.read_text(encoding="utf-8")
        assert "<img src=x" not in html and "<script>alert" not in html, path.name
        view = offline_page(browser)
        try:
            page = view.open(path)
            text = page.inner_text("main")
            assert JOB in text, f"{path.name}: the job's name shows as text"
            if path.name == "index.html" and path.parent == second:
                assert SYSTEM in text, "the systems parameter shows as text"
            values = page.eval_on_selector_all(
                ".card", "els => els.map(e => [e.dataset.key, e.querySelector('.card-value').innerText])")
            assert view.dialogs == [] and view.errors == []
        finally:
            view.close()
        small = 0
        for key, shown in values:
            section, name = key.split(".", 1)
            exact = metrics.get(section, {}).get(name)
            if section != "policy" and isinstance(exact, int) and 0 < exact < K:
                small += 1
                assert shown in (f"<{K}", "hidden"), (key, shown)
            assert not (section != "policy" and re.fullmatch(r"[1-9]", shown.replace(",", ""))), (key, shown)
        if path.parent == second:
            assert small >= 1, "the data must hold a small count for this test to mean something"

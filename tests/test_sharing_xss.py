"""Script payloads put everywhere a value can come from stay inert on every shared page.

Payloads go into each string and list parameter of each notebook (through -p), into the
policy's title and a quote (a modified copy of the bundled spec), and into the data's
free-text columns and ids. Every page published (dashboards and the index) is opened in
Debian's Chromium with the network blocked: no dialog may fire, and no payload may appear
unescaped in any HTML."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from conftest_browser import browser, offline_page  # noqa: F401
from conftest_reports import ROOT, run_cli

POLICY_DIR = ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25"
NOTEBOOKS = ROOT / "notebooks"
# A prose quote (a declared transfer), replaced by a payload in the spec AND, escaped, in
# the source page, so the provenance check still finds it: a hostile spec passes `build`.
QUOTE = "Our servers may be located outside of the country you are located, for example in Mainland China."


def ck(*args):
    """The full `compliance-kit` command (synth, build, run) in a subprocess."""
    return subprocess.run([sys.executable, "-c", "from compliance_kit.cli import main; main()",
                           *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=600)


def payload(tag: str) -> str:
    """Several vectors at once, numbered so a dialog names where it came from. No double
    quote: the payload must also fit a double-quoted YAML string."""
    return (f"<img src=x onerror=alert('{tag}')><script>alert('{tag}')</script>"
            f"'><svg/onload=alert('{tag}')>[c](javascript:alert('{tag}'))")


# What must never appear in a page as markup: the payload's tags and a javascript: link.
RAW = re.compile(r"<img src=x onerror|<script>alert|<svg/onload|href=[\"']?javascript:", re.I)


@pytest.fixture(scope="module")
def payload_store(tmp_path_factory):
    """A small synthetic sample with payloads in its free-text columns and ids, and a copy
    of the bundled policy with a payload in its title and in one quote."""
    base = tmp_path_factory.mktemp("xss")
    sample = base / "sample"
    proc = ck("synth", "--out", sample, "--accounts", "300", "--seed", "11")
    assert proc.returncode == 0, proc.stderr
    records = pl.read_parquet(sample / "records.parquet")
    n = records.height
    records = records.with_columns(
        pl.when(pl.int_range(n) % 3 == 0).then(pl.lit(payload("system"))).otherwise(pl.col("system"))
        .alias("system"),
        pl.when(pl.int_range(n) % 50 == 0).then(pl.lit(payload("record_id")) + pl.int_range(n).cast(pl.String))
        .otherwise(pl.col("record_id")).alias("record_id"),
    )
    records.write_parquet(sample / "records.parquet")
    requests = pl.read_parquet(sample / "requests.parquet").with_columns(
        pl.lit(payload("denial_reason")).alias("denial_reason"),
        pl.when(pl.col("extension_notified_at").is_not_null()).then(pl.lit(payload("extension_reason")))
        .alias("extension_reason"),
    )
    requests.write_parquet(sample / "requests.parquet")
    policy = base / "policy"
    shutil.copytree(POLICY_DIR, policy)
    spec = (policy / "policy.yaml").read_text(encoding="utf-8")
    assert "title: Tencent Cloud Privacy Policy\n" in spec and QUOTE in spec
    spec = spec.replace("title: Tencent Cloud Privacy Policy\n", f'title: "{payload("title")}"\n', 1)
    spec = spec.replace(QUOTE, payload("quote"))
    (policy / "policy.yaml").write_text(spec, encoding="utf-8")
    source = (policy / "source.html").read_text(encoding="utf-8")
    assert QUOTE in source
    (policy / "source.html").write_text(source.replace(QUOTE, html.escape(payload("quote"))), encoding="utf-8")
    db = base / "xss.duckdb"
    proc = ck("build", "--policy", policy / "policy.yaml", "--data", sample, "--db", db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return db


def string_parameters() -> dict[str, list[str]]:
    """Each string, date, list or untyped parameter a user can set (-p), with the
    notebooks that declare it."""
    from compliance_kit.reports.inspect import RUNNER_PARAMETERS, inspect_parameters

    found: dict[str, list[str]] = {}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = inspect_parameters(path)
        for name, p in nb.parameters.items():
            if name not in RUNNER_PARAMETERS and p.kind in ("str", "date", "list", "any"):
                found.setdefault(name, []).append(nb.name)
    return found


@pytest.fixture(scope="module")
def payload_runs(payload_store, tmp_path_factory):
    """One run with the payload store and payload-bearing choices, then one run per
    string or list parameter with a payload as its value. Returns (out, {param: exit})."""
    out = tmp_path_factory.mktemp("xss-reports")
    keys = tmp_path_factory.mktemp("xss-keys")
    common = ["--as-of", "2026-10-31", "--db", payload_store, "--out", out, "--jobs", "2"]
    if "--keys" in run_cli("run", "--help").stdout:
        common += ["--keys", keys]
    exits = {}
    proc = run_cli("run", "--all", *common, "-p", f"systems={json.dumps([payload('system')])}")
    exits["(store)"] = proc.returncode
    assert proc.returncode in (0, 4), proc.stdout + proc.stderr
    for name, notebooks in sorted(string_parameters().items()):
        value = payload(name)
        kinds = {"jurisdictions", "categories", "systems", "types", "source_jurisdictions"}
        text = json.dumps([value]) if name in kinds else value
        proc = run_cli("run", *notebooks, *common, "-p", f"{name}={text}")
        exits[name] = proc.returncode
        assert proc.returncode in (0, 2, 3, 4), proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
    return out, exits


def test_every_string_parameter_was_tried(payload_runs):
    _, exits = payload_runs
    params = string_parameters()
    for expected in ("jurisdictions", "systems", "reading", "types", "source_jurisdictions",
                     "window_start", "engine", "spark_data", "chart_renderer", "as_of"):
        assert expected in params and expected in exits
    # A payload that is not a value the parameter allows is refused by the report's
    # parameter contract before any notebook runs (exit 2, nothing published); free text
    # (Spark's folder and URL) reaches the notebooks, which publish their pages.
    refused = {n for n, code in exits.items() if code == 2}
    published = {n for n, code in exits.items() if code in (0, 3, 4)}
    assert {"jurisdictions", "systems", "reading", "types", "source_jurisdictions", "window_start",
            "engine", "chart_renderer", "as_of"} <= refused, exits
    assert {"(store)", "spark_data", "spark_url"} <= published, exits


def test_no_payload_is_raw_in_any_page(payload_runs):
    out, _ = payload_runs
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10, pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        hit = RAW.search(text)
        assert not hit, f"{page.relative_to(out)}: {text[max(0, hit.start() - 200):hit.end() + 100]}"


def test_payloads_are_shown_escaped(payload_runs):
    """The values are on the pages, as text: the policy title on the overview, a system in
    the retention tables, the quote in the flows tables."""
    out, _ = payload_runs
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.rglob("*.html")}
    joined = "\n".join(texts.values())
    for tag in ("title", "quote", "system"):
        assert f"&lt;img src=x onerror=alert(&#x27;{tag}&#x27;)&gt;" in joined or \
            f"&lt;img src=x onerror=alert('{tag}')&gt;" in joined, tag


def test_no_dialog_fires_on_any_page(payload_runs, browser):
    out, _ = payload_runs
    pages = sorted(out.rglob("*.html"))
    offline = offline_page(browser)
    try:
        for path in pages:
            offline.open(path, settle_ms=150)
            # hovering would trigger a payload hidden in a mouse handler of a chart
            offline.page.mouse.move(10, 10)
        assert not offline.dialogs, offline.dialogs
        assert not offline.blocked, offline.blocked
    finally:
        offline.close()


def test_the_browser_check_can_fail(browser, tmp_path):
    """The same harness does see a payload that runs."""
    page_path = tmp_path / "bad.html"
    page_path.write_text(f"<html><body>{payload('control')}</body></html>")
    offline = offline_page(browser)
    try:
        offline.open(page_path)
    finally:
        offline.close()
    assert "control" in [message for _, message in offline.dialogs]
    assert RAW.search(page_path.read_text())

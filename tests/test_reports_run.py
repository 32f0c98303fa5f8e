"""A run publishes reports/<run-id>/ with the notebooks' HTML (shared) and internal/
with the executed notebooks, metrics.json and manifest.json, and lists it in
reports/index.html; exit codes tell a scheduler what happened."""

import json
import re

from compliance_kit.figures import figure

from conftest_reports import (FAILING, NOTEBOOKS, fixture_run, fixture_store, run_cli,  # noqa: F401
                              run_dirs)


def test_run_folder_contents(fixture_run):
    out, run, proc, _ = fixture_run
    names = sorted(str(p.relative_to(run)) for p in run.rglob("*"))
    assert names == ["fx_accounts.html", "fx_counts.html", "index.html", "internal", "internal/fx_accounts.ipynb",
                     "internal/fx_counts.ipynb", "internal/manifest.json", "internal/metrics.json"]
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", run.name)
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")], "temp folder left behind"


def test_progress_lines_and_total_time(fixture_run):
    _, run, proc, _ = fixture_run
    assert re.search(r"\[\d/2\] ok\s+fx_counts\s+[\d.]+ s", proc.stdout)
    assert re.search(r"\[\d/2\] ok\s+fx_accounts\s+[\d.]+ s", proc.stdout)
    assert re.search(r"2/2 notebook\(s\) ok in [\d.]+ s", proc.stdout)


def test_metrics_merged_from_every_notebook(fixture_run, fixture_store):
    _, run, _, ids = fixture_run
    metrics = json.loads((run / "internal" / "metrics.json").read_text())
    assert set(metrics) == {"counts", "accounts"}
    # Figures agree with the store the fixture wrote, not with a previous run.
    assert metrics["counts"]["records"] == len(ids["records"])
    assert metrics["accounts"]["accounts"] == len(ids["accounts"])


def test_manifest_is_an_evidence_pack(fixture_run, fixture_store):
    _, run, _, _ = fixture_run
    db, _ = fixture_store
    m = json.loads((run / "internal" / "manifest.json").read_text())
    assert m["run_id"] == run.name
    assert m["parameters"]["as_of"] == "2026-10-31"
    assert m["parameters"]["per_notebook"]["fx_counts"]["k"] == 5
    assert m["store"]["path"] == str(db.resolve())
    assert m["policy"][0]["policy_id"] == "fixture/2022-05-25"
    assert m["policy"][0]["spec_sha256"] == "b" * 64 and m["policy"][0]["source_sha256"] == "a" * 64
    assert {i["table_name"] for i in m["inputs"]} == {"accounts", "records"}
    assert all(len(i["source_sha256"]) == 64 for i in m["inputs"])
    assert m["packages"]["papermill"] and m["packages"]["duckdb"] and m["packages"]["python"]
    assert m["git"] is None or re.fullmatch(r"[0-9a-f]{40}", m["git"]["commit"])
    assert m["start"] <= m["end"] and m["duration_seconds"] > 0
    assert m["exit_status"] == 0
    assert [(n["name"], n["status"]) for n in m["notebooks"]] == [("fx_accounts", "ok"), ("fx_counts", "ok")]
    assert all(len(n["source_sha256"]) == 64 for n in m["notebooks"])


def test_executed_notebooks_carry_injected_parameters(fixture_run):
    import nbformat

    _, run, _, _ = fixture_run
    nb = nbformat.read(run / "internal" / "fx_counts.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert 'as_of = "2026-10-31"' in injected[0].source and "metrics_path" in injected[0].source


def test_html_header(fixture_run):
    _, run, _, _ = fixture_run
    html = (run / "fx_counts.html").read_text()
    assert "<h1>Fixture: record counts — as of 31 October 2026</h1>" in html
    assert "<title>Fixture: record counts — as of 31 October 2026</title>" in html and run.name in html
    assert ('fixture/<span class="ck-date">2022-05-25</span> (Fixture Privacy Policy, '
            'version <span class="ck-date">2022-05-25</span>)') in html
    assert "counts below 5 hidden" in html, "the parameters in words"
    assert "time.sleep" not in html and "validate_common(" not in html, "code cells must be hidden"


def test_index_lists_the_run_with_figures(fixture_run):
    out, run, _, _ = fixture_run
    index = (out / "index.html").read_text()
    assert f'href="{run.name}/fx_counts.html"' in index
    metrics = json.loads((run / "internal" / "metrics.json").read_text())
    for section, figures in metrics.items():
        assert f'<span class="sec">{section}</span>' in index
        for key, value in figures.items():  # every count here is >= k, so all are shown
            label = figure(section, key, value).label
            assert f'{label}&nbsp;<b>{value:,}</b>' in index, (section, key)
            assert f'aria-label="{label}"' in index, "a trend per headline figure"


def test_failing_notebook_exit_3_names_notebook_and_cell(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "r"
    proc = run_cli("run", "fx_failing", "--notebooks", FAILING, "--as-of", "2026-10-31", "--db", db, "--out", out)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "fx_failing" in proc.stderr and "cell 4" in proc.stderr
    assert "ratio = 1 / 0" in proc.stderr and "ZeroDivisionError" in proc.stderr
    (run,) = run_dirs(out)
    m = json.loads((run / "internal" / "manifest.json").read_text())
    assert m["exit_status"] == 3 and m["notebooks"][0]["status"] == "failed"
    assert m["notebooks"][0]["failed_cell"] == 4
    html = (run / "fx_failing.html").read_text()
    assert "ZeroDivisionError" in html, "a failed notebook is still exported, with its error"
    assert "datetime.date(" not in html, "the validation cell's return value shows nothing"
    assert "notebook failed" in (out / "index.html").read_text()


def test_fail_on_breach_exit_4_and_pass_exit_0(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "r"
    base = ["run", "fx_accounts", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db, "--out", out]
    proc = run_cli(*base, "--fail-on", "accounts.deleted < 1000", "--fail-on", "accounts.accounts > 10")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "threshold breached: accounts.deleted < 1000: accounts.deleted = 15" in proc.stdout
    assert "threshold breached: accounts.accounts > 10" in proc.stdout
    ok = run_cli(*base, "--fail-on", "accounts.deleted > 1000")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert len(run_dirs(out)) == 2

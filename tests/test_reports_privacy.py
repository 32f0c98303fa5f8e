"""Shared HTML shows aggregates only: counts below k appear as "<k", and no raw
identifier from the input (account or record ids) appears in any generated page."""

import re

from conftest_reports import NOTEBOOKS, TEST_KEYS, fixture_run, fixture_store, run_cli, run_dirs  # noqa: F401


def _html_files(out):
    files = sorted(out.rglob("*.html"))
    assert files, "no HTML generated"
    return files


def scan_for_identifiers(out, ids):
    """(file, identifier) for every raw id found in any HTML file under `out`."""
    found = []
    for path in _html_files(out):
        text = path.read_text(encoding="utf-8")
        for identifier in ids:
            if identifier in text:
                found.append((path.name, identifier))
    return found


def test_no_raw_identifier_in_any_html(fixture_run):
    out, _, _, ids = fixture_run
    every_id = ids["accounts"] + ids["records"]
    assert not scan_for_identifiers(out, every_id)


def test_the_scan_can_fail(fixture_run, tmp_path):
    """The scanner finds an id that does appear (so a pass above means something)."""
    out, _, _, ids = fixture_run
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "page.html").write_text(f"<td>{ids['records'][3]}</td>")
    assert scan_for_identifiers(leak, ids["records"]) == [("page.html", ids["records"][3])]


def test_case_list_is_pseudonymised(fixture_run):
    from compliance_kit.privacy import pseudonymise
    from compliance_kit.privacy.keys import KeyStore
    from compliance_kit.privacy.reidentify import key_of_run, read_manifest

    _, run, _, ids = fixture_run
    html = (run / "fx_counts.html").read_text()
    # The manifest names the key; the key itself is in the (test) key store, not under reports/.
    key = key_of_run(read_manifest(run), KeyStore(TEST_KEYS))
    pseudonyms = pseudonymise(ids["records"], salt=key.secret)
    shown = [p for p in pseudonyms if p in html]
    assert len(shown) == 5, "the 5-row case list shows the run's pseudonyms"


def test_small_counts_suppressed_in_html(fixture_run):
    _, run, _, _ = fixture_run
    html = (run / "fx_accounts.html").read_text()
    # 60 accounts over 6 jurisdictions; JP holds 3 (< k = 5), so it must read "<5".
    row = re.search(r"<tr><td>\"?JP\"?</td>(.*?)</tr>", html, re.S)
    assert row, "JP row missing"
    assert "&lt;5" in row.group(1)
    assert not re.search(r"<td>\s*\"?3\"?\s*</td>", row.group(1))


def test_k_parameter_changes_suppression(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "r"
    proc = run_cli("run", "fx_accounts", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db,
                   "--out", out, "-p", "k=20")
    assert proc.returncode == 0, proc.stderr
    (run,) = run_dirs(out)
    html = (run / "fx_accounts.html").read_text()
    assert html.count("&lt;20") >= 6, "every per-jurisdiction count is below 20"

"""Extraction of the published page: the rendered article's sections and tables."""

import json
import subprocess

import pytest

from compliance_kit.errors import PolicySpecError
from compliance_kit.policy.extract import parse_page

from conftest_policy import CLI, SOURCE_HTML, policy_page  # noqa: F401  (fixture)


def test_four_tables_with_their_data_rows(policy_page):
    assert [len(t.rows) for t in policy_page.tables] == [14, 13, 4, 5]
    assert [t.section for t in policy_page.tables] == [
        "How We Use Your Personal Information", "Data Retention",
        "How We Share and Store Your Personal Information", "Overseas Transfer of Personal Information",
    ]
    assert [len(t.header) for t in policy_page.tables] == [3, 2, 2, 6]
    assert all(len(r) == len(t.header) for t in policy_page.tables for r in t.rows)


def test_cells_are_whitespace_normalised(policy_page):
    retention = policy_page.tables[1]
    assert retention.rows[0][1] == (
        "Account data is held for so long as an account exists. Information is erased within "
        "thirty (30) days of the date the account is deleted."
    )
    adyen = policy_page.tables[3].rows[0]
    assert adyen[0] == "Adyen Singapore Pte Ltd. dpo@adyen.com"  # HTML entities decoded
    assert adyen[2] == "Encrypted transmission"  # double space collapsed
    for t in policy_page.tables:
        for row in t.rows:
            for cell in row:
                assert "  " not in cell and cell == cell.strip()


def test_sections_include_addenda_and_ignore_the_script_copy(policy_page):
    headings = [s.heading for s in policy_page.sections]
    for h in ("Data Retention", "Your Rights", "SOUTH KOREA", "California", "INDONESIA", "VIETNAM", "MODULES"):
        assert h in headings
    # the escaped JSON copy in <script> would double every sentence
    assert policy_page.text.count("We will retain your personal information as described below") == 1
    assert "\\u003c" not in policy_page.text and "k_1rhwjth" not in policy_page.text


def test_nested_list_items_are_read_once(policy_page):
    """<li><p>..</p><ul><li>..</li></ul></li>: the inner items appear once, not twice."""
    share = policy_page.sections_named("How We Share and Store Your Personal Information")[0].text
    assert share.count("comply with a legal obligation, process or request;") == 1
    ph = policy_page.sections_named("PHILIPPINES")[0].text
    assert ph.count("the processing is unlawful;") == 1


def test_page_header_holds_the_last_updated_stamp(policy_page):
    assert "Last updated: 2022-05-25 11:14:57" in policy_page.sections[0].text


def test_no_article_is_a_policy_error(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><body><p>nothing</p></body></html>", encoding="utf-8")
    with pytest.raises(PolicySpecError, match="no rendered article"):
        parse_page(page)


def test_cli_extract_summary_and_json():
    out = subprocess.run([str(CLI), "policy", "extract", str(SOURCE_HTML)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "4 tables" in out.stdout and "14 data rows" in out.stdout
    out = subprocess.run([str(CLI), "policy", "extract", str(SOURCE_HTML), "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [len(t["rows"]) for t in data["tables"]] == [14, 13, 4, 5]


def test_section_map_keeps_repeated_headings(policy_page):
    sections = policy_page.section_map()
    assert "Adyen Singapore Pte Ltd." in sections["How We Share and Store Your Personal Information (2)"]
    assert "Related group companies" in sections["How We Share and Store Your Personal Information"]
    assert sections["SAUDI ARABIA"].startswith("You consent to the disclosure")

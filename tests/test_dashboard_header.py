"""The dashboard header's parts: navigation, title, the run's time in words."""

from nbformat.v4 import new_markdown_cell, new_notebook

from compliance_kit.reports.html import CARDS_MARKER, _when, export_html, navigation, page_title


def test_navigation_leads_to_the_overview_siblings_and_all_runs():
    links = navigation("data_flows", ["policy_overview", "data_flows", "retention_compliance", "my_report"])
    assert [link["href"] for link in links] == [
        "index.html", "retention_compliance.html", "data_flows.html", "policy_overview.html",
        "my_report.html", "../index.html"]
    assert [link["label"] for link in links if link["current"]] == ["Data flows"]
    assert links[4]["label"] == "My report"


def test_title_and_times_in_words():
    assert page_title("Retention compliance", "2026-10-31") == "Retention compliance — as of 31 October 2026"
    assert page_title("Policy overview", None) == "Policy overview"
    assert _when("2026-11-29T21:27:58+00:00") == "29 November 2026, 21:27 UTC"
    assert _when("2026-11-29T23:30:00+02:00") == "29 November 2026, 21:30 UTC"


def test_page_alone_has_its_title_once_and_a_place_for_the_cards(tmp_path):
    nb = new_notebook(cells=[new_markdown_cell("# Retention compliance\n\nWhat this page answers.")])
    page = export_html(nb, tmp_path / "retention_compliance.html", {
        "as_of": "2026-10-31", "run_id": "r1", "run_date": "2026-11-29T21:27:58+00:00", "policy": "p",
        "effective": {"as_of": "2026-10-31", "jurisdictions": None, "reading": "strictest", "k": 5},
    }).read_text(encoding="utf-8")
    assert "<title>Retention compliance — as of 31 October 2026</title>" in page
    # <title>, the current page in the navigation, the header's <h1>: the notebook's own
    # "# Retention compliance" heading is dropped
    assert page.count("Retention compliance") == 3
    assert page.count("<h1") == 1 and 'id="Retention-compliance"' not in page
    assert "What this page answers." in page
    assert CARDS_MARKER in page, "the runner fills the cards in when the run's metrics exist"
    assert "all jurisdictions; the strictest reading of the policy" in page
    assert "29 November 2026, 21:27 UTC" in page

import re

from compliance_kit.privacy.escaping import escape
import polars as pl

from compliance_kit.tables import show


def test_values_are_escaped_and_formatted():
    df = pl.DataFrame({"name": ['=HYPERLINK("http://x")', "<script>alert(1)</script>", None],
                       "count": [1234567, 3, None], "flag": [True, False, None]})
    html = show(df)._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "=HYPERLINK(&quot;http://x&quot;)" in html
    assert "1,234,567" in html
    assert html.count("–") == 3  # one null per column
    assert ">yes<" in html and ">no<" in html


def test_long_tables_say_how_much_is_shown():
    html = show(pl.DataFrame({"n": list(range(10))}), max_rows=4)._repr_html_()
    assert html.count("<tr>") == 5  # header + 4 rows
    assert "4 of 10 rows shown" in html


def test_install_makes_ipython_show_frames_as_tables():
    from IPython.core.interactiveshell import InteractiveShell

    from compliance_kit.tables import install

    shell = InteractiveShell.instance()
    try:
        install()
        data, _ = shell.display_formatter.format(pl.DataFrame({"who": ["<b>x</b>"], "n": [12345]}))
        assert 'class="ck-table"' in data["text/html"]
        assert "&lt;b&gt;x&lt;/b&gt;" in data["text/html"] and "12,345" in data["text/html"]
    finally:
        InteractiveShell.clear_instance()


def test_suppressed_counts_align_as_numbers():
    html = show(pl.DataFrame({"jurisdiction": ["FR", "DE"], "records": ["2000", "<5"]}))._repr_html_()
    assert '<td style="text-align:right">2,000</td>' in html
    assert '<td style="text-align:right">&lt;5</td>' in html
    assert '<td style="text-align:left">FR</td>' in html


def test_lists_read_as_text():
    html = show(pl.DataFrame({"categories": [["account_data", "credit_card"]]}))._repr_html_()
    assert "account_data, credit_card" in html and "[" not in html


def test_an_all_digit_pseudonym_in_a_text_column_is_not_formatted_as_a_number():
    from compliance_kit.tables import Table

    html = Table(pl.DataFrame({"record": ["453517967582", "a1b2c3d4e5f6"], "n": ["12345", "<5"]}))._repr_html_()
    assert "453517967582" in html and "453,517" not in html
    assert "12,345" in html, "a suppressed count column is still formatted"


# ------------------------------------------------------------------ tables for people

def test_an_empty_table_is_a_sentence():
    html = show(pl.DataFrame({"jurisdiction": [], "requests": []}, schema={"jurisdiction": pl.String, "requests": pl.Int64}),
                empty="No request fell under a rule without a fixed deadline.")._repr_html_()
    assert "<table" not in html
    assert '<p class="ck-empty">No request fell under a rule without a fixed deadline.</p>' == html


def test_a_long_table_shows_the_top_rows_and_the_rest_behind_show_all():
    df = pl.DataFrame({"jurisdiction": [f"J{i:02d}" for i in range(40)], "overdue": [i * 7 % 40 + 5 for i in range(40)]})
    html = show(df, rank_by="overdue", top=5)._repr_html_()
    preview, rest = html.split("<details", 1)
    assert preview.count("<tr>") == 1 + 5
    worst = df.sort("overdue", descending=True)["jurisdiction"].head(5).to_list()
    assert re.findall(r">(J\d\d)<", preview) == worst, "the rows most worth acting on come first"
    assert "Show all 40 rows" in rest and rest.count("<tr>") == 1 + 40
    assert "most overdue first" in preview


def test_a_long_list_reads_as_its_count_and_a_quote_sits_behind_details():
    cats = [f"category_{i}" for i in range(13)]
    quote = "We keep your information for as long as it is necessary to provide the Platform " * 3
    html = show(pl.DataFrame({"categories": [cats], "source_quote": [quote]}))._repr_html_()
    assert "<summary>13 values</summary>" in html
    assert '<details class="ck-quote"><summary>We keep your information' in html
    assert escape(quote.strip()) in html or escape(quote) in html


def test_rows_all_suppressed_collapse_into_other():
    df = pl.DataFrame({"jurisdiction": ["FR", "IS", "PT", "MT"], "records": ["2000", "<5", "<5", "<5"],
                       "overdue": ["30", "<5", "<5", "<5"]})
    html = show(df)._repr_html_()
    assert ">IS<" not in html and ">PT<" not in html and ">MT<" not in html
    assert "other (3 groups under 5)" in html
    assert html.count("<tr") == 1 + 2
    one = show(df.head(2))._repr_html_()
    assert ">IS<" in one, "a single suppressed row stays as it is"


def test_column_headers_and_numbers_read_in_the_one_format():
    html = show(pl.DataFrame({"region": ["EEA"], "performance_pct": [85.923], "overdue_rate": [0.010271],
                              "bytes": [418_519_608]}))._repr_html_()
    assert "answered in time (%)" in html and "share overdue" in html and "volume" in html
    assert "performance_pct" not in html and "overdue_rate" not in html
    assert ">85.9%<" in html and ">1.0%<" in html and ">399.1 MB<" in html


def test_new_elements_escape_their_values():
    evil = "<img src=x onerror=alert(1)>"
    html = show(pl.DataFrame({"source_quote": [evil * 10], "tags": [[evil] * 6], evil: ["x"]}))._repr_html_()
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_durations_read_in_words():
    html = show(pl.DataFrame({"category": ["support_tickets", "account_data"], "max_delay": ["PT24H", "P30D"]}))._repr_html_()
    assert ">24 hours<" in html and ">30 days<" in html and "PT24H" not in html and "P30D" not in html


def test_durations_inside_text_read_in_words():
    html = show(pl.DataFrame({"description": ["erase within P30D after account_deleted, or PT24H"]}))._repr_html_()
    assert "erase within 30 days after account_deleted, or 24 hours" in html


def test_collapse_can_be_turned_off_when_each_row_is_a_finding():
    df = pl.DataFrame({"route": ["KR>SG", "KR>US", "CN>HK"], "transfers": ["hidden", "hidden", "hidden"]})
    html = show(df, collapse=False)._repr_html_()
    assert ">KR&gt;US<" in html and "other (" not in html
    assert "other (3 groups, counts hidden)" in show(df)._repr_html_()


def test_a_float_column_reads_with_one_precision():
    html = show(pl.DataFrame({"category": ["a", "b", "c"], "p95": [0.5435, 4.6, 35.2]}))._repr_html_()
    assert ">0.5<" in html and ">4.6<" in html and ">35.2<" in html
    html = show(pl.DataFrame({"category": ["a", "b"], "p50": [0.1545, 0.0995]}))._repr_html_()
    assert ">0.155<" in html or ">0.154<" in html
    assert ">0.100<" in html or ">0.099<" in html

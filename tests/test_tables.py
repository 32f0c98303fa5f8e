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

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

"""The overview's queries and chart, on the store built from the bundled policy."""

import polars as pl
import pytest

from compliance_kit.analysis import policy_overview as overview
from compliance_kit.store import connect

from conftest_policy import policy_store  # noqa: F401 - the shared store of the bundled policy


@pytest.fixture(scope="module")
def con(policy_store):
    con = connect(policy_store[0], read_only=True)
    yield con
    con.close()


def test_jurisdiction_matrix_resolves_through_the_hierarchy(con):
    matrix = overview.jurisdiction_matrix(con)
    france = matrix.filter(pl.col("jurisdiction") == "FR").row(0, named=True)
    # France states no deadline of its own: the EEA's month, from the policy, applies.
    assert france["deadline_from"] == "EEA"
    assert france["access_deadline"] == "1 calendar month"
    assert france["extension"] == "+2 calendar months"
    assert france["deadline_basis"] == "policy"
    california = matrix.filter(pl.col("jurisdiction") == "US-CA").row(0, named=True)
    assert california["access_deadline"] == "45 calendar days"
    indonesia = matrix.filter(pl.col("jurisdiction") == "ID").row(0, named=True)
    assert indonesia["minimum_age"] == 21 and indonesia["age_from"] == "ID"
    assert matrix.filter(pl.col("jurisdiction") == "GLOBAL")["minimum_age"].item() == 14


def test_every_policy_jurisdiction_has_a_row(con):
    matrix = overview.jurisdiction_matrix(con)
    rules = con.sql("SELECT DISTINCT jurisdiction FROM jurisdiction_rules").pl()
    assert set(rules["jurisdiction"]) <= set(matrix["jurisdiction"])
    assert matrix["jurisdiction"].is_unique().all()


def test_headline_counts_match_the_tables(con):
    figures = overview.headline(con, pl.DataFrame({"x": [1, 2]}))
    assert figures["categories"] == 13
    assert figures["modules"] == 39
    assert figures["conflicts"] == 2
    assert figures["statute_rules"] + con.sql(
        "SELECT count(*) FROM request_deadline_rules WHERE basis = 'policy'").fetchall()[0][0] \
        == figures["deadline_rules"]


def test_retention_chart_separates_table_and_text_periods(con):
    spec = overview.retention_chart(overview.retention_periods(con)).to_dict()
    bars, rules = spec["layer"][0], spec["layer"][1]
    assert bars["mark"]["type"] == "bar" and rules["mark"]["type"] == "rule"
    datasets = spec["datasets"]
    bar_rows = datasets[bars["data"]["name"]]
    rule_rows = datasets[rules["data"]["name"]]
    assert len(bar_rows) == 13  # one bar per category of the retention table
    assert {r["max_delay"] for r in rule_rows} == {"P10D"}
    assert "every category" not in {r["category"] for r in bar_rows}

"""The policy at a glance: what it promises, per category and per jurisdiction, and
where it contradicts itself. Queries live in sql/policy_overview_*.sql.

Everything here is the policy, not people: its counts (rules, categories, ...) are never
hidden (figure kind "rules"). Its text is not trusted all the same (a title or a quote can
hold markup): Markdown goes through `md()`, tables through `tables.show`.
"""

from __future__ import annotations

import altair as alt
import duckdb
import polars as pl

from .. import engines
from ..contract import Contract, common_parameters
from ..privacy.escaping import md

# The report's parameters, declared once (the runner and the notebook check against it):
# the policy does not depend on the day, but the run records it like every report's.
CONTRACT = Contract("policy_overview", common_parameters(
    as_of_help="the day the run is recorded as of (the policy shown is the store's)"))


def retention_periods(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every erasure and minimum-retention rule we hold (the table, the text under it, addenda)."""
    return engines.of(con).query("policy_overview_retention.sql")


def jurisdiction_matrix(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Minimum age, access deadline and extension, transfer consent, each resolved for the
    jurisdiction through the hierarchy, with the basis (policy or statute) and confidence."""
    return engines.of(con).query("policy_overview_jurisdictions.sql")


def processors(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return engines.of(con).query("policy_overview_processors.sql")


def declared_transfers(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Declared flows with their categories folded into one readable cell."""
    return engines.of(con).query("policy_overview_transfers.sql")


def policy_version(con: duckdb.DuckDBPyConnection) -> dict:
    (row,) = engines.of(con).query("policy_overview_version.sql").iter_rows(named=True)
    return row


def version_markdown(version: dict):
    """The policy's title line (an IPython Markdown object), every value escaped."""
    sha = version.get("source_sha256") or ""
    return md("**{title}**, version {version} (policy {policy_id}, source sha256 {sha}…)",
              title=version.get("title"), version=version.get("version"),
              policy_id=version.get("policy_id"), sha=sha[:12])


def headline(con: duckdb.DuckDBPyConnection, conflicts: pl.DataFrame) -> dict:
    """The figures the overview publishes to metrics.json under `policy.*`."""
    counts = engines.of(con).query("policy_overview_headline.sql").row(0, named=True)
    return {**counts, "conflicts": conflicts.height}


def retention_chart(periods: pl.DataFrame) -> alt.LayerChart:
    """Bars: the longest each category may be kept after its trigger (the retention table).
    Dashed rules: the general periods stated under the table for every category (10 days
    after a deletion request or account deletion), which contradict the longer bars."""
    erase = periods.filter(pl.col("kind") == "erase_within")
    per_category = erase.filter(pl.col("category_id").is_not_null()).select(
        "category", "trigger_event", "max_delay", "approx_days", "rule_set"
    )
    general = (
        erase.filter(pl.col("category_id").is_null())
        .group_by("approx_days", "max_delay")
        .agg(pl.col("trigger_event").sort().str.join(", ").alias("trigger_event"))
        .sort("approx_days")
    )
    bars = (
        alt.Chart(per_category)
        .mark_bar()
        .encode(
            y=alt.Y("category:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("approx_days:Q", title="maximum days after the trigger until erasure"),
            color=alt.Color("trigger_event:N", title="clock starts at"),
            tooltip=["category", "trigger_event", "max_delay", "rule_set"],
        )
    )
    rules = (
        alt.Chart(general)
        .mark_rule(strokeDash=[4, 3], color="#c62828")
        .encode(x="approx_days:Q", tooltip=["max_delay", "trigger_event"])
    )
    labels = rules.mark_text(align="left", dx=4, dy=-6, color="#c62828", y=0).encode(
        text=alt.Text("max_delay:N")
    )
    return (bars + rules + labels).properties(
        title="Promised erasure periods by data category (dashed: the text's general periods)",
        height=alt.Step(16),
    )

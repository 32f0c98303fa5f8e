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
    """Bars: the longest each category may be kept after its trigger (the retention table),
    each labelled with its period in words, so that a 0-day or 24-hour period (no visible
    bar beside five years) still shows. Dashed rules: the general periods stated under the
    table for every category (10 days after a deletion request or account deletion), which
    contradict the longer bars."""
    from ..charts import LABEL_WORDS, STATUS_COLOURS
    from ..params_words import duration_words

    erase = periods.filter(pl.col("kind") == "erase_within")
    per_category = erase.filter(pl.col("category_id").is_not_null()).select(
        "category", "trigger_event", "max_delay", "approx_days", "rule_set"
    ).with_columns(pl.col("max_delay").map_elements(duration_words, return_dtype=pl.String).alias("period"))
    general = (
        erase.filter(pl.col("category_id").is_null())
        .group_by("approx_days", "max_delay")
        .agg(pl.col("trigger_event").sort().str.join(", ").alias("trigger_event"))
        .sort("approx_days")
        .with_columns(pl.col("max_delay").map_elements(duration_words, return_dtype=pl.String).alias("period"))
    )
    y = alt.Y("category:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260))
    bars = (
        alt.Chart(per_category)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("approx_days:Q", title="maximum days after the trigger until erasure"),
            # the legend below: the period labels right of the longest bars need the room
            color=alt.Color("trigger_event:N", legend=alt.Legend(title="clock starts at", orient="bottom", columns=2,
                                                                 labelExpr=LABEL_WORDS)),
            tooltip=[alt.Tooltip("category:N", title="category"),
                     alt.Tooltip("period:N", title="erase within"),
                     alt.Tooltip("trigger_event:N", title="clock starts at"),
                     alt.Tooltip("rule_set:N", title="rule set")],
        )
    )
    # the period in words at the end of each bar: a 0-day bar has no length to see
    bar_labels = bars.mark_text(align="left", dx=3, fontSize=10, color="#222222").encode(
        text=alt.Text("period:N"), color=alt.value("#222222"))
    rule_colour = STATUS_COLOURS["overdue"]
    rules = (
        alt.Chart(general)
        .mark_rule(strokeDash=[4, 3], color=rule_colour)
        .encode(x="approx_days:Q", tooltip=[alt.Tooltip("period:N", title="erase within"),
                                            alt.Tooltip("trigger_event:N", title="after")])
    )
    labels = rules.mark_text(align="left", dx=4, dy=-6, color=rule_colour, y=0).encode(
        text=alt.Text("period:N")
    )
    return (bars + rules + bar_labels + labels).properties(
        title=alt.TitleParams(
            "Promised erasure periods by data category",
            subtitle="Dashed: the text's general periods. Each bar is labelled with its period: "
                     "a period of 0 days or 24 hours has almost no length."),
        height=alt.Step(16), width=560,
    )

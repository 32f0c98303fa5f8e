"""Data flows: what the policy declares about cross-border transfers against the
transfers that happen.

The logic lives in sql/flows_*.sql; this module composes those files with common table
expressions (`scoped` -> `monthly` -> `transfer_keys` -> `classified_keys` ->
`flow_summary`), binds the parameters and returns Polars.

- `declared_flows(con)`: the declared flows, one row each, with their quote.
- `classify_transfers(con, ...)`: one row per observed transfer, ONE class each
  (`CLASSIFICATIONS`, first that applies), the flow it matched and the rule broken.
- `metric_set(con, ...)`: what the notebook and the bench use. ONE pass over the
  transfers on the store (`monthly`: sums per month and classification key); the
  classification of the distinct keys and every roll-up (volumes, matrix, breakdown,
  findings, headline) then run in a private in-memory DuckDB over that small
  aggregate and copies of the four policy tables they read.
- `summary(con, ...)`: the classified monthly aggregate, for analysts.
- `recipient_retention(con)`: declared recipients and their retention as written.
- Charts: `heatmap_chart`, `recipient_volume_chart`, `classification_chart`.

Filters (all optional): `window_start` / `window_end` (dates, both days included),
`as_of` (nothing after that day), `source_jurisdictions` (codes; a bloc such as EEA,
or GLOBAL, selects every jurisdiction under it).
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import duckdb
import polars as pl

from ..charts import STATUS_COLOURS
from ..errors import ParameterError
from ..paths import read_sql
from ..reports.params import parse_optional_date as _date

CLASSIFICATIONS = (
    "undeclared_recipient",
    "undeclared_destination",
    "undeclared_category",
    "missing_mechanism",
    "unencrypted",
    "declared",
)
UNDECLARED = CLASSIFICATIONS[:3]
NONCONFORMING = ("missing_mechanism", "unencrypted")

# Green for declared (the shared status colour), reds for undeclared, ambers for a
# declared flow used without its safeguard.
CLASSIFICATION_COLOURS = {
    "undeclared_recipient": "#b71c1c",
    "undeclared_destination": "#e53935",
    "undeclared_category": "#ef9a9a",
    "missing_mechanism": "#ef6c00",
    "unencrypted": "#ffb300",
    "declared": STATUS_COLOURS.get("declared", "#2e7d32"),
}

HEADLINE_KEYS = (
    "transfers", "records", "bytes", "share_declared_records", "share_declared_bytes",
    "undeclared_transfers", "nonconforming_transfers",
)


# --------------------------------------------------------------------------- params

def validate_parameters(window_start=None, window_end=None, source_jurisdictions=None,
                        as_of=None) -> dict:
    """Check the data-flow notebook's own parameters (the common ones go through
    `compliance_kit.reports.params.validate_common`). Returns them parsed; raises
    ParameterError with what to fix."""
    start = _date("window_start", window_start)
    end = _date("window_end", window_end)
    as_of_d = _date("as_of", as_of)
    if start and end and start > end:
        raise ParameterError(f"window_start ({start}) is after window_end ({end}): swap them")
    if start and as_of_d and start > as_of_d:
        raise ParameterError(f"window_start ({start}) is after as_of ({as_of_d}): nothing to report")
    sources = source_jurisdictions
    if sources is not None:
        if isinstance(sources, str):
            sources = [sources]
        if (not isinstance(sources, (list, tuple)) or not sources
                or not all(isinstance(s, str) and s.strip() for s in sources)):
            raise ParameterError(
                "parameter source_jurisdictions must be None or a non-empty list of jurisdiction "
                f"codes such as ['FR', 'EEA'], not {source_jurisdictions!r}")
        sources = [s.strip().upper() for s in sources]
    return {"window_start": start, "window_end": end, "as_of": as_of_d,
            "source_jurisdictions": sources}


def check_sources(con: duckdb.DuckDBPyConnection, source_jurisdictions) -> list[str] | None:
    """ParameterError for a source code that is neither a known jurisdiction nor a
    source seen in the transfers (a typo would otherwise give an empty report)."""
    sources = validate_parameters(source_jurisdictions=source_jurisdictions)["source_jurisdictions"]
    if sources is None:
        return None
    known = {r[0] for r in con.sql(
        "SELECT code FROM jurisdictions UNION SELECT DISTINCT source_jurisdiction FROM transfers"
    ).fetchall()}
    unknown = [s for s in sources if s not in known]
    if unknown:
        raise ParameterError(
            f"parameter source_jurisdictions: unknown code(s) {unknown}; use ISO 3166 codes "
            "(FR, US-CA), a bloc (EEA) or GLOBAL")
    return sources


def _params(window_start=None, window_end=None, as_of=None, source_jurisdictions=None) -> dict:
    p = validate_parameters(window_start, window_end, source_jurisdictions, as_of)
    return {"window_start": p["window_start"], "window_end": p["window_end"],
            "as_of": p["as_of"], "sources": p["source_jurisdictions"]}


# --------------------------------------------------------------------------- queries

def _with(ctes: list[tuple[str, str]], final: str) -> str:
    """WITH name AS (sql), ... final. Names are our own, never input."""
    return "WITH " + ",\n".join(f"{name} AS (\n{sql}\n)" for name, sql in ctes) + "\n" + final


def _keys_sql(relation: str) -> str:
    return read_sql("flows_transfer_keys.sql").replace("{relation}", relation)


# The policy tables the classification reads (copied into the in-memory rollup DB).
POLICY_INPUTS = ("declared_transfers", "declared_transfer_categories",
                 "jurisdiction_lineage", "jurisdiction_rules")


def declared_flows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The declared flows: source scope, recipient, destination, categories (a list),
    method, encryption, mechanism, purpose, recipient retention, quote."""
    return con.sql(read_sql("flows_declared.sql")).pl()


def recipient_retention(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The declared (named) recipients and how long each keeps the data."""
    return con.sql(read_sql("flows_recipient_retention.sql")).pl()


def classify_transfers(con: duckdb.DuckDBPyConnection, *, window_start=None, window_end=None,
                       as_of=None, source_jurisdictions=None) -> pl.DataFrame:
    """One row per transfer in scope with `classification`, `flow_id` (the declared flow
    it matched, NULL if undeclared), `nearest_flow_id`, `rule_broken`, `rule_quote`.
    Holds transfer ids and one row per transfer: for drill-down and tests, not for
    shared reports nor for millions of rows (use `metric_set`)."""
    sql = _with([("scoped", read_sql("flows_scope.sql")),
                 ("transfer_keys", _keys_sql("scoped")),
                 ("classified_keys", read_sql("flows_classify_keys.sql"))],
                read_sql("flows_transfers.sql"))
    return con.sql(sql, params=_params(window_start, window_end, as_of, source_jurisdictions)).pl()


def _monthly_arrow(con, params: dict):
    sql = _with([("scoped", read_sql("flows_scope.sql"))], read_sql("flows_monthly.sql"))
    return con.sql(sql, params=params).to_arrow_table()


def monthly(con: duckdb.DuckDBPyConnection, *, window_start=None, window_end=None,
            as_of=None, source_jurisdictions=None) -> pl.DataFrame:
    """The one pass over the transfers: in scope, summed per month (UTC) and
    classification key (source, recipient, destination, category, mechanism,
    encrypted): transfers, records, bytes."""
    params = _params(window_start, window_end, as_of, source_jurisdictions)
    return pl.from_arrow(_monthly_arrow(con, params))


class _RollupDB:
    """An in-memory DuckDB holding the monthly aggregate and copies of the (small)
    policy tables the classification reads: classification and roll-ups run there,
    over thousands of rows, and the store's connection is left untouched.

    Relations: `monthly`, the policy inputs, and two tables: `classified_keys` (one row
    per key with class, matched flow and rule broken) and `flow_summary` (monthly with
    its key's classification and flow, sql/flows_summary.sql)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, monthly_table):
        self.mem = duckdb.connect()
        try:
            self.mem.execute("SET TimeZone = 'UTC'")
            self.mem.register("monthly", monthly_table)  # an Arrow table
            for table in POLICY_INPUTS:
                self.mem.register(table, con.sql(f"SELECT * FROM {table}").to_arrow_table())
            self.mem.execute(
                "CREATE TABLE classified_keys AS "
                + _with([("transfer_keys", _keys_sql("monthly")),
                         ("classified", read_sql("flows_classify_keys.sql"))],
                        "SELECT * FROM classified"))
            self.mem.execute("CREATE TABLE flow_summary AS " + read_sql("flows_summary.sql"))
        except BaseException:
            self.mem.close()
            raise

    def sql(self, name: str) -> pl.DataFrame:
        return self.mem.sql(read_sql(name)).pl()

    def close(self):
        self.mem.close()


@dataclass
class FlowMetrics:
    """Every figure of the data-flow report (see docs/metrics-flows.md)."""
    monthly: pl.DataFrame      # month x classification key: transfers, records, bytes
    keys: pl.DataFrame         # one row per key: classification, flow_id, rule broken + quote
    volumes: pl.DataFrame      # month x source x destination x recipient, declared part
    matrix: pl.DataFrame       # source x destination, declared share
    breakdown: pl.DataFrame    # per classification (all six, zeros included)
    findings: pl.DataFrame     # undeclared / non-conforming flows aggregated, with the rule
    usage: pl.DataFrame        # each declared flow: transfers matched, conforming or not
    headline: dict             # HEADLINE_KEYS + undeclared_flows


def _breakdown(got: pl.DataFrame) -> pl.DataFrame:
    order = pl.DataFrame({"classification": list(CLASSIFICATIONS),
                          "rank": list(range(len(CLASSIFICATIONS)))})
    return (
        order.join(got, on="classification", how="left")
        .with_columns(pl.col("transfers", "records", "bytes").fill_null(0))
        .sort("rank")
        .drop("rank")
    )


def metric_set(con: duckdb.DuckDBPyConnection, *, window_start=None, window_end=None,
               as_of=None, source_jurisdictions=None) -> FlowMetrics:
    """Every figure the notebook shows, from one pass over the transfers."""
    arrow = _monthly_arrow(con, _params(window_start, window_end, as_of, source_jurisdictions))
    db = _RollupDB(con, arrow)
    try:
        return FlowMetrics(
            monthly=pl.from_arrow(arrow),
            keys=db.mem.sql("SELECT * FROM classified_keys ORDER BY ALL").pl(),
            volumes=db.sql("flows_volumes.sql"),
            matrix=db.sql("flows_matrix.sql"),
            breakdown=_breakdown(db.sql("flows_breakdown.sql")),
            findings=db.sql("flows_findings.sql"),
            usage=db.sql("flows_usage.sql"),
            headline=db.sql("flows_headline.sql").row(0, named=True),
        )
    finally:
        db.close()


def summary(con: duckdb.DuckDBPyConnection, *, window_start=None, window_end=None,
            as_of=None, source_jurisdictions=None) -> pl.DataFrame:
    """Month x classification key with its classification and matched flow, and
    transfers / records / bytes: for analysts slicing their own way (the rule each key
    breaks is in `metric_set(...).keys`)."""
    arrow = _monthly_arrow(con, _params(window_start, window_end, as_of, source_jurisdictions))
    db = _RollupDB(con, arrow)
    try:
        return db.mem.sql("SELECT * FROM flow_summary ORDER BY ALL").pl()
    finally:
        db.close()


def recipient_monthly(flow_volumes: pl.DataFrame) -> pl.DataFrame:
    """Records, bytes and transfers per month and recipient (for the time chart)."""
    return (
        flow_volumes.group_by("month", "recipient")
        .agg(pl.col("transfers", "records", "bytes", "declared_records").sum())
        .sort("month", "recipient")
    )


def format_bytes(n) -> str:
    """1536 -> '1.5 KB' (powers of 1024), for headlines."""
    if n is None:
        return "n/a"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} TB"


def format_share(x) -> str:
    return "n/a" if x is None else f"{x:.1%}"


# --------------------------------------------------------------------------- charts

def heatmap_chart(flow_matrix: pl.DataFrame, value: str = "records") -> alt.Chart:
    """Source jurisdiction x destination country, coloured by volume (`records`,
    `bytes` or `transfers`); the tooltip gives the declared share."""
    if value not in ("records", "bytes", "transfers"):
        raise ValueError(f"value must be records, bytes or transfers, not {value!r}")
    data = flow_matrix.select(
        "source_jurisdiction", "destination_country", "transfers", "records", "bytes",
        pl.col("share_declared_records").round(3),
    )
    base = alt.Chart(data).encode(
        x=alt.X("destination_country:N", title="destination country", sort="ascending"),
        y=alt.Y("source_jurisdiction:N", title="source jurisdiction", sort="ascending"),
    )
    cells = base.mark_rect().encode(
        # symlog: one busy route (KR -> SG) must not wash out every other cell
        color=alt.Color(f"{value}:Q", title=value, scale=alt.Scale(scheme="blues", type="symlog")),
        tooltip=["source_jurisdiction", "destination_country", "transfers", "records", "bytes",
                 alt.Tooltip("share_declared_records:Q", format=".1%", title="declared share")],
    )
    return cells.properties(
        title=f"Cross-border {value} by source and destination",
        width=alt.Step(28), height=alt.Step(18),
    )


def recipient_volume_chart(flow_volumes: pl.DataFrame, value: str = "records") -> alt.Chart:
    """Stacked monthly volume per recipient."""
    if value not in ("records", "bytes", "transfers"):
        raise ValueError(f"value must be records, bytes or transfers, not {value!r}")
    data = recipient_monthly(flow_volumes).select("month", "recipient", value)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title="month"),
            y=alt.Y(f"sum({value}):Q", title=value),
            color=alt.Color("recipient:N", title="recipient"),
            tooltip=[alt.Tooltip("yearmonth(month):T", title="month"), "recipient",
                     alt.Tooltip(f"sum({value}):Q", title=value)],
        )
        .properties(title=f"Transferred {value} per month, by recipient")
    )


def classification_chart(flow_breakdown: pl.DataFrame, value: str = "records") -> alt.Chart:
    """One bar per classification, in the classification order, with fixed colours."""
    if value not in ("records", "bytes", "transfers"):
        raise ValueError(f"value must be records, bytes or transfers, not {value!r}")
    data = flow_breakdown.select("classification", "transfers", "records", "bytes")
    order = list(CLASSIFICATIONS)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("classification:N", sort=order, title=None),
            x=alt.X(f"{value}:Q", title=value),
            color=alt.Color("classification:N", legend=None,
                            scale=alt.Scale(domain=order,
                                            range=[CLASSIFICATION_COLOURS[c] for c in order])),
            tooltip=["classification", "transfers", "records", "bytes"],
        )
        .properties(title=f"Transferred {value} by classification", height=alt.Step(22))
    )

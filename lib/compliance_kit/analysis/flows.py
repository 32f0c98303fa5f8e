"""Data flows: what the policy declares about cross-border transfers against the
transfers that happen.

The logic lives in sql/flows_*.sql, each file naming the common table expressions it
reads (`scoped` -> `monthly` -> `transfer_keys` -> `classified_keys` -> `flow_summary`)
for compliance_kit.sql_compose; this module binds the parameters, runs the queries through
an engine (compliance_kit.engines; a DuckDB connection is the store's engine) and returns
Polars.

- `declared_flows(con)`: the declared flows, one row each, with their quote.
- `classify_transfers(con, ...)`: one row per observed transfer, ONE class each
  (`CLASSIFICATIONS`, first that applies), the flow it matched and the rule broken.
- `metric_set(engine, ...)`: what the notebook and the bench use. ONE pass over the
  transfers where they are (`monthly`: sums per month and classification key, on DuckDB
  or Spark); the classification of the distinct keys and every roll-up (volumes, matrix,
  breakdown, findings, headline) then run in DuckDB (`engine.local()`) over that small
  aggregate and the store's policy tables.
- `summary(con, ...)`: the classified monthly aggregate, for analysts.
- `recipient_retention(con)`: declared recipients and their retention as written.
- Shared output: `headline_sentence`, `headline_table`, `breakdown_for_display`,
  `findings_for_display`, `usage_for_display` (small counts hidden, with complements).
- Charts: `heatmap_chart`, `recipient_volume_chart`, `classification_chart`; each takes
  `k` and draws no group of fewer than k transfers.

Filters (all optional): `window_start` / `window_end` (dates, both days included),
`as_of` (nothing after that day), `source_jurisdictions` (codes; a bloc such as EEA,
or GLOBAL, selects every jurisdiction under it).
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import duckdb
import polars as pl

from .. import engines
from ..charts import CLASSIFICATION_COLOURS as _CLASSIFICATION_COLOURS
from ..charts import STATUS_COLOURS, empty_chart
from ..contract import (AsOf, Codes, Contract, OptionalDate, Param, StoreLookup, adapt_codes,
                        common_parameters, spark_needs_data, window_in_order)
from ..engines import Engine
from ..errors import ParameterError
from ..figures import figure, headline_frame, shown_section
from ..privacy.escaping import md
from ..privacy.linked import protect_linked
from ..privacy.suppression import HIDDEN, check_k, is_small, rate_shown, small_label

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

# The one palette's classification colours (charts.CLASSIFICATION_COLOURS): green for
# declared, vermillion, purple and black for the three undeclared kinds, orange and
# yellow for a declared flow used without its safeguard.
CLASSIFICATION_COLOURS = dict(_CLASSIFICATION_COLOURS)

HEADLINE_KEYS = (
    "transfers", "records", "bytes", "share_declared_records", "share_declared_bytes",
    "undeclared_transfers", "nonconforming_transfers",
)


# --------------------------------------------------------------------------- params

# The report's parameters, declared once: the runner checks -p and schedule values against
# them before any kernel starts, the notebook's first cell validates with the same call.
CONTRACT = Contract("data_flows", (
    *common_parameters(as_of_help="nothing after this day is counted (UTC)", engine=True),
    Param("window_start", OptionalDate(), None, "first day included (YYYY-MM-DD); None: from the first transfer"),
    Param("window_end", OptionalDate(), None, "last day included (YYYY-MM-DD); None: up to as_of"),
    Param("source_jurisdictions", Codes("jurisdictions"), None,
          "e.g. [\"EEA\", \"KR\"]: a bloc selects its members; None: all"),
), checks=(spark_needs_data, window_in_order))


def validate_parameters(window_start=None, window_end=None, source_jurisdictions=None,
                        as_of=None, lookup: StoreLookup | None = None) -> dict:
    """The filters of a library call, parsed by the contract's parsers (as_of optional
    here: None counts every transfer); `lookup` (the store) checks and canonicalises the
    codes. ParameterError says what to fix."""
    start = CONTRACT.param("window_start").parse(window_start, None)
    end = CONTRACT.param("window_end").parse(window_end, None)
    day = None if as_of is None else AsOf.parse(as_of)
    if start and end and start > end:
        raise ParameterError(f"parameter window_start ({start}) is after window_end ({end}): swap them")
    if start and day and start > day.day:
        raise ParameterError(f"parameter window_start ({start}) is after as_of ({day}): nothing to report")
    return {"window_start": start, "window_end": end, "as_of": day,
            "source_jurisdictions": adapt_codes(CONTRACT.param("source_jurisdictions"),
                                                source_jurisdictions, lookup)}


def check_sources(con: duckdb.DuckDBPyConnection, source_jurisdictions) -> list[str] | None:
    """The codes in the store's spelling ('kr' -> 'KR'); ParameterError for one the store
    does not know (a typo would otherwise give an empty report)."""
    codes = validate_parameters(source_jurisdictions=source_jurisdictions,
                                lookup=StoreLookup(con))["source_jurisdictions"]
    return None if codes is None else list(codes)


def _params(window_start=None, window_end=None, as_of=None, source_jurisdictions=None,
            lookup: StoreLookup | None = None) -> dict:
    """The parameters of flows_scope.sql: `$as_of_end` is the end of the as-of day
    (contract.AsOf.end, exclusive), NULL for no limit."""
    p = validate_parameters(window_start, window_end, source_jurisdictions, as_of, lookup)
    sources = p["source_jurisdictions"]
    return {"window_start": p["window_start"], "window_end": p["window_end"],
            "as_of_end": None if p["as_of"] is None else p["as_of"].end,
            "sources": None if sources is None else list(sources)}


# --------------------------------------------------------------------------- queries

def declared_flows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The declared flows: source scope, recipient, destination, categories (a list),
    method, encryption, mechanism, purpose, recipient retention, quote."""
    return engines.of(con).query("flows_declared.sql")


def recipient_retention(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The declared (named) recipients and how long each keeps the data."""
    return engines.of(con).query("flows_recipient_retention.sql")


def classify_transfers(con: duckdb.DuckDBPyConnection, *, window_start=None, window_end=None,
                       as_of=None, source_jurisdictions=None) -> pl.DataFrame:
    """One row per transfer in scope with `classification`, `flow_id` (the declared flow
    it matched, NULL if undeclared), `nearest_flow_id`, `rule_broken`, `rule_quote`.
    Holds transfer ids and one row per transfer: for drill-down and tests, not for
    shared reports nor for millions of rows (use `metric_set`)."""
    engine = engines.of(con)
    return engine.query("flows_transfers.sql", _params(window_start, window_end, as_of, source_jurisdictions,
                                                       StoreLookup(engine.store.con)),
                        relation="scoped")


def _monthly(engine: Engine, params: dict) -> pl.DataFrame:
    return engine.query("flows_monthly.sql", params)


def monthly(con: duckdb.DuckDBPyConnection, *, window_start=None, window_end=None,
            as_of=None, source_jurisdictions=None) -> pl.DataFrame:
    """The one pass over the transfers: in scope, summed per month (UTC) and
    classification key (source, recipient, destination, category, mechanism,
    encrypted): transfers, records, bytes."""
    engine = engines.of(con)
    params = _params(window_start, window_end, as_of, source_jurisdictions, StoreLookup(engine.store.con))
    return _monthly(engine, params)


def _rollup(engine: Engine, monthly_frame: pl.DataFrame) -> Engine:
    """The classification and roll-ups over the monthly aggregate, in DuckDB
    (engine.local(): the store's connection, or a connection to it under Spark), over
    thousands of rows. Leaves there the relations the roll-up queries read: `monthly`, and
    the tables `classified_keys` (one row per key with class, matched flow and rule
    broken: flows_classify_keys.sql) and `flow_summary` (monthly with its key's
    classification and flow: flows_summary.sql)."""
    local = engine.local()
    local.register("monthly", monthly_frame)
    local.materialise("classified_keys", "flows_classify_keys.sql", relation="monthly")
    local.materialise("flow_summary", "flows_summary.sql")
    return local


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


def metric_set(engine, *, window_start=None, window_end=None,
               as_of=None, source_jurisdictions=None) -> FlowMetrics:
    """Every figure the notebook shows, from one pass over the transfers where they are
    (`engine`: an engine of compliance_kit.engines, or the store's DuckDB connection);
    the roll-ups then run in DuckDB over the small monthly aggregate (_rollup)."""
    engine = engines.of(engine)
    con = engine.store.con  # the store: codes are looked up there
    monthly_frame = _monthly(engine, _params(window_start, window_end, as_of, source_jurisdictions,
                                             StoreLookup(con)))
    local = _rollup(engine, monthly_frame)
    return FlowMetrics(
        monthly=monthly_frame,
        keys=local.query("flows_keys.sql"),
        volumes=local.query("flows_volumes.sql"),
        matrix=local.query("flows_matrix.sql"),
        breakdown=_breakdown(local.query("flows_breakdown.sql")),
        findings=local.query("flows_findings.sql"),
        usage=local.query("flows_usage.sql"),
        headline=local.query("flows_headline.sql").row(0, named=True),
    )


def summary(con: duckdb.DuckDBPyConnection, *, window_start=None, window_end=None,
            as_of=None, source_jurisdictions=None) -> pl.DataFrame:
    """Month x classification key with its classification and matched flow, and
    transfers / records / bytes: for analysts slicing their own way (the rule each key
    breaks is in `metric_set(...).keys`)."""
    engine = engines.of(con)
    monthly_frame = _monthly(engine, _params(window_start, window_end, as_of, source_jurisdictions,
                                             StoreLookup(engine.store.con)))
    return _rollup(engine, monthly_frame).query("flows_summary_rows.sql")


def recipient_monthly(flow_volumes: pl.DataFrame) -> pl.DataFrame:
    """Records, bytes and transfers per month and recipient (for the time chart)."""
    return (
        flow_volumes.group_by("month", "recipient")
        .agg(pl.col("transfers", "records", "bytes", "declared_records").sum())
        .sort("month", "recipient")
    )


# --------------------------------------------------------------------------- shared output
# What a shared page may show (docs/sharing.md). Transfers are the unit: a row of a flow
# table (a route, a classification, a finding, a chart cell) with fewer than k transfers,
# or fewer than k records, hides all its counts together. The breakdown, the findings and
# the usage table add up to each other and to the headline: they are protected together
# (privacy.linked), so that no hidden count can be worked out by subtraction.

def _hidden_rows(transfers: list, records: list, k: int) -> list[bool]:
    """Rows of a chart to leave out: those with 1..k-1 transfers or records, and, since
    all rows add up to the headline, a complement (the smallest visible row) when exactly
    one would be hidden."""
    check_k(k)
    t = [v or 0 for v in transfers]
    hidden = [is_small(a, k) or is_small(b, k) for a, b in zip(t, records)]
    if sum(hidden) == 1:
        visible = [i for i in range(len(t)) if not hidden[i]]
        nonzero = [i for i in visible if t[i] > 0] or visible
        if nonzero:
            hidden[min(nonzero, key=lambda i: (t[i], i))] = True
    return hidden


def _with_hidden(df: pl.DataFrame, hidden: list[bool], counts, for_chart: bool) -> pl.DataFrame:
    """`counts` of hidden rows as HIDDEN (text columns), or null (`for_chart`)."""
    mask = pl.Series(hidden, dtype=pl.Boolean)
    if for_chart:
        return df.with_columns(pl.when(pl.lit(mask)).then(None).otherwise(pl.col(c)).alias(c)
                               for c in counts)
    return df.with_columns(
        pl.Series(c, [None if v is None else (HIDDEN if h else str(int(v)))
                      for v, h in zip(df[c].to_list(), hidden)], dtype=pl.String)
        for c in counts)


def shown_headline(h: dict, k: int) -> dict[str, str]:
    """The headline figures as a shared page may write them ({key: text}), by the figures
    registry (which also hides the route count with the undeclared transfers)."""
    figures = {key: value for key, value in h.items() if value is not None}
    text = {s.key.split(".", 1)[1]: s.text for s in shown_section("flows", figures, k)}
    for key in h:
        text.setdefault(key, "–")
    return text


def headline_table(h: dict, k: int) -> pl.DataFrame:
    """compliance_kit.figures.headline_frame of the flows figures."""
    return headline_frame("flows", {key: value for key, value in h.items() if value is not None}, k)


def headline_sentence(h: dict, k: int, *, window_start=None, window_end=None, as_of=None,
                      source_jurisdictions=None):
    """The notebook's headline sentence (Markdown, every value escaped and every figure
    as `shown_headline` writes it)."""
    t = shown_headline(h, k)
    where = ", ".join(source_jurisdictions) if source_jurisdictions else "every source jurisdiction"
    span = f"{window_start or 'the first transfer'} to {window_end or as_of}"
    return md(
        "**{transfers} transfers** ({records} records, {bytes}) from {where}, {span}. "
        "Declared: **{share_records} of records**, {share_bytes} of bytes. "
        "Undeclared transfers: **{undeclared}** over {routes} source > recipient > destination "
        "flows; declared flows used without their mechanism or encryption: **{nonconforming}**.",
        transfers=t["transfers"], records=t["records"], bytes=t["bytes"], where=where, span=span,
        share_records=t["share_declared_records"], share_bytes=t["share_declared_bytes"],
        undeclared=t["undeclared_transfers"], routes=t["undeclared_flows"],
        nonconforming=t["nonconforming_transfers"])


def _joint_hidden(metrics: FlowMetrics, k: int) -> tuple[list[bool], list[bool], dict]:
    """Hidden rows of the breakdown and the findings and hidden cells of the usage table,
    protected together (privacy.linked): the sums a reader has are the headline's
    transfers (all six classifications), undeclared and non-conforming transfers (where
    the headline shows them); each
    classification = the sum of its findings; each declared flow's transfers = conforming
    + non-conforming; the conforming column = the declared classification; the
    non-conforming column = the two non-conforming classifications, and each flow's
    non-conforming transfers = the sum of its findings. A breakdown or finding row hides
    its transfers, records and bytes together; it is small when either count is."""
    breakdown, findings, usage = metrics.breakdown, metrics.findings, metrics.usage
    values, equations, hidden = {}, [], set()
    classes = breakdown["classification"].to_list()
    for c, t, r in zip(classes, breakdown["transfers"].to_list(), breakdown["records"].to_list()):
        values[("b", c)] = int(t or 0)
        if is_small(r, k):
            hidden.add(("b", c))
    # the headline's sums, where the headline shows them
    known = {key: text not in (HIDDEN, small_label(k), "–")
             for key, text in shown_headline(metrics.headline, k).items()}
    if known.get("transfers"):
        equations.append({("b", c): 1.0 for c in classes})
    if known.get("undeclared_transfers"):
        equations.append({("b", c): 1.0 for c in classes if c in UNDECLARED})
    if known.get("nonconforming_transfers"):
        equations.append({("b", c): 1.0 for c in classes if c in NONCONFORMING})
    f_classes = findings["classification"].to_list()
    for j, (t, r) in enumerate(zip(findings["transfers"].to_list(), findings["records"].to_list())):
        values[("f", j)] = int(t or 0)
        if is_small(r, k):
            hidden.add(("f", j))
    for c in classes:
        if c == "declared":
            continue
        eq = {("f", j): 1.0 for j, x in enumerate(f_classes) if x == c}
        eq[("b", c)] = -1.0
        equations.append(eq)
    flow_ids = usage["flow_id"].to_list()
    cols = ("transfers", "conforming_transfers", "nonconforming_transfers")
    for i, f in enumerate(flow_ids):
        for col in cols:
            values[("u", f, col)] = int(usage[col][i] or 0)
        equations.append({("u", f, "transfers"): 1.0, ("u", f, "conforming_transfers"): -1.0,
                          ("u", f, "nonconforming_transfers"): -1.0})
    conforming = {("u", f, "conforming_transfers"): 1.0 for f in flow_ids}
    conforming[("b", "declared")] = -1.0
    nonconforming = {("u", f, "nonconforming_transfers"): 1.0 for f in flow_ids}
    nonconforming.update({("b", c): -1.0 for c in NONCONFORMING})
    equations += [conforming, nonconforming]
    if known.get("transfers") and known.get("undeclared_transfers"):
        # the flows' transfers add up to transfers - undeclared transfers
        equations.append({("u", f, "transfers"): 1.0 for f in flow_ids})
    # the declared flow of each non-conforming finding (one per finding: its key's flow)
    route = ["classification", "source_jurisdiction", "recipient", "destination_country",
             "category"]
    flow_of = (findings.with_row_index("row")
               .join(metrics.keys.select(*route, "flow_id").unique(), on=route, how="left",
                     nulls_equal=True)
               .group_by("row").agg(pl.col("flow_id").drop_nulls().first()).sort("row")
               ["flow_id"].to_list())
    for f in flow_ids:
        rows = [j for j, x in enumerate(flow_of) if x == f and f_classes[j] in NONCONFORMING]
        if rows:
            eq = {("f", j): 1.0 for j in rows}
            eq[("u", f, "nonconforming_transfers")] = -1.0
            equations.append(eq)
    final = protect_linked(values, equations, k, sensitive=hidden)
    return ([("b", c) in final for c in classes],
            [("f", j) in final for j in range(findings.height)],
            {col: [("u", f, col) in final for f in flow_ids] for col in cols})


def _breakdown_only_hidden(flow_breakdown: pl.DataFrame, k: int) -> list[bool]:
    classes = flow_breakdown["classification"].to_list()
    values = {c: int(t or 0) for c, t in zip(classes, flow_breakdown["transfers"].to_list())}
    small = {c for c, r in zip(classes, flow_breakdown["records"].to_list()) if is_small(r, k)}
    equations = [{c: 1.0 for c in classes}, {c: 1.0 for c in classes if c in UNDECLARED},
                 {c: 1.0 for c in classes if c in NONCONFORMING}]
    final = protect_linked(values, equations, k, sensitive=small)
    return [c in final for c in classes]


def breakdown_for_display(metrics, k: int, for_chart: bool = False) -> pl.DataFrame:
    """The breakdown per classification with the transfers, records and bytes of hidden
    classifications hidden (`for_chart`: null, else HIDDEN). `metrics` is the
    FlowMetrics (protected with the findings and the usage table, as the notebook shows
    them) or, alone, a breakdown frame (protected against the headline only)."""
    if isinstance(metrics, FlowMetrics):
        breakdown, hidden = metrics.breakdown, _joint_hidden(metrics, k)[0]
    else:
        breakdown, hidden = metrics, _breakdown_only_hidden(metrics, k)
    counts = [c for c in ("transfers", "records", "bytes") if c in breakdown.columns]
    return _with_hidden(breakdown, hidden, counts, for_chart)


def findings_for_display(metrics: FlowMetrics, k: int) -> pl.DataFrame:
    """metrics.findings with the counts of a group of fewer than k transfers (or records)
    hidden, and of the groups that would give one away by subtraction from a total shown
    on the page (`_joint_hidden`); every group keeps its classification, route, rule and
    quote."""
    hidden = _joint_hidden(metrics, k)[1]
    counts = [c for c in ("transfers", "records", "bytes") if c in metrics.findings.columns]
    return _with_hidden(metrics.findings, hidden, counts, for_chart=False)


def usage_for_display(metrics: FlowMetrics, k: int) -> pl.DataFrame:
    """Declared flows in use: transfers = conforming + non-conforming, protected with the
    breakdown and the findings (`_joint_hidden`). The records column is left out."""
    mask = _joint_hidden(metrics, k)[2]
    usage = metrics.usage.drop("records", strict=False)
    return usage.with_columns(
        pl.Series(col, [None if v is None else (HIDDEN if h else str(int(v)))
                        for v, h in zip(usage[col].to_list(), mask[col])], dtype=pl.String)
        for col in mask)


def matrix_for_chart(flow_matrix: pl.DataFrame, k: int) -> pl.DataFrame:
    """Source x destination cells a shared heatmap may draw: a cell with fewer than k
    transfers (or records) is dropped, and a complement with it when it would be the only
    one (the cells add up to the headline); the declared share is shown only where it
    reveals no small count of records."""
    hidden = _hidden_rows(flow_matrix["transfers"].to_list(), flow_matrix["records"].to_list(), k)
    share_ok = [rate_shown(d, r, k)[0] for d, r in
                zip(flow_matrix["declared_records"].to_list(), flow_matrix["records"].to_list())]
    return (flow_matrix.with_columns(
                shown=pl.Series([not h for h in hidden], dtype=pl.Boolean),
                share_declared_records=pl.when(pl.Series(share_ok, dtype=pl.Boolean))
                .then(pl.col("share_declared_records").round(3)).otherwise(None))
            .filter(pl.col("shown"))
            .select("source_jurisdiction", "destination_country", "transfers", "records",
                    "bytes", "share_declared_records")
            .sort("source_jurisdiction", "destination_country"))


def recipient_monthly_for_chart(flow_volumes: pl.DataFrame, k: int) -> pl.DataFrame:
    """recipient_monthly() cells (month x recipient) a shared chart may draw: fewer than
    k transfers or records dropped, with a complement when one would be the only one
    (the cells add up to the headline)."""
    monthly = recipient_monthly(flow_volumes)
    hidden = _hidden_rows(monthly["transfers"].to_list(), monthly["records"].to_list(), k)
    return (monthly.with_columns(shown=pl.Series([not h for h in hidden], dtype=pl.Boolean))
            .filter(pl.col("shown")).drop("shown").sort("month", "recipient"))


def _not_drawn(k: int) -> str:
    return f"Groups of fewer than {k} transfers are not drawn."


def _nothing_drawn(title: str, k: int) -> alt.Chart:
    return empty_chart(alt.Title(title, subtitle=_not_drawn(k)),
                       f"Nothing to draw: no transfers in this scope, or every group has fewer than {k}.")


# --------------------------------------------------------------------------- charts

def heatmap_chart(flow_matrix: pl.DataFrame, value: str = "records", *, k: int) -> alt.Chart:
    """Source jurisdiction x destination country, coloured by volume (`records`,
    `bytes` or `transfers`); the tooltip gives the declared share. Cells under k are not
    drawn (matrix_for_chart)."""
    if value not in ("records", "bytes", "transfers"):
        raise ValueError(f"value must be records, bytes or transfers, not {value!r}")
    data = matrix_for_chart(flow_matrix, k)
    if data.height == 0:
        return _nothing_drawn(f"Cross-border {value} by source and destination", k)
    base = alt.Chart(data).encode(
        x=alt.X("destination_country:N", title="destination country", sort="ascending"),
        y=alt.Y("source_jurisdiction:N", title="source jurisdiction", sort="ascending"),
    )
    cells = base.mark_rect().encode(
        # symlog: one busy route (KR -> SG) must not wash out every other cell
        color=alt.Color(f"{value}:Q", title=value, scale=alt.Scale(scheme="blues", type="symlog")),
        tooltip=[alt.Tooltip("source_jurisdiction:N", title="from"),
                 alt.Tooltip("destination_country:N", title="to"),
                 alt.Tooltip("transfers:Q", title="transfers", format=","),
                 alt.Tooltip("records:Q", title="records", format=","),
                 alt.Tooltip("bytes:Q", title="bytes", format=","),
                 alt.Tooltip("share_declared_records:Q", format=".1%", title="declared share")],
    )
    return cells.properties(
        title=alt.Title(f"Cross-border {value} by source and destination", subtitle=_not_drawn(k)),
        width=alt.Step(28), height=alt.Step(18),
    )


def recipient_volume_chart(flow_volumes: pl.DataFrame, value: str = "records", *,
                           k: int) -> alt.Chart:
    """Stacked monthly volume per recipient (cells under k not drawn)."""
    if value not in ("records", "bytes", "transfers"):
        raise ValueError(f"value must be records, bytes or transfers, not {value!r}")
    data = recipient_monthly_for_chart(flow_volumes, k).select("month", "recipient", value)
    if data.height == 0:
        return _nothing_drawn(f"Transferred {value} per month, by recipient", k)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title="month"),
            y=alt.Y(f"sum({value}):Q", title=value),
            color=alt.Color("recipient:N", title="recipient"),
            tooltip=[alt.Tooltip("yearmonth(month):T", title="month"),
                     alt.Tooltip("recipient:N", title="recipient"),
                     alt.Tooltip(f"sum({value}):Q", title=value, format=",")],
        )
        .properties(title=alt.Title(f"Transferred {value} per month, by recipient",
                                    subtitle=_not_drawn(k)))
    )


def classification_chart(flow_breakdown, value: str = "records", *, k: int) -> alt.Chart:
    """One bar per classification, in the classification order, with fixed colours
    (a hidden classification has no bar: breakdown_for_display). Pass the FlowMetrics
    to hide what the breakdown table beside it hides."""
    if value not in ("records", "bytes", "transfers"):
        raise ValueError(f"value must be records, bytes or transfers, not {value!r}")
    data = (breakdown_for_display(flow_breakdown, k, for_chart=True)
            .filter(pl.col("transfers").is_not_null())
            .select("classification", "transfers", "records", "bytes"))
    if data.height == 0:
        return _nothing_drawn(f"Transferred {value} by classification", k)
    order = list(CLASSIFICATIONS)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("classification:N", sort=order, title=None,
                    scale=alt.Scale(domain=order)),
            x=alt.X(f"{value}:Q", title=value),
            color=alt.Color("classification:N", legend=None,
                            scale=alt.Scale(domain=order,
                                            range=[CLASSIFICATION_COLOURS[c] for c in order])),
            tooltip=[alt.Tooltip("classification:N", title="classification"),
                     alt.Tooltip("transfers:Q", title="transfers", format=","),
                     alt.Tooltip("records:Q", title="records", format=","),
                     alt.Tooltip("bytes:Q", title="bytes", format=",")],
        )
        .properties(title=alt.Title(f"Transferred {value} by classification",
                                    subtitle=_not_drawn(k)), height=alt.Step(22))
    )

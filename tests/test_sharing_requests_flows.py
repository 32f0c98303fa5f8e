"""Shared pages of the request-turnaround and data-flow notebooks: every count from 1 to k-1
hidden wherever it appears (headline, tables, charts, case lists), no hidden count
recoverable from a total shown on the page, percentages over a small base blank, every
value escaped.

The tables are audited with an independent solver (numpy, below): the equations a reader
has (row totals, column totals from the headline, a region's row = the sum of its
jurisdictions) must determine no hidden cell.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import nbformat
import numpy as np
import polars as pl
import pytest
import vl_convert as vlc

from compliance_kit import charts
from compliance_kit.analysis import flows
from compliance_kit.analysis import requests as rq
from compliance_kit.cases import PSEUDONYM, case_list, case_list_rule
from compliance_kit.errors import ParameterError
from compliance_kit.figures import headline_frame
from compliance_kit.privacy.suppression import HIDDEN
from compliance_kit.store import connect
from conftest_flows import add_transfers, flows_store  # noqa: F401  (fixture)
from conftest_requests import tiny  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
DEMO_DB = ROOT / "data" / "compliance.duckdb"
AS_OF = dt.date(2025, 1, 31)
UTC = dt.timezone.utc
PAYLOAD = "<img src=x onerror=alert(11)>"
CLASSES = list(rq.CLASSES)
PERF_COUNTS = ["received", *CLASSES, "extended", "paused", "extension_notice_late",
               "no_fixed_deadline"]


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


# ----------------------------------------------------------------------------- audit

def determined(unknowns: list, equations: list[dict]) -> list:
    """The unknowns (hidden cells) that the equations determine exactly: those that are
    zero in every vector of the null space. Each equation maps unknown -> coefficient
    (the shown part of the equation is a known constant and does not matter)."""
    if not unknowns:
        return []
    index = {u: i for i, u in enumerate(unknowns)}
    rows = []
    for eq in equations:
        row = [0.0] * len(unknowns)
        for u, coef in eq.items():
            if u in index:
                row[index[u]] += coef
        if any(row):
            rows.append(row)
    if not rows:
        return []
    _, sv, vh = np.linalg.svd(np.array(rows))
    null = vh[int((sv > 1e-9).sum()):]
    if null.shape[0] == 0:
        return list(unknowns)
    return [u for u in unknowns if np.all(np.abs(null[:, index[u]]) < 1e-9)]


def small_counts_shown(df: pl.DataFrame, columns, k: int) -> list:
    """Displayed counts from 1 to k-1 in `columns` (text or numbers)."""
    bad = []
    for c in columns:
        for v in df[c].to_list():
            if v is None or v == HIDDEN:
                continue
            n = int(str(v).replace(",", ""))
            if 0 < n < k:
                bad.append((c, v))
    return bad


def performance_frame(rows: list[tuple], dims: list[str]) -> pl.DataFrame:
    """A frame shaped like rq.performance(): dims, received, the classes, percentages,
    extended, paused, extension_notice_late, no_fixed_deadline, received_all."""
    out = []
    for row in rows:
        keys, (it, lt, oi, ol), (ext, pau, enl, nfd) = row
        rec = it + lt + oi + ol
        out.append({**dict(zip(dims, keys)), "received": rec, "responded_in_time": it,
                    "responded_late": lt, "open_in_time": oi, "open_late": ol,
                    "performance_pct": round(100 * it / rec, 2) if rec else None,
                    "max_achievable_pct": round(100 * (it + oi) / rec, 2) if rec else None,
                    "extended": ext, "paused": pau, "extension_notice_late": enl,
                    "no_fixed_deadline": nfd, "received_all": rec + nfd})
    return pl.DataFrame(out)


def small_cells(raw: pl.DataFrame, key, tag: str, k: int, columns=None) -> set:
    """The cells of a raw table holding a count from 1 to k-1: what must not be worked out."""
    ids = raw[key].to_list()
    return {(tag, rid, c) for c in (columns or PERF_COUNTS) for rid, v in zip(ids, raw[c].to_list())
            if v is not None and 0 < v < k}


def table_equations(shown: pl.DataFrame, key, tag: str) -> tuple[list, list[dict]]:
    """Unknowns (hidden cells) and equations of one performance table as shown: each row
    (received = the classes) and each column (its sum is the headline)."""
    unknowns, equations = [], []
    ids = shown[key].to_list() if isinstance(key, str) else list(zip(*[shown[c].to_list() for c in key]))
    for i, rid in enumerate(ids):
        for c in PERF_COUNTS:
            if shown[c][i] == HIDDEN:
                unknowns.append((tag, rid, c))
        eq = {(tag, rid, c): 1.0 for c in CLASSES}
        eq[(tag, rid, "received")] = -1.0
        equations.append(eq)
    for c in PERF_COUNTS:
        equations.append({(tag, rid, c): 1.0 for rid in ids})
    return unknowns, equations


# ----------------------------------------------------------------------------- privacy.linked

def test_linked_determined_and_protect():
    from compliance_kit.privacy.linked import determined as lib_determined, protect_linked

    # a + b = known, b = c: with a, b hidden and c shown, both are pinned down
    eqs = [{"a": 1, "b": 1}, {"b": 1, "c": -1}]
    assert lib_determined(["a", "b"], eqs) == ["a", "b"]
    assert lib_determined(["a", "b", "c"], eqs) == []
    # primary hides b (3); the chain b = c needs c hidden too, the sum a + b needs a
    hide = protect_linked({"a": 20, "b": 3, "c": 3}, eqs, 5)
    assert hide == {"a", "b", "c"}
    # a row total with three cells: one small cell gets the smallest other one as complement
    row = [{"t": 1, "x": -1, "y": -1, "z": -1}]
    assert protect_linked({"t": 30, "x": 2, "y": 9, "z": 19}, row, 5) == {"x", "y"}
    # a cell the known sums fix on their own (a one-cell line) is left alone: no complement helps
    assert protect_linked({"p": 3, "q": 40}, [{"p": 1}, {"p": 1, "q": 1}], 5) == {"p"}
    # a zero that frees a cell without exposing another is a fine complement
    line = [{"s": 1, "t0": 1, "big": 1}, {"big": 1, "w": -1}]
    assert protect_linked({"s": 2, "t0": 0, "big": 50, "w": 50}, line, 5) == {"s", "t0"}


# ----------------------------------------------------------------------------- for_display

def test_for_display_secondary_suppression_and_marks():
    perf = performance_frame([
        (("A",), (8, 2, 0, 0), (0, 0, 0, 0)),
        (("B",), (9, 3, 0, 0), (0, 0, 0, 0)),
        (("C",), (20, 0, 6, 0), (6, 0, 0, 0)),
    ], ["region"])
    shown = rq.for_display(perf, 5)
    assert "received_all" not in shown.columns  # would give no_fixed_deadline away
    assert small_counts_shown(shown, PERF_COUNTS, 5) == []
    rows = {r["region"]: r for r in shown.iter_rows(named=True)}
    # A: 2 late is small; with received shown, in time is hidden too (10 - 8 = 2 otherwise)
    assert rows["A"]["responded_late"] == HIDDEN and rows["A"]["responded_in_time"] == HIDDEN
    assert rows["A"]["received"] == "10" and rows["C"]["received"] == "26"
    # every hidden cell reads the same mark, primary or complement
    assert {v for r in rows.values() for v in r.values() if isinstance(v, str)} <= {
        HIDDEN, "A", "B", "C", *[str(n) for n in range(5, 100)], "0"}
    unknowns, equations = table_equations(shown, "region", "t")
    assert set(determined(unknowns, equations)) & small_cells(perf, "region", "t", 5) == set()


def test_for_display_rates_blank_over_small_bases_revealing_counts_or_hidden_cells():
    perf = performance_frame([
        (("small",), (3, 1, 0, 0), (0, 0, 0, 0)),      # base 4 < 5
        (("reveals",), (5, 1, 0, 0), (0, 0, 0, 0)),    # 83.3% of 6: 1 of 6 late
        (("fine",), (15, 5, 0, 0), (0, 0, 0, 0)),      # 75% of 20, 5 late: shown
        (("other",), (30, 6, 0, 0), (0, 0, 0, 0)),
    ], ["region"])
    rows = {r["region"]: r for r in rq.for_display(perf, 5).iter_rows(named=True)}
    assert rows["small"]["performance_pct"] is None
    assert rows["reveals"]["performance_pct"] is None and rows["reveals"]["max_achievable_pct"] is None
    assert rows["fine"]["performance_pct"] == pytest.approx(75.0)
    # a percentage whose numerator cell is hidden (a complement) is blank too: from a shown
    # base it would give the hidden count back
    perf2 = performance_frame([
        (("x",), (10, 2, 0, 0), (0, 0, 0, 0)), (("y",), (10, 3, 0, 0), (0, 0, 0, 0)),
    ], ["region"])
    rows2 = rq.for_display(perf2, 5)
    assert rows2["responded_in_time"].to_list() == [HIDDEN, HIDDEN]
    assert rows2["performance_pct"].to_list() == [None, None]


def test_for_display_day_statistics_need_k_requests():
    ttc = pl.DataFrame({"type": ["a", "b", "c"], "completed": [3, 40, 30], "censored": [1, 0, 0],
                        "km_median_days": [4, 9, 5], "naive_median_days": [4.0, 9.0, 5.0],
                        "km_p90_days": [10, 30, 12], "naive_p90_days": [10.0, 28.0, 11.0]})
    rows = rq.for_display(ttc, 5).to_dicts()
    assert rows[0]["km_median_days"] is None and rows[0]["naive_p90_days"] is None
    assert rows[1]["km_median_days"] == 9 and rows[1]["naive_median_days"] == 9.0
    # 3 is hidden, and 30 with it (the column's sum is known); statistics stay over 30
    assert [r["completed"] for r in rows] == [HIDDEN, "40", HIDDEN]
    assert rows[2]["km_median_days"] == 5
    with pytest.raises(ValueError, match="no base known"):
        rq.for_display(ttc.with_columns(mystery_days=pl.lit(3)), 5)


def test_for_display_partitions_of_each_request_table():
    queue = pl.DataFrame({"region": ["A", "B"], "more_than_5_days": [9, 7], "due_within_5_days": [2, 6],
                          "past_due": [6, 8], "clock_not_started": [0, 0], "open": [17, 21]})
    shown = rq.for_display(queue, 5)
    assert shown["due_within_5_days"][0] == HIDDEN
    assert sum(v == HIDDEN for v in shown.row(0)[1:5]) >= 2  # the row total is shown
    ccpa = pl.DataFrame({"request_type": ["access", "deletion"], "received": [12, 9],
                         "complied_in_whole_or_part": [10, 9], "denied": [2, 0], "open": [0, 0],
                         "median_days": [14.0, 3.0], "mean_days": [20.0, 3.4]})
    shown = rq.for_display(ccpa, 5)
    assert shown["denied"][0] == HIDDEN and shown["complied_in_whole_or_part"][0] == HIDDEN
    assert shown["median_days"].to_list() == [14.0, 3.0]  # over 12 and 9 responses
    forced = rq.for_display(ccpa, 5, hide={"received": [False, True]})
    assert forced["received"][1] == HIDDEN


def test_nested_tables_a_hidden_region_cell_is_not_the_sum_of_shown_jurisdictions():
    """CA is its region's only jurisdiction; the region table hides CA's open_late (a zero,
    as the complement of EEA's): the jurisdiction table must not show it as 0."""
    child = performance_frame([
        (("CA", "CA"), (7, 2, 1, 0), (0, 0, 0, 0)),
        (("EEA", "DE"), (22, 4, 0, 1), (0, 0, 0, 0)),
        (("EEA", "FR"), (15, 1, 1, 1), (0, 0, 0, 0)),
        (("EEA", "NL"), (6, 2, 0, 1), (0, 0, 0, 0)),
        (("US", "US"), (30, 6, 0, 0), (0, 0, 0, 0)),
    ], ["region", "jurisdiction"])
    parent = (child.group_by("region").agg(pl.col(PERF_COUNTS + ["received_all"]).sum())
              .with_columns(performance_pct=pl.lit(None, pl.Float64),
                            max_achievable_pct=pl.lit(None, pl.Float64)).sort("region"))
    p_shown, c_shown = rq.nested_for_display(parent, child, "region", 5)
    assert p_shown.filter(pl.col("region") == "CA")["open_late"][0] == HIDDEN
    assert c_shown.filter(pl.col("jurisdiction") == "CA")["open_late"][0] == HIDDEN
    assert_nested_safe(parent, child, p_shown, c_shown, 5)


def assert_nested_safe(parent, child, p_shown, c_shown, k):
    assert small_counts_shown(p_shown, PERF_COUNTS, k) == []
    assert small_counts_shown(c_shown, PERF_COUNTS, k) == []
    assert c_shown.select("region", "jurisdiction").rows() == child.select("region", "jurisdiction").rows()
    pu, pe = table_equations(p_shown, "region", "p")
    cu, ce = table_equations(c_shown, "jurisdiction", "c")
    nesting = []
    for region in parent["region"].to_list():
        members = child.filter(pl.col("region") == region)["jurisdiction"].to_list()
        for c in PERF_COUNTS:
            eq = {("c", j, c): 1.0 for j in members}
            eq[("p", region, c)] = -1.0
            nesting.append(eq)
    # every shown cell is a known constant; hidden ones are the unknowns: no count from 1
    # to k-1 may be determined
    small = small_cells(parent, "region", "p", k) | small_cells(child, "jurisdiction", "c", k)
    assert small, "the test data must hold small counts"
    assert set(determined(pu + cu, pe + ce + nesting)) & small == set()


def queue_of(parent: pl.DataFrame, rnd: random.Random) -> pl.DataFrame:
    """An open queue consistent with `parent`: past_due = open_late, the other buckets
    split open_in_time."""
    rows = []
    for r, oit, ol in parent.select("region", "open_in_time", "open_late").rows():
        more = rnd.randint(0, oit)
        due = rnd.randint(0, oit - more)
        rows.append({"region": r, "more_than_5_days": more, "due_within_5_days": due, "past_due": ol,
                     "clock_not_started": oit - more - due, "open": oit + ol})
    return pl.DataFrame(rows)


Q_COLS = ["more_than_5_days", "due_within_5_days", "past_due", "clock_not_started", "open"]


def queue_equations(q_shown: pl.DataFrame) -> tuple[list, list[dict]]:
    unknowns = [("q", r, c) for c in Q_COLS for r, v in zip(q_shown["region"], q_shown[c]) if v == HIDDEN]
    eqs = []
    for r in q_shown["region"]:
        eqs += [{("q", r, "open"): -1.0, **{("q", r, c): 1.0 for c in Q_COLS[:4]}},
                {("q", r, "past_due"): 1.0, ("p", r, "open_late"): -1.0},
                {("q", r, "open"): 1.0, ("p", r, "open_in_time"): -1.0, ("p", r, "open_late"): -1.0}]
    return unknowns, eqs


@pytest.mark.parametrize("seed", range(25))
def test_nested_tables_and_queue_random_audit(seed):
    rnd = random.Random(seed)
    rows = []
    for r in range(rnd.randint(2, 5)):
        for j in range(rnd.randint(1, 4)):
            def n():
                return rnd.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 25])
            rows.append(((f"R{r}", f"R{r}J{j}"), (n(), n(), n(), n()), (n(), n(), n(), 0)))
    child = performance_frame(rows, ["region", "jurisdiction"])
    parent = (child.group_by("region").agg(pl.col(PERF_COUNTS + ["received_all"]).sum())
              .with_columns(performance_pct=pl.lit(None, pl.Float64),
                            max_achievable_pct=pl.lit(None, pl.Float64)).sort("region"))
    queue = queue_of(parent, rnd)
    p_shown, c_shown, q_shown = rq.nested_for_display(parent, child, "region", 5, queue=queue)
    assert_nested_safe(parent, child, p_shown, c_shown, 5)
    # and with the queue: the parent's equations, the children's, the nesting and the queue's
    pu, pe = table_equations(p_shown, "region", "p")
    cu, ce = table_equations(c_shown, "jurisdiction", "c")
    qu, qe = queue_equations(q_shown)
    nesting = [{**{("c", j, c): 1.0 for j in child.filter(pl.col("region") == r)["jurisdiction"]},
                ("p", r, c): -1.0} for r in parent["region"] for c in PERF_COUNTS]
    small = (small_cells(parent, "region", "p", 5) | small_cells(child, "jurisdiction", "c", 5)
             | small_cells(queue, "region", "q", 5, Q_COLS))
    assert set(determined(pu + cu + qu, pe + ce + qe + nesting)) & small == set()
    assert small_counts_shown(q_shown, Q_COLS, 5) == []


def test_queue_is_protected_with_the_region_table():
    """The queue's past_due per region is the region table's open_late: EEA's 6 is hidden
    in the region table as the complement of its 4 open in time, so the queue must not
    show it (153 - 128 - 15 - 6 = 4 otherwise)."""
    child = performance_frame([
        (("CA", "CA"), (7, 2, 1, 0), (0, 0, 0, 0)),
        (("EEA", "DE"), (60, 8, 2, 3), (0, 0, 0, 0)),
        (("EEA", "FR"), (68, 7, 2, 3), (0, 0, 0, 0)),
        (("US", "US"), (30, 6, 0, 0), (0, 0, 0, 0)),
    ], ["region", "jurisdiction"])
    parent = (child.group_by("region").agg(pl.col(PERF_COUNTS + ["received_all"]).sum())
              .with_columns(performance_pct=pl.lit(None, pl.Float64),
                            max_achievable_pct=pl.lit(None, pl.Float64)).sort("region"))
    queue = parent.select("region", more_than_5_days=pl.col("open_in_time"),
                          due_within_5_days=pl.lit(0, pl.Int64), past_due=pl.col("open_late"),
                          clock_not_started=pl.lit(0, pl.Int64),
                          open=pl.col("open_in_time") + pl.col("open_late"))
    p_shown, c_shown, q_shown = rq.nested_for_display(parent, child, "region", 5, queue=queue)
    eea = p_shown.filter(pl.col("region") == "EEA").row(0, named=True)
    assert eea["open_in_time"] == HIDDEN and eea["open_late"] == HIDDEN
    assert q_shown.filter(pl.col("region") == "EEA")["past_due"][0] == HIDDEN
    pu, pe = table_equations(p_shown, "region", "p")
    qu, qe = queue_equations(q_shown)
    q_cols = Q_COLS
    small = small_cells(parent, "region", "p", 5) | small_cells(queue, "region", "q", 5, q_cols)
    assert set(determined(pu + qu, pe + qe)) & small == set()
    assert small_counts_shown(q_shown, q_cols, 5) == []


# ----------------------------------------------------------------------------- sentences

def classes_store(t):
    t.rule("sg", "SG", "calendar_days", amount=30)
    t.rule("kr", "KR", "without_delay")
    t.request("SG", day(-60), completed=day(-40))                    # in time
    t.request("SG", day(-60), completed=day(-20))                    # late (due day -30)
    t.request("SG", day(-10))                                        # open in time, 20 to go
    t.request("SG", day(-27))                                        # open in time, due in 3
    t.request("SG", day(-45))                                        # open late
    t.request("KR", day(-45), completed=day(-44))                    # no fixed deadline
    return t


def test_in_scope_sentence_is_a_protected_count_and_escapes_values(tiny):
    classes_store(tiny).analyse(as_of=AS_OF)
    figures = rq.headline(tiny.con)
    assert rq.in_scope_text(6, figures, 7) == "<7"
    # 6 = received 5 + no_fixed_deadline 1: with no_fixed_deadline hidden, 6 would give it away
    assert rq.in_scope_text(6, figures, 2) == HIDDEN
    assert rq.in_scope_text(6, figures, 1) == "6"
    text = rq.scope_sentence(6, figures, 2, AS_OF, jurisdictions=[PAYLOAD], types=["access"]).data
    assert "<img" not in text and "&lt;img" in text and HIDDEN in text


def test_jurisdictions_are_checked_against_the_store(tiny):
    classes_store(tiny)
    assert rq.check_jurisdictions(tiny.con, None) is None
    assert rq.check_jurisdictions(tiny.con, ["EEA", "SG"]) == ["EEA", "SG"]
    with pytest.raises(ParameterError, match="unknown code"):
        rq.check_jurisdictions(tiny.con, ["SG", PAYLOAD])


def test_low_confidence_note_hides_its_count():
    rules = pl.DataFrame({"rule_id": ["low_a", "low_b", "big", "mid"], "low_confidence": [True, True, False, False],
                          "requests": [2, 1, 40, 9]})
    note = rq.low_confidence_note(rules, 5).data
    assert "&lt;5 requests" in note and "low\\_a, low\\_b" in note
    rules2 = rules.with_columns(requests=pl.Series([6, 7, 40, 2]))
    # each low rule is shown (6, 7) but the table hides one of them as a complement of mid's 2
    shown = rq.rules_for_display(rules2.with_columns(
        jurisdiction=pl.lit("X"), request_type=pl.lit("*"), unit=pl.lit("calendar_days"), amount=pl.lit(30),
        extension_amount=pl.lit(None, pl.Int32), basis=pl.lit("statute"), confidence=pl.lit("low"),
        citation=pl.lit(None, pl.String)), 5)
    low_shown = shown.filter(pl.col("review") != "")["requests"].to_list()
    assert HIDDEN in low_shown
    assert "hidden requests" in rq.low_confidence_note(rules2, 5).data
    assert rq.low_confidence_note(rules.filter(~pl.col("low_confidence")), 5) is None
    rules3 = rules.with_columns(requests=pl.Series([6, 7, 40, 9]))
    assert "13 requests" in rq.low_confidence_note(rules3, 5).data


def test_requests_headline_frame_of_a_narrow_scope_on_the_demo_store():
    """jurisdictions IS and PT with k=20: no count from 1 to 19 anywhere in the headline
    frame or in the tables, and the in-scope count is hidden too."""
    con = connect(DEMO_DB, read_only=True)
    try:
        n = rq.prepare(con, as_of="2026-10-31", jurisdictions=["IS", "PT"])
        figures = rq.headline(con)
        assert 0 < figures["received"] < 20  # the scope is narrow: the test proves something
        frame = headline_frame("requests", figures, 20)
        for value in frame["value"].to_list():
            assert not re.fullmatch(r"(1[0-9]|[1-9])", value), frame
        assert rq.in_scope_text(n, figures, 20) in ("<20", HIDDEN)
        tables = [rq.for_display(rq.performance(con, by=["type", "channel"]), 20),
                  rq.for_display(rq.time_to_complete(con, by="type"), 20),
                  rq.for_display(rq.open_queue(con, by=["region"]), 20),
                  rq.rules_for_display(rq.rules_used(con), 20),
                  *rq.nested_for_display(rq.performance(con, by="region"),
                                         rq.performance(con, by=["region", "jurisdiction"]), "region", 20)]
        for table in tables:
            counts = [c for c in table.columns if c in rq.COUNT_COLUMNS]
            assert small_counts_shown(table, counts, 20) == [], table
        for name, lst in rq.case_lists(con, figures, 20).items():
            assert lst.frame is None, name
    finally:
        con.close()


# ----------------------------------------------------------------------------- case lists

def cases_frame(n: int) -> pl.DataFrame:
    return pl.DataFrame({"request_id": [f"req-{i}" for i in range(n)],
                         "jurisdiction": ["FR"] * n, "due_date": [dt.date(2026, 11, 1)] * n,
                         "days_remaining": list(range(n))})


@pytest.mark.parametrize("k", [2, 5, 10])
def test_case_list_rule_at_k_minus_one_and_k(k):
    assert case_list_rule(0, k) == "none"
    assert case_list_rule(k - 1, k) == ("small" if k > 1 else None)
    assert case_list_rule(k, k) is None
    assert case_list_rule(k, k, count_hidden=True) == "hidden"
    below = case_list(cases_frame(k - 1), k, in_scope=k - 1, what="open requests",
                      id_column="request_id", keep=["due_date", "days_remaining"], salt="s")
    assert below.frame is None and below.sentence == f"Fewer than {k} open requests in this scope: no list is shown."
    at = case_list(cases_frame(k), k, in_scope=k, what="open requests", id_column="request_id",
                   keep=["due_date", "days_remaining"], salt="s")
    assert at.frame is not None and at.frame.columns == [PSEUDONYM, "due_date", "days_remaining"]
    assert at.frame.height == k
    assert not any(v.startswith("req-") for v in at.frame[PSEUDONYM].to_list())
    html = at._repr_html_()
    assert "req-" not in html and "FR" not in html and "compliance-kit reidentify RUN PSEUDONYM" in html


def test_case_list_hidden_count_and_limit():
    hidden = case_list(cases_frame(8), 5, in_scope=8, what="late notices", id_column="request_id",
                       keep=["due_date"], count_hidden=True, salt="s")
    # a count the page hides: neither a list nor "fewer than k" (that would say which is small)
    assert hidden.frame is None and "hidden" in hidden.sentence and "Fewer" not in hidden.sentence
    cut = case_list(cases_frame(30), 5, in_scope=30, what="open requests", id_column="request_id",
                    keep=["due_date"], limit=25, salt="s")
    assert cut.frame.height == 25 and "the first 25" in cut.sentence
    none = case_list(cases_frame(0), 5, in_scope=0, what="open requests", id_column="request_id",
                     keep=["due_date"], salt="s")
    assert none.frame is None and none.sentence == "No open requests in this scope."
    with pytest.raises(KeyError):
        case_list(cases_frame(5), 5, in_scope=5, what="x", id_column="request_id", keep=["nope"])


def past_due_store(t, n_late: int, n_in_time: int = 6):
    t.rule("sg", "SG", "calendar_days", amount=30)
    for _ in range(n_late):
        t.request("SG", day(-45))       # open, due day -15: past due
    for _ in range(n_in_time):
        t.request("SG", day(-10))       # open, 20 days to go
    for _ in range(12):
        t.request("SG", day(-60), completed=day(-40))
    return t


@pytest.mark.parametrize("n_late,listed", [(4, False), (5, True)])
def test_request_case_lists_from_k_cases(tiny, n_late, listed):
    past_due_store(tiny, n_late).analyse(as_of=AS_OF)
    figures = rq.headline(tiny.con)
    lists = rq.case_lists(tiny.con, figures, 5)
    past = lists["past_due"]
    assert (past.frame is not None) is listed
    if listed:
        assert past.frame.columns == [PSEUDONYM, "due_date", "days_overdue"]
        assert past.frame["days_overdue"].to_list() == [15] * 5
        assert not any(str(v).startswith("r0") for v in past.frame[PSEUDONYM].to_list())
    else:
        # open_late (4) is hidden in the headline, as a small count or its complement
        assert "no list is shown" in past.sentence
    # 4 past due: the headline hides open_late and, as its complement, open_in_time (6),
    # so the list of the 6 in time is not shown either (its length would tell them)
    due_next = lists["due_next"]
    assert (due_next.frame is not None and due_next.frame.height == 6) is listed
    assert lists["late_notices"].frame is None and lists["late_notices"].sentence.startswith("No ")


# ----------------------------------------------------------------------------- request charts

def svg_of(chart) -> str:
    return vlc.vegalite_to_svg(chart.to_json())


def spec_rows(spec) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def aria_labels(svg: str) -> list[str]:
    return re.findall(r'aria-label="([^"]*)"', svg)


def test_weekly_volume_chart_draws_no_small_cell():
    charts.setup("svg")
    w1, w2, w3 = dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 1, 19)
    volume = pl.DataFrame({"week": [w1, w1, w2, w2, w3], "type": ["access", "deletion", "access", "deletion", "access"],
                           "requests": [9, 3, 7, 8, 6]})
    data = rq.weekly_volume_for_chart(volume, 5)
    assert 3 not in data["requests"].to_list() and data["requests"].min() >= 5
    # deletion would hold exactly one hidden week: another one goes with it
    assert data.filter(pl.col("type") == "deletion").height == 0
    chart = rq.weekly_volume_chart(volume, k=5)
    assert all(r["requests"] >= 5 for r in spec_rows(chart.to_dict()))
    svg = svg_of(chart)
    assert not any("requests: 3" in a for a in aria_labels(svg))
    assert "Groups of fewer than 5 requests are not drawn." in svg


def test_on_time_trend_chart_points_only_over_k_and_no_counts():
    q = dt.date(2026, 1, 1)
    trend = pl.DataFrame({"period": [q] * 4, "region": ["EEA", "US", "GB", "all"],
                          "received": [20, 6, 4, 30], "responded_in_time": [15, 5, 4, 24],
                          "performance_pct": [75.0, 83.33, 100.0, 80.0]})
    data = rq.trend_for_chart(trend, 5)
    assert data["region"].to_list() == ["EEA", "all"]  # US: 83.3% of 6 reveals 1; GB: base 4
    spec = rq.on_time_trend_chart(trend, k=5).to_dict()
    assert all(set(r) == {"period", "region", "performance_pct"} for r in spec_rows(spec))
    labels = aria_labels(svg_of(rq.on_time_trend_chart(trend, k=5)))
    assert any("EEA" in a for a in labels)
    assert not any(re.search(r"received: |responded_in_time", a) for a in labels)


def test_survival_chart_leaves_out_small_groups_and_the_tail():
    curve = pl.DataFrame({
        "type": ["access"] * 4 + ["objection"] * 2,
        "days": [1, 3, 8, 40, 2, 9],
        "at_risk": [12, 9, 6, 2, 3, 1], "events": [3, 3, 4, 2, 2, 1], "censored": [0, 0, 0, 0, 0, 0],
        "survival": [0.75, 0.5, 0.1667, 0.0, 0.333, 0.0]})
    data = rq.survival_for_chart(curve, 5, "type")
    assert data.columns == ["type", "days", "survival"]
    assert data["type"].unique().to_list() == ["access"] and data["days"].to_list() == [1, 3, 8]
    spec = rq.survival_chart(curve, group="type", k=5).to_dict()
    rows = spec_rows(spec)
    assert all("at_risk" not in r and "events" not in r for r in rows)
    assert {r["type"] for r in rows} == {"access"}
    empty = rq.survival_chart(curve.filter(pl.col("type") == "objection"), group="type", k=5)
    assert "Nothing to draw" in svg_of(empty)


def test_distance_chart_draws_no_small_bin():
    distance = pl.DataFrame({"days_to_deadline": [3, 4, 5, 10, 11, -3, -20],
                             "class": ["responded_in_time"] * 5 + ["responded_late", "open_late"],
                             "requests": [4, 5, 2, 6, 1, 2, 3]})
    data = rq.distance_for_chart(distance, 5)
    # bins [2,4): 4 hidden; [4,6): 7 hidden with it (the class total is a headline figure,
    # a single hidden bin would be that total minus the others); [10,12): 7 drawn;
    # late 2 and 3: hidden
    assert data.select("bin_start", "class", "requests").rows() == [(10, "responded_in_time", 7)]
    svg = svg_of(rq.distance_chart(distance, k=5))
    labels = aria_labels(svg)
    assert not any(re.search(r"requests: [1-4](;|$)", a) for a in labels)
    assert any("requests: 7" in a for a in labels)


# ----------------------------------------------------------------------------- flows

@pytest.fixture
def planted(flows_store):  # noqa: F811
    """Flows with small groups planted: 3 undeclared-recipient transfers (hidden), 2
    unencrypted (hidden, with missing_mechanism as its complement), 12 declared KR->SG,
    7 FR->CN declared, 1 JP->US without consent (missing_mechanism)."""
    rows = []
    for i in range(12):
        rows.append(dict(transfer_id=f"a{i}", occurred_at=dt.datetime(2026, 1, 5, tzinfo=UTC), source="KR",
                         recipient="adyen_sg", destination="SG", category="credit_card", record_count=10))
    for i in range(2):
        rows.append(dict(transfer_id=f"u{i}", occurred_at=dt.datetime(2026, 1, 6, tzinfo=UTC), source="KR",
                         recipient="adyen_sg", destination="SG", category="credit_card", record_count=10,
                         encrypted=False))
    for i in range(7):
        rows.append(dict(transfer_id=f"f{i}", occurred_at=dt.datetime(2026, 2, 5, tzinfo=UTC), source="FR",
                         recipient="tencent_group", destination="CN", category="account_data",
                         record_count=20, mechanism="scc"))
    for i in range(3):
        rows.append(dict(transfer_id=f"n{i}", occurred_at=dt.datetime(2026, 2, 6, tzinfo=UTC), source="KR",
                         recipient=PAYLOAD, destination="US", category="usage_logs", record_count=30))
    for i in range(6):
        rows.append(dict(transfer_id=f"j{i}", occurred_at=dt.datetime(2026, 3, 6, tzinfo=UTC), source="JP",
                         recipient="salesforce_sg", destination="US", category="account_data",
                         record_count=40))
    add_transfers(flows_store, rows)
    charts.setup("svg")
    return flows.metric_set(flows_store)


def test_flows_planted_counts(planted):
    b = dict(zip(planted.breakdown["classification"].to_list(), planted.breakdown["transfers"].to_list()))
    assert b["undeclared_recipient"] == 3 and b["unencrypted"] == 2 and b["declared"] == 19
    assert planted.headline["transfers"] == 30


def flows_audit(m, k):
    """Independent audit of the flow tables as a page shows them: unknowns are the hidden
    counts of the breakdown, the findings and the usage table; the equations are the
    headline sums the page shows, classification = its findings, each flow's transfers =
    conforming + non-conforming, conforming = the declared classification, non-conforming
    = the two non-conforming classifications and, per flow, its non-conforming findings."""
    b = flows.breakdown_for_display(m, k)
    f = flows.findings_for_display(m, k)
    u = flows.usage_for_display(m, k)
    head = flows.shown_headline(m.headline, k)
    shows = {key: re.fullmatch(r"[\d,]+", head[key]) is not None for key in head}
    unknowns = [("b", c) for c, t in zip(b["classification"], b["transfers"]) if t == HIDDEN]
    unknowns += [("f", j) for j, t in enumerate(f["transfers"]) if t == HIDDEN]
    cols = ["transfers", "conforming_transfers", "nonconforming_transfers"]
    unknowns += [("u", fl, c) for c in cols for fl, v in zip(u["flow_id"], u[c]) if v == HIDDEN]
    classes = b["classification"].to_list()
    eqs = []
    if shows["transfers"]:
        eqs.append({("b", c): 1 for c in classes})
    if shows["undeclared_transfers"]:
        eqs.append({("b", c): 1 for c in flows.UNDECLARED})
    if shows["nonconforming_transfers"]:
        eqs.append({("b", c): 1 for c in flows.NONCONFORMING})
    for c in classes:
        if c != "declared":
            eq = {("f", j): 1 for j, x in enumerate(f["classification"]) if x == c}
            eq[("b", c)] = -1
            eqs.append(eq)
    for fl in u["flow_id"]:
        eqs.append({("u", fl, "transfers"): 1, ("u", fl, "conforming_transfers"): -1,
                    ("u", fl, "nonconforming_transfers"): -1})
    eq = {("u", fl, "conforming_transfers"): 1 for fl in u["flow_id"]}
    eq[("b", "declared")] = -1
    eqs.append(eq)
    eq = {("u", fl, "nonconforming_transfers"): 1 for fl in u["flow_id"]}
    eq.update({("b", c): -1 for c in flows.NONCONFORMING})
    eqs.append(eq)
    keys = m.keys.filter(pl.col("flow_id").is_not_null())
    for fl in u["flow_id"]:
        mine = keys.filter(pl.col("flow_id") == fl).select(
            "classification", "source_jurisdiction", "recipient", "destination_country", "category").rows()
        rows = [j for j, r in enumerate(f.select("classification", "source_jurisdiction", "recipient",
                                                   "destination_country", "category").rows())
                if r in mine and r[0] in flows.NONCONFORMING]
        if rows:
            eq = {("f", j): 1 for j in rows}
            eq[("u", fl, "nonconforming_transfers")] = -1
            eqs.append(eq)
    # what must not be worked out: the rows and cells with 1..k-1 transfers (or records)
    small = {("b", c) for c, t, r in m.breakdown.select("classification", "transfers", "records").rows()
             if 0 < t < k or 0 < r < k}
    small |= {("f", j) for j, (t, r) in enumerate(m.findings.select("transfers", "records").rows())
              if 0 < t < k or 0 < r < k}
    small |= {("u", fl, c) for c in cols for fl, v in zip(m.usage["flow_id"], m.usage[c]) if 0 < v < k}
    return [x for x in determined(unknowns, eqs) if x in small], (b, f, u)


def test_breakdown_findings_and_usage_protected_together(planted):
    leaks, (b, f, u) = flows_audit(planted, 5)
    assert leaks == []
    for table, cols in ((b, ["transfers", "records"]), (f, ["transfers", "records"]),
                        (u, ["transfers", "conforming_transfers", "nonconforming_transfers"])):
        assert small_counts_shown(table, cols, 5) == []
    rows = {r["classification"]: r for r in b.iter_rows(named=True)}
    assert rows["undeclared_recipient"]["transfers"] == HIDDEN and rows["undeclared_recipient"]["records"] == HIDDEN
    assert rows["unencrypted"]["transfers"] == HIDDEN
    # the headline shows 30 transfers and 8 non-conforming but hides the 3 undeclared:
    # a shown declared row (19) would give them back (30 - 8 - 19)
    assert rows["declared"]["transfers"] == HIDDEN
    kr = u.filter(pl.col("flow_id") == "kr_adyen").row(0, named=True)
    assert kr["nonconforming_transfers"] == HIDDEN and "records" not in u.columns


def test_findings_hide_small_groups_but_keep_rule_and_quote(planted):
    shown = flows.findings_for_display(planted, 5)
    payload_row = shown.filter(pl.col("recipient") == PAYLOAD).row(0, named=True)
    assert payload_row["transfers"] == HIDDEN and payload_row["rule_broken"]
    unenc = shown.filter(pl.col("classification") == "unencrypted").row(0, named=True)
    assert unenc["transfers"] == HIDDEN and unenc["rule_quote"]


def test_flow_tables_on_the_demo_store_pass_the_audit():
    con = connect(DEMO_DB, read_only=True)
    try:
        for scope in (None, ["JP", "SG"], ["EEA"]):
            m = flows.metric_set(con, as_of="2026-10-31", source_jurisdictions=scope)
            for k in (5, 10, 20):
                leaks, tables = flows_audit(m, k)
                assert leaks == [], (scope, k, leaks)
    finally:
        con.close()


def test_heatmap_draws_no_small_cell_and_no_hidden_value_in_the_svg(planted):
    data = flows.matrix_for_chart(planted.matrix, 5)
    pairs = set(zip(data["source_jurisdiction"].to_list(), data["destination_country"].to_list()))
    assert ("KR", "US") not in pairs  # 3 transfers
    assert data["transfers"].min() >= 5
    chart = flows.heatmap_chart(planted.matrix, k=5)
    assert all(r["transfers"] >= 5 for r in spec_rows(chart.to_dict()))
    svg = svg_of(chart)
    assert not any(re.search(r"transfers: [1-4](;|$)", a) for a in aria_labels(svg))
    assert "Groups of fewer than 5 transfers are not drawn." in svg


def test_recipient_and_classification_charts_draw_no_small_group(planted):
    data = flows.recipient_monthly_for_chart(planted.volumes, 5)
    assert data["transfers"].min() >= 5 and PAYLOAD not in data["recipient"].to_list()
    spec = flows.classification_chart(planted, k=5).to_dict()
    drawn = {r["classification"] for r in spec_rows(spec)}
    assert "undeclared_recipient" not in drawn and "unencrypted" not in drawn
    assert all(r["transfers"] == 0 or r["transfers"] >= 5 for r in spec_rows(spec))
    svg = svg_of(flows.recipient_volume_chart(planted.volumes, k=5))
    assert "onerror" not in svg or "&lt;img" in svg


def test_flows_headline_sentence_and_table(planted):
    h = planted.headline
    text = flows.shown_headline(h, 5)
    # undeclared transfers sit in the headline's partition of all transfers: hidden there
    # reads like its complement (figures.PARTITIONS), and the route count goes with it
    assert text["undeclared_transfers"] == HIDDEN and text["undeclared_flows"] == HIDDEN
    sentence = flows.headline_sentence(h, 5, as_of=dt.date(2026, 10, 31),
                                       source_jurisdictions=[PAYLOAD]).data
    assert "<img" not in sentence and "&lt;img" in sentence
    assert "**hidden**" in sentence and "30 transfers" in sentence
    table = flows.headline_table(h, 5)
    values = dict(zip(table["figure"].to_list(), table["value"].to_list()))
    assert values["Undeclared routes (source, recipient, destination)"] == HIDDEN
    for value in values.values():
        assert not re.fullmatch(r"[1-4]", value)


def test_flows_headline_of_a_narrow_scope_on_the_demo_store():
    con = connect(DEMO_DB, read_only=True)
    try:
        m = flows.metric_set(con, as_of="2026-10-31", source_jurisdictions=["JP", "SG"])
    finally:
        con.close()
    assert 0 < m.headline["nonconforming_transfers"] < 20
    table = flows.headline_table(m.headline, 20)
    for value in table["value"].to_list():
        assert not re.fullmatch(r"(1[0-9]|[1-9])", value), table
    shown = flows.breakdown_for_display(m, 20)
    assert small_counts_shown(shown, ["transfers", "records"], 20) == []
    assert small_counts_shown(flows.findings_for_display(m, 20), ["transfers", "records"], 20) == []


# ----------------------------------------------------------------------------- notebooks

@pytest.mark.parametrize("name,charts_n", [("request_turnaround", 4), ("data_flows", 3)])
def test_notebooks_build_no_markdown_from_values_and_pass_k_to_every_chart(name, charts_n):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert not any("Markdown(" in s for s in code)
    chart_cells = [s for s in code if "_chart(" in s]
    # k is the validated parameter (p = <analysis>.CONTRACT.validate(...)): p.k
    assert len(chart_cells) == charts_n and all("k=p.k" in s for s in chart_cells)
    assert not any("suppress_small_counts" in s or "keep_zero" in s for s in code)

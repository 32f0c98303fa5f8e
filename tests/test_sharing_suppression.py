"""The one suppression policy (compliance_kit.privacy.suppression, compliance_kit.figures):
primary (1..k-1 hidden, zero shown), secondary (no hidden cell recoverable by subtraction
from a shown total), rates and statistics over small bases."""

import random

import numpy as np
import polars as pl
import pytest

from compliance_kit.figures import headline_frame, shown_section, shown_text
from compliance_kit.privacy.suppression import (HIDDEN, blank_small_rates, check_k, is_small,
                                                null_small_counts, protect_table, rate_shown,
                                                statistic_shown, suppress_small_counts,
                                                suppression_mask)


def determined_cells(values, hide, hide_tot, totals, column_totals_known):
    """Hidden cells a reader can compute exactly from the equations the page gives:
    each row's cells sum to its shown total (rows with a total), each column sums to its
    known total, and the row totals sum to the grand total. Linear algebra, no bounds: a
    hidden cell is determined iff its unit vector lies in the row space of the equations
    restricted to the hidden unknowns."""
    n_rows, n_cols = len(values), len(values[0])
    unknowns = [("c", i, j) for i in range(n_rows) for j in range(n_cols) if hide[i][j]]
    if totals is not None:
        unknowns += [("t", i) for i in range(n_rows) if hide_tot[i]]
    if not unknowns:
        return []
    index = {u: n for n, u in enumerate(unknowns)}
    equations = []
    if totals is not None:
        for i in range(n_rows):
            eq = np.zeros(len(unknowns))
            for j in range(n_cols):
                if hide[i][j]:
                    eq[index[("c", i, j)]] = 1
            if hide_tot[i]:
                eq[index[("t", i)]] = -1
            equations.append(eq)
    if column_totals_known:
        for j in range(n_cols):
            eq = np.zeros(len(unknowns))
            for i in range(n_rows):
                if hide[i][j]:
                    eq[index[("c", i, j)]] = 1
            equations.append(eq)
        if totals is not None:
            eq = np.zeros(len(unknowns))
            for i in range(n_rows):
                if hide_tot[i]:
                    eq[index[("t", i)]] = 1
            equations.append(eq)
    a = np.array(equations) if equations else np.zeros((0, len(unknowns)))
    rank = np.linalg.matrix_rank(a) if len(equations) else 0
    found = []
    for u, n in index.items():
        e = np.zeros(len(unknowns))
        e[n] = 1
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            found.append(u)
    return found


def test_primary_rule():
    assert [is_small(n, 5) for n in (0, 1, 4, 5, None)] == [False, True, True, False, False]


def test_the_recovery_check_can_fail():
    """Primary suppression alone leaves a lone hidden cell recoverable from its row total."""
    values, totals = [[3, 40, 57]], [100]
    hide = [[True, False, False]]
    assert determined_cells(values, hide, [False], totals, False) == [("c", 0, 0)]


@pytest.mark.parametrize("seed", range(200))
def test_secondary_suppression_leaves_nothing_recoverable(seed):
    rng = random.Random(seed)
    n_rows, n_cols, k = rng.randint(1, 7), rng.randint(2, 6), rng.choice([5, 10, 20])
    values = [[rng.choice([0, 0, rng.randint(1, k - 1), rng.randint(1, 3 * k), rng.randint(k, 200)])
               for _ in range(n_cols)] for _ in range(n_rows)]
    with_totals = rng.random() < 0.7
    totals = [sum(r) for r in values] if with_totals else None
    known = rng.random() < 0.8
    hide, hide_tot = suppression_mask(values, k, totals, known)
    for i, row in enumerate(values):  # primary holds
        for j, v in enumerate(row):
            if 0 < v < k:
                assert hide[i][j]
        if totals is not None and 0 < totals[i] < k:
            assert hide_tot[i]
    # secondary: no hidden cell can be worked out exactly, unless it is a whole line alone
    # (a single-row table whose column totals are shown elsewhere: the total there is then
    # the same small count, and the figures registry hides it too)
    recovered = determined_cells(values, hide, hide_tot, totals, known)
    if n_rows > 1:
        assert not recovered, (values, totals, hide, hide_tot)


def test_protect_table_marks_every_hidden_cell_the_same():
    df = pl.DataFrame({"group": ["a", "b", "c"], "records": [50, 61, 9],
                       "overdue": [2, 10, 4], "erased": [48, 51, 5]})
    out = protect_table(df, ["overdue", "erased"], 5, total="records")
    # a/overdue (2) and c/overdue (4) are primary; c/records (9) is shown, so c/erased must
    # go too (else 9 - 5 = 4), and the erased column then needs a second hidden cell.
    assert out.filter(pl.col("group") == "c")["erased"].item() == HIDDEN
    assert out["overdue"].to_list()[0] == HIDDEN and out["overdue"].to_list()[2] == HIDDEN
    assert set(out["erased"].to_list()) & {HIDDEN} and out["erased"].to_list().count(HIDDEN) >= 2
    shown = {v for c in ("overdue", "erased", "records") for v in out[c].to_list()}
    assert not {"2", "4"} & shown and "<5" not in shown, "one mark for primary and complementary cells"
    charted = protect_table(df, ["overdue", "erased"], 5, total="records", for_chart=True)
    assert charted["overdue"].dtype == pl.Int64 and charted["overdue"].to_list()[0] is None


def test_null_small_counts_for_charts():
    df = pl.DataFrame({"n": [0, 3, 7]})
    assert null_small_counts(df, "n", 5)["n"].to_list() == [0, None, 7]


def test_small_count_edges():
    """The edges of primary suppression, by hand with k = 5: 0 is shown ("0 overdue"
    singles out nobody), 1 and 4 (= k-1) are hidden, 5 (= k) is shown; nulls stay null."""
    df = pl.DataFrame({"n": [0, 1, 4, 5, None]})
    assert suppress_small_counts(df, "n", 5)["n"].to_list() == ["0", "<5", "<5", "5", None]
    assert null_small_counts(df, "n", 5)["n"].to_list() == [0, None, None, 5, None]


@pytest.mark.parametrize("k", [0, -1, True, 2.5, "5"])
def test_k_must_be_a_whole_number_from_one(k):
    with pytest.raises(ValueError):
        check_k(k)
    assert check_k(1) == 1


def test_rates_and_statistics():
    assert rate_shown(244, 284, 5) == (True, None)
    assert rate_shown(1, 3, 5)[0] is False                 # base under k
    assert rate_shown(5, 6, 5)[0] is False                 # 83.3% of 6 reveals the 1 other
    assert rate_shown(0, 40, 5)[0] and rate_shown(40, 40, 5)[0]
    assert statistic_shown(4, 5)[0] is False and statistic_shown(5, 5)[0]
    df = pl.DataFrame({"received": [6, 284, 3], "in_time": [5, 244, 3], "pct": [83.33, 85.92, 100.0]})
    out = blank_small_rates(df, {"pct": ("received", "in_time")}, 5, scale=100)
    assert out["pct"].to_list() == [None, 85.92, None]
    read_back = blank_small_rates(df.drop("in_time"), {"pct": ("received", None)}, 5, scale=100)
    assert read_back["pct"].to_list() == [None, 85.92, None], "the numerator read back from the rate"


def test_headline_narrow_scope_k20():
    figures = {"received": 30, "responded_in_time": 27, "responded_late": 3, "open_in_time": 0,
               "open_late": 0, "performance_pct": 90.0, "max_achievable_pct": 90.0, "km_median_days": 6,
               "naive_median_days": 6.0, "extended": 4, "paused": 1, "extension_notice_late": 0,
               "no_fixed_deadline": 0}
    shown = {s.key.split(".")[1]: s for s in shown_section("requests", figures, 20)}
    assert shown["responded_late"].text == HIDDEN
    assert shown["responded_in_time"].text == HIDDEN, "else 30 - 27 - 0 - 0 gives the 3 away"
    assert shown["received"].text == "30"
    assert shown["performance_pct"].hidden and shown["max_achievable_pct"].hidden
    assert shown["extended"].text == "<20" and shown["paused"].text == "<20"
    assert shown["extension_notice_late"].text == "0"
    frame = headline_frame("requests", figures, 20)
    for value in frame["value"].to_list():  # counts only: "6 days" is a median over 30
        if value.replace(",", "").isdigit():
            assert not 0 < int(value.replace(",", "")) < 20, value
    assert shown_text("requests", "paused", figures, 20) == "<20"


def test_retention_share_hidden_when_overdue_small():
    figures = {"records_checked": 900, "overdue": 3, "overdue_rate": 3 / 900, "erased_late": 0,
               "on_legal_hold": 40, "conflict": 0}
    shown = {s.key.split(".")[1]: s for s in shown_section("retention", figures, 5)}
    # overdue is a part of the records checked (figures.PARTITIONS): hidden, like its complement
    assert shown["overdue"].text == HIDDEN and shown["overdue_rate"].hidden
    assert shown["overdue_rate"].reason == "it would reveal a count below 5"
    hidden = [k for k, v in shown.items() if v.text == HIDDEN]
    assert len(hidden) >= 2, "a complement keeps the small count from being worked out"


def test_the_unshown_rest_of_a_partition_is_protected():
    """records checked minus the four statuses the headline shows is the rest (on time,
    running, no trigger): a reader can work it out, so a small rest needs a complement."""
    figures = {"records_checked": 900, "overdue": 300, "erased_late": 300, "on_legal_hold": 298,
               "conflict": 0, "overdue_rate": 300 / 900}
    shown = {s.key.split(".")[1]: s for s in shown_section("retention", figures, 5)}
    assert [k for k, v in shown.items() if v.text == HIDDEN] == ["on_legal_hold"]


def test_policy_counts_are_never_hidden():
    shown = shown_section("policy", {"conflicts": 2, "low_confidence_rules": 1}, 5)
    assert [s.text for s in shown] == ["2", "1"]

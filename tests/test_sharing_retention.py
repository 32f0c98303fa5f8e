"""Safe to share: the retention notebook's shared views (analysis/retention.py) and the
policy overview's title line.

Every count from 1 to k-1 is hidden wherever it appears (headline, tables, charts down to
the SVG's aria-labels, case lists), a table whose total is shown elsewhere gets secondary
suppression, rates over a small or hidden base are blank, and every value reaching
Markdown is escaped. Counts are planted in a hand-built store (conftest_retention) so the
small ones are known; the headline is also checked on the demo store with k=20 on a narrow
scope (IS and PT).
"""

from __future__ import annotations

import datetime as dt
import html
import re

import polars as pl
import pytest
import vl_convert as vlc
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from compliance_kit.analysis import policy_overview as overview
from compliance_kit.analysis import retention as R
from compliance_kit.figures import headline_frame
from compliance_kit.privacy.suppression import HIDDEN
from compliance_kit.store import connect
from conftest_reports import ROOT
from conftest_retention import RetentionStore

AS_OF = "2026-10-31"
K = 5
PAYLOAD = "<img src=x onerror=alert(1)>"
DEMO_STORE = ROOT / "data" / "compliance.duckdb"


def _ts(day: str, hour: int = 0) -> str:
    return f"{day} {hour:02d}:00:00+00"


@pytest.fixture
def planted(tmp_path):
    """A store whose counts are known (k = 5):

    - account_data / crm / FR: 28 overdue > 90 days, 2 overdue 8-30 days, 20 no trigger,
      25 erased on time, 6 clock running with a deadline within 30 days;
    - usage_logs / logs / DE: 3 overdue (small), 25 no trigger, 2 erased on time (small),
      2 clock running within 30 days (small);
    - transaction_records / zeta-billing / FR: 10 overdue, 10 no trigger.
    Every rule resolves to the text's 10 days after account deletion (the strictest).
    """
    s = RetentionStore(tmp_path)

    def add(n, category, system, jurisdiction, deleted=None, erased=None):
        for i in range(n):
            a = s.account(jurisdiction, deleted_at=_ts(deleted, i % 24) if deleted else None)
            s.record(a, category=category, jurisdiction=jurisdiction, system=system,
                     erased_at=_ts(erased, i % 24 + 0) if erased else None)

    add(28, "account_data", "crm", "FR", deleted="2025-01-01")
    add(2, "account_data", "crm", "FR", deleted="2026-10-10")
    add(20, "account_data", "crm", "FR")
    add(25, "account_data", "crm", "FR", deleted="2025-03-01", erased="2025-03-02")
    add(6, "account_data", "crm", "FR", deleted="2026-10-25")
    add(3, "usage_logs", "logs", "DE", deleted="2025-01-01")
    add(25, "usage_logs", "logs", "DE")
    add(2, "usage_logs", "logs", "DE", deleted="2025-03-01", erased="2025-03-02")
    add(2, "usage_logs", "logs", "DE", deleted="2026-10-25")
    add(10, "transaction_records", "zeta-billing", "FR", deleted="2025-01-01")
    add(10, "transaction_records", "zeta-billing", "FR")
    yield s
    s.con.close()


@pytest.fixture
def run(planted):
    return R.evaluate(planted.con, AS_OF)


def small(value, k=K) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < k


def small_text(value, k=K) -> bool:
    """A table cell that shows a count from 1 to k-1."""
    return isinstance(value, str) and value.replace(",", "").isdigit() and 0 < int(value.replace(",", "")) < k


# --------------------------------------------------------------------------- SVG helpers

COUNT_FIELDS = ("n", "erased", "overdue", "records", "overdue records", "records erased")


def svg_pairs(chart) -> list[dict[str, str]]:
    """Every aria-label of the rendered SVG as {field: value} (marks carry their data)."""
    svg = vlc.vegalite_to_svg(chart.to_json())
    out = []
    for label in re.findall(r'aria-label="([^"]*)"', svg):
        label = html.unescape(label)
        out.append(dict(p.split(": ", 1) for p in label.split("; ") if ": " in p))
    return out


def spec_rows(chart) -> list[dict]:
    return [row for rows in chart.to_dict().get("datasets", {}).values() for row in rows]


def assert_no_small_count_drawn(chart, k=K):
    for row in spec_rows(chart):
        for field in COUNT_FIELDS:
            assert not small(row.get(field), k), f"spec data holds {field}={row.get(field)}: {row}"
    for pairs in svg_pairs(chart):
        for field in COUNT_FIELDS:
            value = pairs.get(field)
            if value is not None and value.replace(",", "").isdigit():
                assert not small(int(value.replace(",", "")), k), f"SVG shows {field}={value}: {pairs}"


# --------------------------------------------------------------------------- headline

def test_headline_markdown_shows_what_figures_allow_and_escapes(run):
    figures = R.headline(run)
    assert figures["overdue"] == 43 and figures["records_checked"] == 133
    text = R.headline_markdown(figures, K, AS_OF, "strictest").data
    assert "**133** records checked" in text and "**43** overdue" in text
    assert "scope: all jurisdictions, categories and systems" in text
    # k = 50: 43 overdue is hidden, and so is the share it would give away
    hidden = R.headline_markdown(figures, 50, AS_OF, "strictest").data
    # (overdue is a part of the records checked: hidden there reads "hidden", like its complement)
    assert "**hidden** overdue" in hidden and "43" not in hidden
    assert "share not shown" in hidden and "32.3%" not in hidden


def test_headline_table_is_the_figures_registry_view(run):
    figures = R.headline(run)
    table = R.headline_table(figures, 50)
    assert table.equals(headline_frame("retention", figures, 50))
    values = dict(zip(table["figure"], table["value"]))
    assert values["Records overdue for erasure"] == "hidden"
    assert values["Records checked"] == "133"


def test_payload_in_scope_and_rule_set_stays_inert(run):
    figures = R.headline(run)
    md_text = R.headline_markdown(figures, K, AS_OF, "<script>alert(2)</script>",
                                  jurisdictions=["FR"], systems=[PAYLOAD, "[x](javascript:alert(3))"]).data
    assert "<img" not in md_text and "<script" not in md_text
    rendered = markdown2html_mistune(md_text)
    assert "<img" not in rendered and "<script" not in rendered and "<a " not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered  # shown as text


def test_headline_sentence_hides_every_small_count_on_a_narrow_scope():
    # IS and PT: 232 records, 1 overdue, 4 on legal hold; with k = 20 neither may show
    con = connect(DEMO_STORE, read_only=True)
    try:
        scope = dict(jurisdictions=["IS", "PT"])
        figures = R.headline(R.evaluate(con, AS_OF, **scope))
    finally:
        con.close()
    k = 20
    planted_small = {v for v in figures.values() if isinstance(v, int) and 0 < v < k}
    assert planted_small, figures  # the scope does hold small counts
    text = R.headline_markdown(figures, k, AS_OF, "strictest", **scope).data
    words = text.replace(r"2026\-10\-31", "")
    numbers = {int(n.strip(",").replace(",", "")) for n in re.findall(r"\d[\d,]*", words)}
    assert not {n for n in numbers if 0 < n < k}, text
    small = sum(1 for v in figures.values() if isinstance(v, int) and 0 < v < k)
    assert text.count("&lt;20") + text.count("hidden") >= small
    assert "**232** records checked" in text
    assert "share not shown" in text
    table = R.headline_table(figures, k)
    assert not any(small_text(v, k) for v in table["value"])


# --------------------------------------------------------------------------- status tables

def test_shared_status_table_protects_rows_and_columns(run):
    raw = R.status_table(run, "category")
    shown = R.shared_status_table(run, "category", K)
    cells = ["records", *R.STATUSES]
    for row in shown.select(cells).iter_rows():
        assert not any(small_text(v) for v in row)
    hidden = {(i, c) for c in cells for i, v in enumerate(shown[c]) if v == HIDDEN}
    # every planted small count is hidden (usage_logs: 3 overdue, 2 erased on time)
    logs = raw["category"].to_list().index("usage_logs")
    assert {(logs, "overdue"), (logs, "erased_on_time")} <= hidden
    # secondary: no row (with its total) and no column holds exactly one hidden cell
    for i in range(shown.height):
        assert sum(1 for c in cells if (i, c) in hidden) != 1
    for c in R.STATUSES:
        assert sum(1 for i in range(shown.height) if (i, c) in hidden) != 1
    # no rate where a count it is taken from is hidden, and the note says why
    for rate, note, overdue, records in shown.select("overdue_rate", "note", "overdue", "records").iter_rows():
        if HIDDEN in (overdue, records):
            assert rate is None and note.startswith("rate not shown")
    assert shown.filter(pl.col("category") == "usage_logs")["overdue_rate"].item() is None


def test_status_chart_draws_only_what_the_table_shows(run):
    counts = R.status_counts(run, "category")
    table = R.shared_status_table(run, "category", K)
    data = R.status_chart_data(counts, K)
    drawn = {(c, s) for c, s in data.select("category", "status").iter_rows()}
    for row in table.iter_rows(named=True):
        for s in R.STATUSES:
            if row[s] == HIDDEN:
                assert (row["category"], s) not in drawn
            elif row[s] != "0":
                assert (row["category"], s) in drawn
    chart = R.status_by_category_chart(counts, K)
    assert_no_small_count_drawn(chart)
    assert "rate" not in {f.get("field") for f in chart.to_dict()["encoding"]["tooltip"]}
    assert "Groups under 5 are not drawn." in chart.to_dict()["title"]["subtitle"]


def test_heatmap_draws_only_rates_that_may_be_shown(run):
    counts = R.status_counts(run, "jurisdiction_category")
    data = R.heatmap_data(counts, K)
    assert data.columns == ["jurisdiction", "category", "overdue_rate"]  # no counts
    cells = {(j, c) for j, c in data.select("jurisdiction", "category").iter_rows()}
    # FR account_data: 30 of 81 overdue, shown; DE usage_logs: 3 overdue (small), not drawn;
    # FR transaction_records: 10 of 20, shown
    assert ("FR", "account_data") in cells and ("FR", "transaction_records") in cells
    assert ("DE", "usage_logs") not in cells
    chart = R.overdue_heatmap(counts, K)
    rows = spec_rows(chart)
    assert {r["jurisdiction"] for r in rows} == {"FR"}
    assert all(set(r) == {"jurisdiction", "category", "overdue_rate"} for r in rows)
    assert not [p for p in svg_pairs(chart) if p.get("jurisdiction") == "DE"]


def test_heatmap_rate_over_a_small_base_or_revealing_a_rest_is_blank():
    counts = pl.DataFrame({
        "jurisdiction": ["AA"] * 2 + ["BB"] * 2 + ["CC"] * 2,
        "category": ["x"] * 6,
        "status": ["overdue", "no_trigger"] * 3,
        "n": [1, 3, 20, 2, 0, 40],  # base 4; rest 2 is small; 0 overdue of 40 is fine
    })
    data = R.heatmap_data(counts, K)
    assert data["jurisdiction"].to_list() == ["CC"]
    assert data["overdue_rate"].to_list() == [0.0]


# --------------------------------------------------------------------------- lag

def test_lag_histogram_bins_under_k_are_not_drawn():
    histogram = pl.DataFrame({
        "category": ["a", "a", "a", "b", "b"],
        "lag_ratio_from": [0.0, 0.05, 1.2, 0.0, 5.0],
        "lag_ratio_to": [0.05, 0.1, 1.25, 0.05, 5.05],
        "erased": [40, 3, 12, 10, 25],
    })
    data = R.lag_chart_data(histogram, K)
    # 0.05 holds 3 (small): hidden, and with it the smallest other bin (12 at 1.2), since
    # the total (the '(all)' erased) is shown; 0.0 sums a and b; 5.0 is clipped to 3.0
    assert data.select("lag_ratio_from", "erased").rows() == [(0.0, 50), (3.0, 25)]
    chart = R.lag_chart(histogram, K)
    assert_no_small_count_drawn(chart)
    assert all(p.get("erased") != "12" for p in svg_pairs(chart))


def test_lag_percentiles_blank_where_the_count_is_hidden(run):
    table = R.lag_percentile_table(run, K)
    assert table["category"].to_list() == ["(all)", "account_data", "usage_logs"]
    by = {r["category"]: r for r in table.iter_rows(named=True)}
    assert by["(all)"]["erased"] == "27" and by["(all)"]["p50"] is not None
    # usage_logs: 2 erased (small); account_data is its complement (the total is shown)
    for category in ("usage_logs", "account_data"):
        assert by[category]["erased"] == HIDDEN
        assert all(by[category][p] is None for p in ("p50", "p90", "p95", "p99"))


# --------------------------------------------------------------------------- ageing, trend

def test_ageing_table_and_chart_hide_a_small_bucket_and_a_complement(run):
    ageing = R.ageing(run)
    assert dict(zip(ageing["ageing_bucket"], ageing["overdue"])) == {"0-7": 0, "8-30": 2, "31-90": 0, ">90": 41}
    table = R.ageing_table(ageing, K)
    assert dict(zip(table["ageing_bucket"], table["overdue"])) == {
        "0-7": "0", "8-30": HIDDEN, "31-90": "0", ">90": HIDDEN}
    chart = R.ageing_chart(ageing, K)
    assert_no_small_count_drawn(chart)
    assert {r["ageing_bucket"] for r in spec_rows(chart)} == {"0-7", "31-90"}


def test_trend_months_under_k_are_not_drawn():
    trend = pl.DataFrame({
        "deadline_month": [dt.date(2026, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1),
                           dt.date(2026, 3, 1), dt.date(2026, 3, 1)],
        "status": ["overdue", "erased_on_time", "overdue", "overdue", "erased_on_time"],
        "n": [2, 30, 9, 20, 15],
    })
    data = R.trend_chart_data(trend, K)
    drawn = {(m.month, s): n for m, s, n in data.iter_rows()}
    # overdue: 2 hidden, its complement the smallest other (9); erased_on_time untouched
    assert drawn == {(1, "erased_on_time"): 30, (3, "overdue"): 20, (3, "erased_on_time"): 15}
    chart = R.trend_chart(trend, K)
    assert_no_small_count_drawn(chart)
    assert all(p.get("n") != "9" for p in svg_pairs(chart))


# --------------------------------------------------------------------------- top systems, upcoming

def test_top_systems_hide_small_overdue_with_its_rate_and_oldest_days(run):
    table = R.top_systems_table(run, K, n=10)
    rows = {r["system"]: r for r in table.iter_rows(named=True)}
    assert table["system"].to_list() == ["crm", "logs", "zeta-billing"]  # hidden ones by name
    assert rows["crm"]["overdue"] == "30" and rows["crm"]["overdue_rate"] is not None
    for system in ("logs", "zeta-billing"):  # 3 (small) and its complement 10
        assert rows[system]["overdue"] == HIDDEN
        assert rows[system]["overdue_rate"] is None and rows[system]["days_overdue_max"] is None
    assert not any(small_text(v) for r in table.iter_rows() for v in r)
    assert R.top_systems_table(run, K, n=1)["system"].to_list() == ["crm"]


def test_upcoming_total_and_table(run):
    upcoming = R.upcoming(run)
    assert upcoming["records"].sum() == 8
    assert "**8**" in R.upcoming_markdown(upcoming, 30, K).data
    assert "**&lt;10**" in R.upcoming_markdown(upcoming, 30, 10).data
    assert "**0**" in R.upcoming_markdown(upcoming.head(0), 30, K).data
    table = R.upcoming_table(upcoming, K)
    # 6 (crm) and 2 (logs) sum to the sentence's 8: both hidden, no first deadline shown
    assert table["records"].to_list() == [HIDDEN, HIDDEN]
    assert table["first_deadline"].null_count() == 2
    assert table["category"].to_list() == sorted(table["category"].to_list())


# --------------------------------------------------------------------------- case list

def _cases(n: int) -> pl.DataFrame:
    return pl.DataFrame({
        "record_id": [f"rec-{i:04d}" for i in range(n)],
        "category": ["account_data"] * n, "system": ["crm"] * n, "jurisdiction": ["IS"] * n,
        "trigger_event": ["account_deleted"] * n, "rule_id": ["r"] * n,
        "clock_start": [dt.datetime(2025, 1, 1)] * n,
        "deadline": [dt.datetime(2025, 1, 11, 13, 5) + dt.timedelta(days=i) for i in range(n)],
        "days_overdue": [600 - i for i in range(n)],
    })


def test_case_list_below_k_is_one_sentence():
    for in_scope in range(1, K):
        shown = R.case_list(_cases(in_scope), in_scope, K, salt="s")
        assert not shown.shown
        assert shown.sentence == f"Fewer than {K} overdue records in this scope: no list is shown."
    assert "No overdue records" in R.case_list(_cases(0), 0, K, salt="s").sentence


def test_case_list_from_k_shows_pseudonym_deadline_and_days_only():
    cases = _cases(K)
    shown = R.case_list(cases, K, K, salt="run-key").frame
    assert shown.columns == ["pseudonym", "deadline", "days_overdue"]
    assert shown.schema["deadline"] == pl.Date
    assert shown["days_overdue"].to_list() == [600, 599, 598, 597, 596]
    assert not set(shown["pseudonym"]) & set(cases["record_id"])
    assert all(re.fullmatch(r"[0-9a-f]{12}", p) for p in shown["pseudonym"])
    # the same key gives the same pseudonyms; the order follows days overdue
    again = R.case_list(cases.reverse(), K, K, salt="run-key").frame
    assert again.equals(shown)
    # the rule reads the scope, not the length of the list asked for
    assert R.case_list(cases.head(2), 50, K, salt="run-key").shown
    assert not R.case_list(cases, K - 1, K, salt="run-key").shown
    # a count the headline shows as hidden (a complement) gets no list: its length would tell
    hidden = R.case_list(cases, 50, K, salt="run-key", count_hidden=True)
    assert not hidden.shown and "hidden" in hidden.sentence


# --------------------------------------------------------------------------- readings, rules

def test_compare_table_protects_each_reading_column():
    comparison = pl.DataFrame({"status": ["a", "b", "c"], "strictest": [100, 3, 50],
                               "retention_table": [100, 0, 53], "retention_text": [90, 13, 50]})
    shown = R.compare_table(comparison, K)
    assert shown["strictest"].to_list() == ["100", HIDDEN, HIDDEN]
    assert shown["retention_table"].to_list() == ["100", "0", "53"]


def test_verdict_changes_cannot_be_recovered_from_the_comparison():
    # under the table, 'overdue' holds 100; under the text 97: the records leaving overdue
    # (3 + 10) minus those entering it (10) equal 3, so a lone hidden 3 would come back
    comparison = pl.DataFrame({"status": ["overdue", "no_trigger", "erased_late"],
                               "strictest": [100, 200, 50], "retention_table": [100, 200, 50],
                               "retention_text": [97, 203, 50]})
    changes = pl.DataFrame({"category": ["a", "b", "a"],
                            "status_table": ["overdue", "overdue", "no_trigger"],
                            "status_text": ["no_trigger", "no_trigger", "overdue"],
                            "records": [3, 10, 10]})
    shown = R.verdict_changes_table(changes, comparison, K)
    assert shown["records"].to_list() == [HIDDEN, HIDDEN, "10"]
    assert shown["category"].equals(changes["category"])
    # the statuses read as the other tables' headers do
    assert shown["status_table"].to_list() == ["overdue", "overdue", "no clock started"]
    assert shown["status_text"].to_list() == ["no clock started", "no clock started", "overdue"]
    assert R.compare_table(comparison, K)["status"].to_list() == ["overdue", "no clock started", "erased late"]


def test_rules_table_protects_the_records_column(run, planted):
    table = R.rules_table(planted.con, run, K)
    assert table.columns[-1] == "records"
    assert not any(small_text(v) for v in table["records"])
    hidden = (table["records"] == HIDDEN).sum()
    assert hidden != 1


# --------------------------------------------------------------------------- policy overview

def test_policy_title_line_is_escaped():
    version = {"policy_id": "acme/2022", "title": "<img src=x onerror=alert(1)> *Policy*",
               "version": "[v1](javascript:alert(2))", "source_sha256": "ab" * 32}
    text = overview.version_markdown(version).data
    rendered = markdown2html_mistune(text)
    assert "<img" not in rendered and "<a " not in rendered and "<em>" not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "abababababab…" in rendered and "ab" * 7 not in rendered


def test_policy_headline_counts_are_rules_and_never_hidden():
    figures = {"categories": 13, "conflicts": 2, "deadline_rules": 29, "declared_flows": 18,
               "jurisdictions": 22, "low_confidence_rules": 4, "modules": 39,
               "retention_rules": 23, "statute_rules": 3}
    table = headline_frame("policy", figures, 20)
    values = dict(zip(table["figure"], table["value"]))
    assert values["Rules marked for legal review"] == "4"
    assert values["Conflicts between rules"] == "2"
    assert set(table["note"]) == {""}

"""Volumes, shares, findings and filters on a hand-built set of transfers whose sums
are written out below."""

import datetime as dt

import polars as pl
import pytest

from compliance_kit.analysis import flows
from compliance_kit.errors import ParameterError
from conftest_flows import add_transfers, flows_store  # noqa: F401  (fixture)

UTC = dt.timezone.utc


def ts(y, m, d, h=12):
    return dt.datetime(y, m, d, h, tzinfo=UTC)


ROWS = [
    # declared: KR -> adyen SG credit_card, encrypted
    dict(transfer_id="a1", occurred_at=ts(2026, 1, 10), source="KR", recipient="adyen_sg",
         destination="SG", category="credit_card", record_count=100, bytes=10_000),
    dict(transfer_id="a2", occurred_at=ts(2026, 2, 10), source="KR", recipient="adyen_sg",
         destination="SG", category="credit_card", record_count=50, bytes=5_000),
    # unencrypted on the same flow
    dict(transfer_id="a3", occurred_at=ts(2026, 2, 11), source="KR", recipient="adyen_sg",
         destination="SG", category="credit_card", record_count=5, bytes=500, encrypted=False),
    # FR declared through the EEA flow
    dict(transfer_id="f1", occurred_at=ts(2026, 1, 31, 23), source="FR", recipient="tencent_group",
         destination="CN", category="account_data", record_count=40, bytes=4_000, mechanism="scc"),
    # FR undeclared recipient? no: EEA flow names '*' -> to US it is an undeclared destination
    dict(transfer_id="f2", occurred_at=ts(2026, 2, 1, 0), source="FR", recipient="tencent_group",
         destination="US", category="account_data", record_count=3, bytes=300, mechanism="scc"),
    # KR unknown recipient
    dict(transfer_id="u1", occurred_at=ts(2026, 3, 1), source="KR", recipient="unknown_vendor",
         destination="US", category="usage_logs", record_count=2, bytes=200),
    # JP without consent
    dict(transfer_id="j1", occurred_at=ts(2026, 3, 2), source="JP", recipient="tencent_group",
         destination="SG", category="account_data", record_count=7, bytes=700),
]


@pytest.fixture
def con(flows_store):
    add_transfers(flows_store, ROWS)
    return flows_store


def test_headline(con):
    h = flows.metric_set(con).headline
    assert set(flows.HEADLINE_KEYS) <= set(h)
    assert h["transfers"] == 7
    assert h["records"] == 207
    assert h["bytes"] == 20_700
    assert h["share_declared_records"] == pytest.approx(190 / 207)
    assert h["share_declared_bytes"] == pytest.approx(19_000 / 20_700)
    assert h["undeclared_transfers"] == 2        # f2, u1
    assert h["nonconforming_transfers"] == 2     # a3, j1
    assert h["undeclared_flows"] == 2


def test_volumes_by_month_source_destination_recipient(con):
    v = flows.metric_set(con).volumes
    assert v.columns[:4] == ["month", "source_jurisdiction", "destination_country", "recipient"]
    kr_feb = v.filter((pl.col("month") == dt.date(2026, 2, 1)) & (pl.col("recipient") == "adyen_sg"))
    assert kr_feb.select("transfers", "records", "bytes", "declared_records", "declared_bytes").row(0) == (
        2, 55, 5_500, 50, 5_000)
    # month boundaries are UTC: 31 Jan 23:00 is January, 1 Feb 00:00 is February
    fr = v.filter(pl.col("source_jurisdiction") == "FR").sort("month")
    assert fr["month"].to_list() == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert v["records"].sum() == 207


def test_matrix_and_breakdown(con):
    m = flows.metric_set(con)
    kr_sg = m.matrix.filter((pl.col("source_jurisdiction") == "KR") & (pl.col("destination_country") == "SG"))
    assert kr_sg.select("transfers", "records", "declared_records").row(0) == (3, 155, 150)
    assert kr_sg["share_declared_records"][0] == pytest.approx(150 / 155)
    b = m.breakdown
    assert b["classification"].to_list() == list(flows.CLASSIFICATIONS)
    assert dict(zip(b["classification"], b["transfers"])) == {
        "undeclared_recipient": 1, "undeclared_destination": 1, "undeclared_category": 0,
        "missing_mechanism": 1, "unencrypted": 1, "declared": 3}


def test_findings_are_aggregated_with_their_rule(con):
    f = flows.metric_set(con).findings
    assert "transfer_id" not in f.columns
    assert f["classification"].to_list() == [
        "undeclared_recipient", "undeclared_destination", "missing_mechanism", "unencrypted"]
    assert f.filter(pl.col("classification") == "missing_mechanism")["rule_quote"].to_list() == [
        "you consent to the cross-border transfer of your information"]
    assert f["rule_broken"].null_count() == 0


def test_window_filter_includes_both_days(con):
    h = flows.metric_set(con, window_start="2026-02-01", window_end="2026-02-11").headline
    assert h["transfers"] == 3          # a2, a3, f2 (f1 is 31 Jan 23:00 UTC)
    h = flows.metric_set(con, window_start="2026-02-01", window_end="2026-02-10").headline
    assert h["transfers"] == 2


def test_as_of_excludes_later_transfers(con):
    h = flows.metric_set(con, as_of="2026-02-28").headline
    assert h["transfers"] == 5


def test_source_filter_resolves_blocs(con):
    assert flows.metric_set(con, source_jurisdictions=["EEA"]).headline["transfers"] == 2
    assert flows.metric_set(con, source_jurisdictions=["FR"]).headline["transfers"] == 2
    assert flows.metric_set(con, source_jurisdictions=["KR", "JP"]).headline["transfers"] == 5
    assert flows.metric_set(con, source_jurisdictions="jp").headline["transfers"] == 1
    assert flows.metric_set(con, source_jurisdictions=["GLOBAL"]).headline["transfers"] == 7


def test_empty_scope_gives_zero_volume_and_no_share(con):
    m = flows.metric_set(con, source_jurisdictions=["DE"])
    assert m.headline["transfers"] == 0 and m.headline["records"] == 0
    assert m.headline["share_declared_records"] is None
    assert m.volumes.height == 0 and m.findings.height == 0
    assert m.breakdown["transfers"].sum() == 0


def test_summary_total_equals_per_transfer_classification(con):
    per_transfer = flows.classify_transfers(con)
    s = flows.summary(con)
    a = per_transfer.group_by("classification").agg(pl.col("record_count").sum().alias("records")).sort("classification")
    b = s.group_by("classification").agg(pl.col("records").sum()).sort("classification")
    assert a.to_dicts() == b.to_dicts()


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(window_start="2026-13-01"), "window_start"),
    (dict(window_start="2026-03-01", window_end="2026-02-01"), "swap"),
    (dict(source_jurisdictions=[]), "source_jurisdictions"),
    (dict(source_jurisdictions=[1]), "source_jurisdictions"),
    (dict(window_end=20260101), "window_end"),
])
def test_bad_parameters_fail_fast(kwargs, fragment):
    with pytest.raises(ParameterError, match=fragment):
        flows.validate_parameters(**kwargs)


def test_months_are_utc_whatever_the_session_time_zone(con):
    con.execute("SET TimeZone = 'Asia/Tokyo'")  # 31 Jan 23:00 UTC is 1 Feb 08:00 in Tokyo
    v = flows.metric_set(con, source_jurisdictions=["FR"]).volumes.sort("month")
    assert v["month"].to_list() == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]


def test_unknown_source_code_is_a_parameter_error(con):
    assert flows.check_sources(con, ["EEA", "kr"]) == ["EEA", "KR"]
    assert flows.check_sources(con, None) is None
    with pytest.raises(ParameterError, match="XX"):
        flows.check_sources(con, ["FR", "XX"])


def test_declared_flow_usage(con):
    u = flows.metric_set(con).usage
    assert u.height == 8  # every declared flow, used or not
    row = {r["flow_id"]: r for r in u.iter_rows(named=True)}
    assert (row["kr_adyen"]["transfers"], row["kr_adyen"]["conforming_transfers"],
            row["kr_adyen"]["nonconforming_transfers"]) == (3, 2, 1)
    assert row["jp_consent"]["nonconforming_transfers"] == 1
    assert row["eea_scc_cn"]["transfers"] == 1          # f1 (f2 went to the US: undeclared)
    assert row["ca_sg"]["transfers"] == 0 and row["ca_sg"]["first_month"] is None
    assert u["transfers"].sum() == 5                   # all but the two undeclared

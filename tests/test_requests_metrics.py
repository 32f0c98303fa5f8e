"""Timeliness metrics over request_status: classes, percentages, queue, Kaplan-Meier,
CCPA 7102, filters and grouping."""

import datetime as dt

import polars as pl
import pytest

from compliance_kit.analysis import requests as rq
from compliance_kit.errors import ParameterError
from conftest_requests import tiny  # noqa: F401  (fixture)

AS_OF = dt.date(2025, 1, 31)


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


def km_store(tiny):
    """Seven requests: completed after 2, 3, 3, 6 and 10 days; two still open, received
    5 and 8 days before the as-of date (censored there)."""
    tiny.rule("sg", "SG", "calendar_days", amount=30)
    for days in (2, 3, 3, 6, 10):
        tiny.request("SG", day(-40), completed=day(-40 + days))
    tiny.request("SG", day(-5))
    tiny.request("SG", day(-8))
    return tiny


def test_kaplan_meier_by_hand(tiny):
    km_store(tiny).analyse(as_of=AS_OF)
    curve = rq.km_curve(tiny.con)
    # t=2: 7 at risk, 1 event -> 6/7; t=3: 6 at risk, 2 -> 6/7*4/6 = 4/7;
    # t=5: 1 censored; t=6: 3 at risk, 1 -> 4/7*2/3 = 8/21; t=8: censored; t=10: 1 of 1 -> 0.
    expected = {2: (7, 6 / 7), 3: (6, 4 / 7), 5: (4, 4 / 7), 6: (3, 8 / 21), 8: (2, 8 / 21), 10: (1, 0.0)}
    got = {r["days"]: (r["at_risk"], r["survival"]) for r in curve.iter_rows(named=True)}
    assert set(got) == set(expected)
    for t, (n, s) in expected.items():
        assert got[t][0] == n and got[t][1] == pytest.approx(s, abs=1e-9), t
    ttc = rq.time_to_complete(tiny.con).row(0, named=True)
    assert ttc["km_median_days"] == 6      # first day S <= 0.5
    assert ttc["km_p90_days"] == 10        # first day S <= 0.1
    assert ttc["naive_median_days"] == 3   # completed only: 2, 3, 3, 6, 10 -> biased low
    assert (ttc["completed"], ttc["censored"]) == (5, 2)


def test_kaplan_meier_not_reached_when_most_are_open(tiny):
    tiny.rule("sg", "SG", "calendar_days", amount=30)
    tiny.request("SG", day(-20), completed=day(-19))
    for _ in range(3):
        tiny.request("SG", day(-10))
    tiny.analyse(as_of=AS_OF)
    ttc = rq.time_to_complete(tiny.con).row(0, named=True)
    assert ttc["km_median_days"] is None   # S = 3/4 at the last observation
    assert ttc["naive_median_days"] == 1
    assert rq.headline(tiny.con)["km_median_days"] == "not reached"


def test_kaplan_meier_per_group(tiny):
    km_store(tiny)
    tiny.request("KR", day(-30), completed=day(-29), channel="email")
    tiny.analyse(as_of=AS_OF)
    ttc = rq.time_to_complete(tiny.con, by="jurisdiction")
    assert ttc["jurisdiction"].to_list() == ["KR", "SG"]
    assert ttc["km_median_days"].to_list() == [1, 6]


def classes_store(tiny):
    tiny.rule("sg", "SG", "calendar_days", amount=30)
    tiny.rule("kr", "KR", "without_delay")
    tiny.request("SG", day(-60), completed=day(-40))                    # in time
    tiny.request("SG", day(-60), completed=day(-20))                    # late (due day -30)
    tiny.request("SG", day(-10))                                        # open in time, 20 to go
    tiny.request("SG", day(-27))                                        # open in time, due in 3
    tiny.request("SG", day(-45))                                        # open late
    tiny.request("KR", day(-45), completed=day(-44))                    # no fixed deadline
    return tiny


def test_classes_and_percentages(tiny):
    classes_store(tiny).analyse(as_of=AS_OF)
    p = rq.performance(tiny.con).row(0, named=True)
    assert (p["received"], p["responded_in_time"], p["responded_late"], p["open_in_time"],
            p["open_late"]) == (5, 1, 1, 2, 1)
    assert p["performance_pct"] == pytest.approx(20.0)
    assert p["max_achievable_pct"] == pytest.approx(60.0)
    assert p["no_fixed_deadline"] == 1 and p["received_all"] == 6
    q = rq.queue(tiny.con).row(0, named=True)
    assert (q["more_than_5_days"], q["due_within_5_days"], q["past_due"]) == (1, 1, 1)
    head = rq.headline(tiny.con)
    assert list(head)[:8] == list(rq.HEADLINE_KEYS)
    assert head["received"] == 5 and head["performance_pct"] == pytest.approx(20.0)
    nfd = rq.no_fixed_deadline(tiny.con)
    assert nfd.select("deadline_status", "requests").row(0) == ("without_delay", 1)


def test_grouping_by_jurisdiction_type_channel_month(tiny):
    classes_store(tiny).analyse(as_of=AS_OF)
    g = rq.performance(tiny.con, by=["jurisdiction", "type", "channel", "month"])
    assert g.select(pl.col("received_all").sum()).item() == 6
    assert set(g["jurisdiction"]) == {"SG", "KR"}
    with pytest.raises(ParameterError, match="cannot group"):
        rq.performance(tiny.con, by=["request_id; DROP TABLE requests"])


def test_extended_and_paused_counted_separately(tiny):
    tiny.rule("gb", "GB", "calendar_months", amount=1, extension_unit="calendar_months",
              extension_amount=2, pause_for_identity=True, holiday_calendar="GB", roll_forward=True)
    tiny.request("GB", "2024-09-03", extension_notified_at="2024-09-20", completed="2024-11-01")
    tiny.request("GB", "2024-09-03", id_requested_at="2024-09-04", id_verified_at="2024-09-06",
                 completed="2024-10-04")
    tiny.request("GB", "2024-09-03", extension_notified_at="2024-10-10", completed="2024-11-01")
    tiny.analyse(as_of="2024-12-31")
    p = rq.performance(tiny.con).row(0, named=True)
    assert (p["extended"], p["paused"], p["extension_notice_late"]) == (1, 1, 1)
    assert (p["responded_in_time"], p["responded_late"]) == (2, 1)


def test_filters_window_jurisdiction_bloc_and_type(tiny):
    tiny.rule("eea", "EEA", "calendar_months", amount=1, holiday_calendar="NL", roll_forward=True)
    tiny.rule("sg", "SG", "calendar_days", amount=30)
    fr = tiny.request("FR", "2024-03-01")
    nl = tiny.request("NL", "2024-06-01", type="deletion")
    sg = tiny.request("SG", "2024-06-01")
    assert set(tiny.analyse(jurisdictions=["EEA"])) == {fr, nl}
    assert set(tiny.analyse(jurisdictions="SG")) == {sg}
    assert set(tiny.analyse(types=["deletion"])) == {nl}
    assert set(tiny.analyse(window_start="2024-06-01", window_end="2024-06-01")) == {nl, sg}
    assert set(tiny.analyse(window_end="2024-05-31")) == {fr}
    with pytest.raises(ParameterError):
        tiny.analyse(window_start="2024-06-02", window_end="2024-06-01")
    with pytest.raises(ParameterError):
        tiny.analyse(as_of="31/10/2026")


def test_ccpa_7102_table(tiny):
    tiny.rule("ca", "US-CA", "calendar_days", amount=45)
    tiny.request("US-CA", "2024-09-01", type="access", completed="2024-09-11")
    tiny.request("US-CA", "2024-09-01", type="access", completed="2024-09-21", outcome="complied_in_part")
    tiny.request("US-CA", "2024-09-01", type="access", completed="2024-09-05", outcome="denied")
    tiny.request("US-CA", "2024-09-01", type="deletion")
    tiny.request("SG", "2024-09-01", type="access", completed="2024-09-02")  # not Californian
    tiny.analyse(as_of="2024-12-31")
    t = {r["request_type"]: r for r in rq.ccpa_7102(tiny.con).iter_rows(named=True)}
    assert set(t) == {"access", "deletion"}
    assert (t["access"]["received"], t["access"]["complied_in_whole_or_part"],
            t["access"]["denied"], t["access"]["median_days"]) == (3, 2, 1, 10)
    assert t["access"]["ccpa_category"] == "know"
    assert (t["deletion"]["received"], t["deletion"]["open"]) == (1, 1)


def test_metric_before_prepare_says_what_to_do(tmp_path):
    from compliance_kit.store import connect, create_schema

    con = connect(tmp_path / "empty.duckdb")
    create_schema(con)
    with pytest.raises(RuntimeError, match="prepare"):
        rq.performance(con)
    con.close()


def test_prepare_refuses_requests_left_without_a_deadline(tiny, monkeypatch):
    """The guard after prepare: a fixed rule that yields no due date (here: business days
    counted on calendars that end before the deadline) is reported as a bug, not
    counted as 'no fixed deadline'."""
    tiny.rule("sg", "SG", "business_days", amount=10)
    tiny.request("SG", "2024-12-28")
    monkeypatch.setattr(rq, "_year_range", lambda con, as_of: (2024, 2024))
    with pytest.raises(RuntimeError, match="calendar range is too short"):
        tiny.analyse(as_of=AS_OF)


def test_metric_source_of_the_wrong_kind_is_refused():
    with pytest.raises(TypeError, match="what requests.prepare returns"):
        rq.performance("data/compliance.duckdb")


def test_upcoming_and_distance(tiny):
    classes_store(tiny).analyse(as_of=AS_OF)
    up = rq.upcoming(tiny.con)
    assert up["queue_bucket"].to_list() == ["past_due", "due_within_5_days", "more_than_5_days"]
    assert up["days_to_deadline"].to_list() == [-15, 3, 20]
    dist = rq.distance_to_deadline(tiny.con)
    assert dist.select(pl.col("requests").sum()).item() == 5
    late = dist.filter(pl.col("class") == "responded_late")
    assert late["days_to_deadline"].to_list() == [-10]


def test_trend_groups_members_under_their_bloc(tiny):
    tiny.rule("eea", "EEA", "calendar_months", amount=1, holiday_calendar="NL", roll_forward=True)
    tiny.request("FR", "2024-03-01", completed="2024-03-05")
    tiny.request("NL", "2024-03-10", completed="2024-05-30")
    tiny.analyse(as_of="2024-12-31")
    trend = rq.on_time_trend(tiny.con, period="month", top=5)
    assert trend.select("period", "region", "received", "performance_pct").rows() == [
        (dt.date(2024, 3, 1), "EEA", 2, 50.0), (dt.date(2024, 3, 1), "all", 2, 50.0)]
    with pytest.raises(ParameterError):
        rq.on_time_trend(tiny.con, period="fortnight")


def test_performance_by_rule(tiny):
    tiny.rule("ca", "US-CA", "calendar_days", amount=45)
    tiny.rule("ca_opt", "US-CA", "business_days", request_type="opt_out", amount=15,
              holiday_calendar="US-CA")
    tiny.request("US-CA", "2024-08-26", type="opt_out", completed="2024-09-17")  # due 17 Sep
    tiny.request("US-CA", "2024-08-26", type="opt_out", completed="2024-09-18")
    tiny.request("US-CA", "2024-08-26", type="access", completed="2024-09-18")
    tiny.analyse(as_of="2024-12-31")
    by_rule = {r["deciding_rule_id"]: r for r in rq.performance_by_rule(tiny.con).iter_rows(named=True)}
    assert (by_rule["ca_opt"]["responded_in_time"], by_rule["ca_opt"]["responded_late"]) == (1, 1)
    assert by_rule["ca_opt"]["unit"] == "business_days" and by_rule["ca_opt"]["amount"] == 15
    assert by_rule["ca"]["responded_in_time"] == 1 and by_rule["ca"]["rule_jurisdiction"] == "US-CA"


def test_headline_of_an_empty_scope(tiny):
    tiny.rule("sg", "SG", "calendar_days", amount=30)
    tiny.request("SG", "2024-09-03")
    tiny.analyse(as_of="2024-12-31", types=["deletion"])
    head = rq.headline(tiny.con)
    assert head["received"] == 0
    assert head["performance_pct"] == "n/a" and head["max_achievable_pct"] == "n/a"
    assert head["km_median_days"] == "not reached"


def test_for_display_blanks_percentages_of_small_counts(tiny):
    classes_store(tiny).analyse(as_of=AS_OF)
    perf = rq.performance(tiny.con, by="jurisdiction")
    shown = {r["jurisdiction"]: r for r in rq.for_display(perf, k=5).iter_rows(named=True)}
    # SG: 5 received, 1 in time: the base is shown, the small counts are hidden, and so is
    # 20%, which would tell that 1 of 5 was in time
    assert shown["SG"]["received"] == "5" and shown["SG"]["performance_pct"] is None
    assert shown["SG"]["responded_in_time"] == "hidden"
    # KR: nothing with a fixed deadline (0 is shown: it singles out nobody), no percentage
    assert shown["KR"]["received"] == "0" and shown["KR"]["performance_pct"] is None
    assert "received_all" not in shown["SG"]  # received + no_fixed_deadline: left out
    small = {r["jurisdiction"]: r for r in rq.for_display(perf, k=6).iter_rows(named=True)}
    assert small["SG"]["performance_pct"] is None and small["SG"]["received"] == "hidden"


def test_region_groups_bloc_members(tiny):
    tiny.rule("eea", "EEA", "calendar_months", amount=1, holiday_calendar="NL", roll_forward=True)
    tiny.rule("ca", "US-CA", "calendar_days", amount=45)
    tiny.request("FR", "2024-03-01")
    tiny.request("NL", "2024-03-01")
    tiny.request("US-CA", "2024-03-01")
    tiny.request("ZZ", "2024-03-01")  # unknown to the store: its own region
    tiny.analyse(as_of="2024-12-31")
    got = dict(rq.performance(tiny.con, by="region").select("region", "received_all").rows())
    assert got == {"EEA": 2, "US": 1, "ZZ": 1}


def test_for_display_blanks_day_statistics_of_small_groups(tiny):
    km_store(tiny).analyse(as_of=AS_OF)  # 7 requests, 5 completed
    ttc = rq.time_to_complete(tiny.con)
    assert rq.for_display(ttc, k=7).row(0, named=True)["km_median_days"] == 6
    hidden = rq.for_display(ttc, k=8).row(0, named=True)
    assert hidden["km_median_days"] is None and hidden["naive_median_days"] is None
    assert hidden["completed"] == "hidden"


def test_the_survival_chart_keeps_a_step_with_exactly_k_at_risk():
    # k = 5: a step with 6 or 5 requests at risk is drawn, one with 4 is not.
    curve = pl.DataFrame({"days": [1, 2, 3], "at_risk": [6, 5, 4], "survival": [5 / 6, 4 / 6, 3 / 6]})
    assert rq.survival_for_chart(curve, 5)["days"].to_list() == [1, 2]

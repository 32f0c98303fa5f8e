"""Issue 16: the law's shape around the date arithmetic, hand-computed. Statutes from their
own dates, identity handling per rule, the UK clarification stop-the-clock, told
extensions, local days (IANA zones, DST) and "as of" at the end of the local as-of day.

Two kinds of store: the bundled policy (data/policy/..., encoded by policy.store) with
requests inserted row by row, so the rules under test are the ones the kit ships; and the
tiny hand-built stores of conftest_requests for rule shapes the policy does not have.
Every expected date is computed by hand in the comment beside it (2026 calendar: Good Friday
3 Apr, Easter Monday 6 Apr; 2024: Swiss National Day Thu 1 Aug)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from compliance_kit.analysis import requests as rq
from compliance_kit.privacy.suppression import HIDDEN
from compliance_kit.policy.spec import load_spec
from compliance_kit.policy.store import write_policy
from compliance_kit.store import connect, create_schema

from conftest_policy import POLICY_YAML
from conftest_requests import REQUEST_COLUMNS, tiny, ts  # noqa: F401  (fixture)

D = dt.date
UTC = dt.timezone.utc


class PolicyStore:
    """The bundled policy in a fresh store; requests added by hand."""

    def __init__(self, path):
        self.con = connect(path)
        create_schema(self.con)
        write_policy(self.con, load_spec(POLICY_YAML), POLICY_YAML)
        self._n = 0

    def request(self, jurisdiction, received, type="access", completed=None, **kw):
        self._n += 1
        rid = f"p{self._n:04d}"
        row = dict.fromkeys(REQUEST_COLUMNS)
        row.update(request_id=rid, jurisdiction=jurisdiction, type=type, channel="web_form",
                   received_at=ts(received), completed_at=ts(completed) if completed else None,
                   outcome="complied" if completed else None)
        for key, value in kw.items():
            row[key] = ts(value) if isinstance(value, str) and key != "denial_category" else value
        self.con.execute(f"INSERT INTO requests ({', '.join(REQUEST_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(REQUEST_COLUMNS))})",
                         [row[c] for c in REQUEST_COLUMNS])
        return rid

    def analyse(self, as_of="2026-10-31"):
        rq.prepare(self.con, as_of=as_of)
        return {r["request_id"]: r for r in rq.statuses(self.con).iter_rows(named=True)}


@pytest.fixture
def policy(tmp_path):
    store = PolicyStore(tmp_path / "policy.duckdb")
    yield store
    store.con.close()


# --- the two UK examples of the issue (UK GDPR Art 12A 'relevant time', DUAA 2025 s 76;
# ICO right of access guidance: the month runs from the latest of receipt and the identity
# information received) ------------------------------------------------------------------

def test_uk_identity_latest_of_receipt_and_verification_first_example(policy):
    # Received Fri 30 Jan 2026, identity asked the same day, received Mon 2 Feb: the month
    # runs from 2 Feb -> 2 Mar 2026 (a Monday, no roll). The old pause model gave 28 Feb
    # (30 Jan + 1 month, clamped) + 3 days = 3 Mar: a day late.
    rid = policy.request("GB", "2026-01-30 10:00", id_requested_at="2026-01-30 11:00",
                         id_verified_at="2026-02-02 09:00")
    row = policy.analyse()[rid]
    assert row["due_date"] == D(2026, 3, 2)
    assert row["deciding_rule_id"] in ("dl_gb", "dl_gb_duaa")


def test_uk_identity_latest_of_second_example_answered_in_time(policy):
    # Received 2 Mar 2026, identity asked 11 Mar, received 13 Mar: due 13 Apr (Monday; Good
    # Friday 3 Apr and Easter Monday 6 Apr do not matter). Answered 10 Apr: in time. The
    # pause model said 2 Apr + 2 days = Sat 4 Apr -> Tue 7 Apr, late.
    rid = policy.request("GB", "2026-03-02 10:00", id_requested_at="2026-03-11 10:00",
                         id_verified_at="2026-03-13 10:00", completed="2026-04-10 10:00")
    row = policy.analyse()[rid]
    assert row["due_date"] == D(2026, 4, 13)
    assert row["class"] == "responded_in_time"


def test_uk_identity_outstanding_means_the_clock_has_not_started(policy):
    # Identity asked, never received: no relevant time yet (Art 12A(3)): not late.
    rid = policy.request("GB", "2026-03-02 10:00", id_requested_at="2026-03-03 10:00")
    row = policy.analyse()[rid]
    assert row["deadline_status"] == "clock_not_started" and row["class"] == "open_in_time"


def test_uk_clarification_stops_the_clock(policy):
    # DUAA 2025 s 76 (UK GDPR Art 12A(4)-(5), in force 5 Feb 2026): received Mon 2 Mar 2026,
    # clarification asked Thu 5 Mar, received Thu 12 Mar: 7 days stopped. 2 Apr + 7 = Thu
    # 9 Apr 2026 (a working day).
    rid = policy.request("GB", "2026-03-02 10:00", clarification_requested_at="2026-03-05 10:00",
                         clarification_received_at="2026-03-12 10:00")
    row = policy.analyse()[rid]
    assert row["due_date"] == D(2026, 4, 9)
    assert row["clarification_days"] == 7 and row["paused"] is True


def test_clarification_is_not_a_pause_under_the_gdpr(policy):
    # GDPR Art 12(3) has no clarification stop: a French request keeps its month.
    # Received Mon 2 Mar 2026 -> Thu 2 Apr 2026.
    rid = policy.request("FR", "2026-03-02 10:00", clarification_requested_at="2026-03-05 10:00",
                         clarification_received_at="2026-03-12 10:00")
    assert policy.analyse()[rid]["due_date"] == D(2026, 4, 2)


def test_ccpa_verification_time_does_not_move_the_45_days(policy):
    # 11 CCR 7021(b): the 45 days begin on receipt regardless of verification time.
    # Received 3 Sep 2024 (Pacific), verified 20 Sep: due 18 Oct 2024 all the same.
    rid = policy.request("US-CA", "2024-09-03 18:00", type="correction",
                         id_requested_at="2024-09-04 18:00", id_verified_at="2024-09-20 18:00")
    row = policy.analyse()[rid]
    assert row["due_date"] == D(2024, 10, 18) and row["paused"] is False


# --- statutes from their own dates -------------------------------------------------------

def test_a_request_before_the_policy_date_is_under_the_gdpr(policy):
    # GDPR applies from 25 May 2018 (Art 99(2)); the policy from 25 May 2022. Received
    # Tue 1 Jun 2021 in France: one month -> Thu 1 Jul 2021.
    rid = policy.request("FR", "2021-06-01 10:00")
    row = policy.analyse()[rid]
    assert row["deadline_status"] == "fixed"
    assert row["deciding_rule_id"] == "dl_eea_statute"
    assert row["due_date"] == D(2021, 7, 1)


def test_a_ccpa_request_of_2021_is_under_the_ccpa(policy):
    # CCPA operative 1 Jan 2020 (Civ. Code 1798.130(a)(2)): received 4 Jan 2021 (Pacific)
    # + 45 days = 18 Feb 2021.
    rid = policy.request("US-CA", "2021-01-04 18:00")
    row = policy.analyse()[rid]
    assert row["deciding_rule_id"] == "dl_us_ca_statute" and row["due_date"] == D(2021, 2, 18)


def test_before_any_statute_there_is_no_rule(policy):
    # Received 1 Jun 2017 in France: neither the GDPR nor the policy applied yet.
    rid = policy.request("FR", "2017-06-01 10:00")
    assert policy.analyse()[rid]["deadline_status"] == "no_rule"


def test_swiss_statute_beside_the_policy_earliest_wins(policy):
    # FADP Art 25(7), from 1 Sep 2023: 30 days. Received Mon 1 Jul 2024 (Zurich): statute
    # 31 Jul 2024; the policy's month gives 1 Aug, Swiss National Day -> 2 Aug. The earliest,
    # 31 Jul, decides.
    rid = policy.request("CH", "2024-07-01 10:00")
    row = policy.analyse()[rid]
    assert row["due_date"] == D(2024, 7, 31)
    assert row["deciding_rule_id"] == "dl_ch_statute"
    assert row["rules_applied"] == "dl_ch,dl_ch_statute"


def test_both_paused_and_extended_in_the_eea(policy):
    # GDPR Art 12(3) + identity pause (EDPB 01/2022): received Mon 2 Sep 2024, identity asked
    # that day, received Thu 12 Sep (10 days stopped), extension notified 20 Sep. Extended:
    # 2 Dec 2024 + 10 = Thu 12 Dec. Completed 10 Dec: in time, only with both.
    rid = policy.request("FR", "2024-09-02 08:00", id_requested_at="2024-09-02 09:00",
                         id_verified_at="2024-09-12 09:00", extension_notified_at="2024-09-20 09:00",
                         completed="2024-12-10 09:00")
    row = policy.analyse()[rid]
    assert row["paused"] is True and row["extended"] is True
    assert row["pause_days"] == 10
    assert row["due_date"] == D(2024, 12, 12) and row["class"] == "responded_in_time"


# --- told extensions ---------------------------------------------------------------------

def test_told_extension_binds_and_beyond_the_maximum_is_a_finding(tiny):
    # CCPA-shaped rule (11 CCR 7021(b)): received 3 Sep 2024; 45 days -> 18 Oct, +45 -> 2 Dec.
    tiny.rule("ca", "US-CA", "calendar_days", amount=45, extension_unit="calendar_days",
              extension_amount=45)
    kept = tiny.request("US-CA", "2024-09-03 18:00", extension_notified_at="2024-10-01 18:00",
                        extension_told_until="2024-11-01 18:00", completed="2024-10-31 18:00")
    broken = tiny.request("US-CA", "2024-09-03 18:00", extension_notified_at="2024-10-01 18:00",
                          extension_told_until="2024-11-01 18:00", completed="2024-11-20 18:00")
    beyond = tiny.request("US-CA", "2024-09-03 18:00", extension_notified_at="2024-10-01 18:00",
                          extension_told_until="2024-12-20 18:00", completed="2024-12-10 18:00")
    untold = tiny.request("US-CA", "2024-09-03 18:00", extension_notified_at="2024-10-01 18:00",
                          completed="2024-11-20 18:00")
    out = tiny.analyse()
    assert out[kept]["due_date"] == D(2024, 11, 1) and out[kept]["class"] == "responded_in_time"
    # told 1 Nov, answered 20 Nov: late, although the legal maximum (2 Dec) was not reached
    assert out[broken]["due_date"] == D(2024, 11, 1) and out[broken]["class"] == "responded_late"
    # told 20 Dec: capped at 2 Dec, and the told date is a finding of its own
    assert out[beyond]["due_date"] == D(2024, 12, 2) and out[beyond]["class"] == "responded_late"
    assert out[beyond]["extension_told_beyond_max"] is True
    assert out[kept]["extension_told_beyond_max"] is False
    # nothing told: the legal maximum, as before
    assert out[untold]["due_date"] == D(2024, 12, 2) and out[untold]["class"] == "responded_in_time"


# --- local days --------------------------------------------------------------------------

def test_seoul_morning_receipt_counts_from_the_local_day(tiny):
    # PIPA 10 days. 22:30Z on 1 Mar 2026 is 07:30 KST on 2 Mar: due 12 Mar (UTC days said 11).
    tiny.rule("kr", "KR", "calendar_days", amount=10)
    rid = tiny.request("KR", "2026-03-01 22:30")
    row = tiny.analyse()[rid]
    assert row["received_date"] == D(2026, 3, 2)
    assert row["due_date"] == D(2026, 3, 12)
    assert row["time_zone"] == "Asia/Seoul"


def test_due_day_ends_at_local_midnight_across_a_dst_change(tiny):
    # London: BST starts 01:00Z on Sun 29 Mar 2026. Received 00:30Z that day (00:30 GMT):
    # day of receipt 29 Mar, due 29 Apr 2026 (Wed), which ends at 23:00Z (BST).
    tiny.rule("gb", "GB", "calendar_months", amount=1)
    ok = tiny.request("GB", "2026-03-29 00:30", completed="2026-04-29 22:59")
    late = tiny.request("GB", "2026-03-29 00:30", completed="2026-04-29 23:00")
    out = tiny.analyse()
    assert out[ok]["received_date"] == D(2026, 3, 29) and out[ok]["due_date"] == D(2026, 4, 29)
    assert out[ok]["class"] == "responded_in_time" and out[late]["class"] == "responded_late"


def test_bloc_code_uses_the_controllers_zone(tiny):
    # A request coded EEA itself (a bloc) is counted in the zone of the controller serving
    # it: the Amsterdam controller (calendar NL) -> Europe/Amsterdam.
    tiny.controller("EEA", "NL")
    tiny.rule("eea", "EEA", "calendar_days", amount=10)
    rid = tiny.request("EEA", "2026-03-01 23:30")  # 00:30 CET on 2 Mar
    row = tiny.analyse()[rid]
    assert row["time_zone"] == "Europe/Amsterdam" and row["received_date"] == D(2026, 3, 2)


def test_deadline_exactly_at_the_end_of_the_as_of_day(tiny):
    # Midnight stamps: 10 days from 21 Oct 2026 (London) = 31 Oct; it ends at 00:00Z on
    # 1 Nov (GMT since 25 Oct), which is also the end of the as-of day there. Due today is in
    # time; a response stamped exactly 00:00Z on 1 Nov is after the as-of day (still open).
    tiny.rule("del", "GB", "calendar_days", amount=10)
    open_ = tiny.request("GB", "2026-10-21 12:00")
    at_midnight = tiny.request("GB", "2026-10-21 12:00", completed="2026-11-01 00:00")
    out = tiny.analyse(as_of="2026-10-31")
    assert out[open_]["due_date"] == D(2026, 10, 31)
    assert out[open_]["class"] == "open_in_time"
    assert out[at_midnight]["class"] == "open_in_time"
    after = tiny.analyse(as_of="2026-11-01")
    assert after[open_]["class"] == "open_late"
    assert after[at_midnight]["class"] == "responded_late"


# --- the verification funnel -------------------------------------------------------------

def test_funnel_states_and_the_per_law_table(policy):
    # one request per final state, in France (pause) and California (identity ignored)
    policy.request("FR", "2026-03-02 10:00", completed="2026-03-10 10:00")                    # no check
    policy.request("FR", "2026-03-02 10:00", id_requested_at="2026-03-03 10:00")              # awaiting
    policy.request("FR", "2026-03-02 10:00", id_requested_at="2026-03-03 10:00",
                   completed="2026-03-20 10:00", denial_category="unverifiable")             # unverifiable
    policy.request("FR", "2026-03-02 10:00", id_requested_at="2026-03-03 10:00",
                   completed="2026-03-20 10:00")                                             # closed unverified
    policy.request("US-CA", "2026-03-02 18:00", type="correction", id_requested_at="2026-03-03 18:00",
                   id_verified_at="2026-03-07 18:00")                                        # verified, open
    policy.request("US-CA", "2026-03-02 18:00", type="correction", id_requested_at="2026-03-03 18:00",
                   id_verified_at="2026-03-09 18:00", completed="2026-03-20 18:00")          # verified, done
    policy.analyse(as_of="2026-03-31")
    row = rq.funnel(policy.con).row(0, named=True)
    assert {s: row[s] for s in rq.FUNNEL_STATES} == {
        "no_identity_check": 1, "awaiting_identity": 1, "closed_unverifiable": 1,
        "closed_unverified": 1, "verified_open": 1, "verified_completed": 1}
    assert row["verification_median_days"] == 5.0            # 4 and 6 local days
    stages = rq.funnel_stages(row)
    assert (stages["identity_requested"], stages["verified"], stages["dropped_at_verification"]) == (5, 2, 3)
    rules = {r["rule_id"]: r for r in rq.verification_rules(policy.con).iter_rows(named=True)}
    # CCPA (11 CCR 7021(b)): verification time counts against the 45 days; GDPR pause: it does not
    assert rules["dl_us_ca"]["verification_counts_against_deadline"] is True
    assert rules["dl_eea"]["verification_counts_against_deadline"] is False
    shown = rq.verification_rules_for_display(policy.con, 1)
    assert set(shown["counted"]) == {"yes: the clock runs during verification", "no: pause"}
    # shared: one row per jurisdiction and type (FR access: 4, US-CA correction: 2); every
    # count 1..4 hidden under k = 5 (privacy.suppression)
    shown = rq.funnel_for_display(policy.con, 5)
    assert shown.height == 2
    fr = shown.filter(pl.col("jurisdiction") == "FR").row(0, named=True)
    assert fr["awaiting_identity"] == HIDDEN and fr["requests"] == HIDDEN

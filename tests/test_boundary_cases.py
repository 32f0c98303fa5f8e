"""Hand-computed one-row cases that catch wrong figures (issue 17, part 7).

A mutation run found four small changes to the SQL that no test noticed, each changing a
status on a one-row case and none changing the demo sample's figures. Each test here
states its inputs, computes the expected figure by hand in a comment, and fails under the
mutant named in its docstring (tests/mutation/mutants.py lists them as M-REQ-PAUSE-EXT,
M-FLOW-ORDER, M-RET-ASOF-BOUNDARY, M-REQ-ASOF-BOUNDARY and M-RET-MONTHS-30D).
"""

from __future__ import annotations

import datetime as dt

from compliance_kit.analysis import flows
from compliance_kit.analysis import retention as R
from conftest_flows import add_transfers, flows_store  # noqa: F401  (fixture)
from conftest_requests import tiny  # noqa: F401  (fixture)
from conftest_retention import retention_store  # noqa: F401  (fixture)

D = dt.date


# --- (a) a request both paused for identity and extended ---------------------------------

def uk_rule(store):
    # The bundled policy's dl_gb (data/policy/tencent-cloud/2022-05-25/policy.yaml): one
    # calendar month, extension of two more, notice needed, clock from receipt, paused while
    # identity is awaited, rolled forward over England's bank holidays. Its identity mode is
    # a pause by statute (UK GDPR Art 12(3) with the Data (Use and Access) Act 2025
    # "stop-the-clock", ICO guidance), so it stays a pause whatever reading the EEA rule
    # takes. The rule is written out here, so the case does not move with the policy file.
    return store.rule("gb", "GB", "calendar_months", amount=1, extension_unit="calendar_months",
                      extension_amount=2, extension_needs_notice=True, pause_for_identity=True,
                      roll_forward=True, holiday_calendar="GB",
                      citation="UK GDPR Art 12(3); DPA 2018; Data (Use and Access) Act 2025")


def test_an_extended_deadline_still_moves_by_the_identity_pause(tiny):
    """Mutant M-REQ-PAUSE-EXT: the pause left out of the extended deadline."""
    uk_rule(tiny)
    # Received Tue 3 Sep 2024; identity asked 5 Sep, given 12 Sep: 7 calendar days paused
    # (dates of the two instants). Extension notified 20 Sep, before the original deadline
    # (3 Oct + 7 = Thu 10 Oct), so it counts: 1 + 2 months from receipt = Tue 3 Dec 2024,
    # plus the 7 paused days = Tue 10 Dec 2024 (no bank holiday, a working day).
    kw = dict(id_requested_at="2024-09-05 10:00", id_verified_at="2024-09-12 16:00",
              extension_notified_at="2024-09-20 09:00")
    in_time = tiny.request("GB", "2024-09-03", completed="2024-12-06 12:00", **kw)
    last_day = tiny.request("GB", "2024-09-03", completed="2024-12-10 23:59", **kw)
    late = tiny.request("GB", "2024-09-03", completed="2024-12-11 00:01", **kw)
    out = tiny.analyse()
    row = out[in_time]
    assert row["extended"] is True and row["paused"] is True and row["pause_days"] == 7
    assert row["original_due_date"] == D(2024, 10, 10)
    assert row["due_date"] == D(2024, 12, 10)
    # without the pause in the extended deadline, 6 Dec would be late (due 3 Dec)
    assert row["class"] == "responded_in_time"
    assert out[last_day]["class"] == "responded_in_time"
    assert out[late]["class"] == "responded_late"


# --- (b) a transfer breaking both the category and the mechanism rule ---------------------

def test_a_transfer_breaking_category_and_mechanism_is_an_undeclared_category(flows_store):
    """Mutant M-FLOW-ORDER: the category and mechanism checks swapped in the stage order."""
    # The JP flow (jp_consent: any recipient, any country) declares account_data and
    # usage_logs only, and JP's rule needs consent. A credit_card transfer with no mechanism
    # breaks both; the category comes first in the classification order
    # (docs/metrics-flows.md: recipient, destination, category, mechanism, encryption).
    add_transfers(flows_store, [{"transfer_id": "t1", "source": "JP", "recipient": "anyone",
                                 "destination": "BR", "category": "credit_card", "mechanism": None}])
    row = flows.classify_transfers(flows_store).row(0, named=True)
    assert row["classification"] == "undeclared_category"
    assert row["nearest_flow_id"] == "jp_consent"
    assert "credit_card" in row["rule_broken"]


def test_with_the_category_fixed_the_same_transfer_misses_its_mechanism(flows_store):
    # the control of the case above: only the mechanism rule is broken now
    add_transfers(flows_store, [{"transfer_id": "t1", "source": "JP", "recipient": "anyone",
                                 "destination": "BR", "category": "usage_logs", "mechanism": None}])
    row = flows.classify_transfers(flows_store).row(0, named=True)
    assert row["classification"] == "missing_mechanism"
    assert row["flow_id"] == "jp_consent"


# --- (c) a deadline exactly at the end of the as-of day -----------------------------------

def test_a_retention_deadline_at_the_end_of_the_as_of_day_is_not_yet_overdue(retention_store):
    """Mutant M-RET-ASOF-BOUNDARY: `deadline < as_of_end` turned into `<=`."""
    s = retention_store
    # Account deleted Thu 1 Oct 2026 00:00 UTC; the text's 10-day rule: deadline
    # 11 Oct 2026 00:00 UTC, which is the end of the as-of day 10 Oct (AsOf.end, exclusive).
    # Erasing at that instant is on time (erased <= deadline), so as of 10 Oct the clock is
    # still running; as of 11 Oct it is one day overdue.
    r = s.record(s.account(deleted_at="2026-10-01 00:00:00+00"))
    v = R.record_status(s.con, "2026-10-10")
    row = v.filter(v["record_id"] == r).row(0, named=True)
    assert row["deadline"] == dt.datetime(2026, 10, 11)
    assert row["status"] == "clock_running"
    v = R.record_status(s.con, "2026-10-11")
    row = v.filter(v["record_id"] == r).row(0, named=True)
    assert row["status"] == "overdue" and row["days_overdue"] == 1


def test_a_request_deadline_at_the_end_of_the_as_of_day_is_still_open_in_time(tiny):
    """Mutant M-REQ-ASOF-BOUNDARY: `due_by >= as_of_end` turned into `>`."""
    # An hour rule is an instant: received Tue 3 Sep 2024 00:00 UTC + 72 hours = Fri 6 Sep
    # 00:00 UTC, the end of the as-of day 5 Sep. As of 5 Sep the request is open and still
    # in time (a response at 23:59:59 would be in time); as of 6 Sep it is late.
    tiny.rule("id", "ID", "hours", amount=72)
    rid = tiny.request("ID", "2024-09-03 00:00")
    row = tiny.analyse(as_of="2024-09-05")[rid]
    assert row["class"] == "open_in_time"
    assert row["queue_bucket"] != "past_due"
    row = tiny.analyse(as_of="2024-09-06")[rid]
    assert row["class"] == "open_late" and row["queue_bucket"] == "past_due"


# --- (d) Indonesia's five-year minimum is 60 calendar months, not 1,800 days --------------

def test_the_indonesian_minimum_counts_calendar_months(retention_store):
    """Mutant M-RET-MONTHS-30D: the minimum's 60 months counted as 60 x 30 days."""
    s = retention_store
    # Created 1 Jan 2021: the five-year minimum (P5Y = 60 months) runs to 1 Jan 2026, which
    # is 1,826 days later; 60 x 30 days would end on 6 Dec 2025 (1,800 days). The account
    # is deleted 5 Dec 2025 and the text's 10-day rule puts the erasure deadline at
    # 15 Dec 2025, 1,809 days after creation: between the two. With calendar months the
    # deadline comes before the minimum ends, a conflict; with 30-day months it would not.
    a = s.account("ID", created_at="2020-12-01 00:00:00+00", deleted_at="2025-12-05 00:00:00+00")
    r = s.record(a, jurisdiction="ID", created_at="2021-01-01 00:00:00+00")
    v = R.record_status(s.con, "2026-10-31")
    row = v.filter(v["record_id"] == r).row(0, named=True)
    assert row["deadline"] == dt.datetime(2025, 12, 15)
    assert row["retain_until"] == dt.datetime(2026, 1, 1)
    assert row["retain_rule"] == "addendum_id_minimum"
    assert row["status"] == "conflict"

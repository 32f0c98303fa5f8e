"""The deadline engine (sql/requests_status.sql) on hand-built stores, with deadlines
computed by hand from the rules and the calendars."""

import datetime as dt

import pytest

from conftest_requests import tiny  # noqa: F401  (fixture)

D = dt.date


def uk_rule(store, **kw):
    # UK GDPR: one calendar month, +2 months, roll to the next working day, England's bank holidays.
    args = dict(amount=1, extension_unit="calendar_months", extension_amount=2,
                roll_forward=True, holiday_calendar="GB")
    args.update(kw)
    return store.rule("gb", "GB", "calendar_months", **args)


def ccpa_rule(store, **kw):
    args = dict(amount=45, extension_unit="calendar_days", extension_amount=45,
                holiday_calendar="US-CA")
    args.update(kw)
    return store.rule("ca", "US-CA", "calendar_days", **args)


# --- the ICO's calendar month -------------------------------------------------------------

@pytest.mark.parametrize("received, due", [
    ("2024-09-03", D(2024, 10, 3)),    # corresponding date of the next month
    ("2025-03-31", D(2025, 4, 30)),    # no 31 April: the month's last day
    ("2019-11-25", D(2019, 12, 27)),   # 25 Dec: 25 and 26 are bank holidays -> Friday 27
    ("2024-01-31", D(2024, 2, 29)),    # leap year: last day of February
    ("2024-08-03", D(2024, 9, 3)),     # received on a Saturday: the month still starts that day
    ("2024-07-26", D(2024, 8, 27)),    # 26 Aug 2024 is the summer bank holiday (Monday)
])
def test_ico_calendar_month(tiny, received, due):
    uk_rule(tiny)
    rid = tiny.request("GB", received)
    assert tiny.analyse()[rid]["due_date"] == due


def test_completed_on_the_due_date_is_in_time_and_the_day_after_is_late(tiny):
    uk_rule(tiny)
    # London days (issue 16): in October London is UTC+1 (BST), so 22:59Z is 23:59 on the
    # due date and 23:01Z is already 00:01 on 4 October.
    on_time = tiny.request("GB", "2024-09-03", completed="2024-10-03 22:59")
    late = tiny.request("GB", "2024-09-03", completed="2024-10-03 23:01")
    out = tiny.analyse()
    assert out[on_time]["class"] == "responded_in_time"
    assert out[late]["class"] == "responded_late"


# --- CCPA ---------------------------------------------------------------------------------

def test_ccpa_45_days_and_90_with_a_timely_extension(tiny):
    ccpa_rule(tiny)
    plain = tiny.request("US-CA", "2024-09-03")
    extended = tiny.request("US-CA", "2024-09-03", extension_notified_at="2024-10-18 09:00",
                            completed="2024-11-25")
    out = tiny.analyse()
    # 3 Sep + 45 days: 27 days to 30 Sep, 18 more -> 18 Oct; + 90 days -> 2 Dec.
    assert out[plain]["due_date"] == D(2024, 10, 18)
    assert out[extended]["original_due_date"] == D(2024, 10, 18)
    assert out[extended]["due_date"] == D(2024, 12, 2)
    assert out[extended]["extended"] is True
    assert out[extended]["extension_notice_late"] is False
    assert out[extended]["class"] == "responded_in_time"


def test_extension_notified_one_day_after_the_original_deadline_does_not_count(tiny):
    ccpa_rule(tiny)
    rid = tiny.request("US-CA", "2024-09-03", extension_notified_at="2024-10-19 09:00",
                       completed="2024-11-25")
    row = tiny.analyse()[rid]
    assert row["extended"] is False
    assert row["extension_notice_late"] is True
    assert row["due_date"] == D(2024, 10, 18)
    assert row["class"] == "responded_late"


def test_late_notice_is_listed_as_a_finding(tiny):
    from compliance_kit.analysis import requests as rq

    ccpa_rule(tiny)
    rid = tiny.request("US-CA", "2024-09-03", extension_notified_at="2024-10-19 09:00")
    tiny.request("US-CA", "2024-09-03", extension_notified_at="2024-10-10 09:00")
    tiny.analyse()
    late = rq.late_extension_notices(tiny.con)
    assert late["request_id"].to_list() == [rid]
    assert late["days_after_deadline"].to_list() == [1]


def test_extension_without_notice_requirement_counts_whenever_claimed(tiny):
    ccpa_rule(tiny, extension_needs_notice=False)
    rid = tiny.request("US-CA", "2024-09-03", extension_notified_at="2024-11-01 09:00")
    row = tiny.analyse()[rid]
    assert row["extended"] is True and row["due_date"] == D(2024, 12, 2)


def test_extension_in_months_from_the_start(tiny):
    # 31 Jan 2024 + 3 months = 30 Apr (the rule's months counted from the start, so the
    # end-of-month is not lost through 29 Feb).
    uk_rule(tiny)
    rid = tiny.request("GB", "2024-01-31", extension_notified_at="2024-02-20")
    assert tiny.analyse()[rid]["due_date"] == D(2024, 4, 30)


# --- business days ------------------------------------------------------------------------

def test_business_days_across_a_public_holiday(tiny):
    tiny.rule("ca_opt", "US-CA", "business_days", request_type="opt_out", amount=15,
              holiday_calendar="US-CA")
    # Mon 26 Aug 2024; Labor Day Mon 2 Sep is not a business day:
    # 27-30 Aug (4), 3-6 Sep (8), 9-13 Sep (13), 16-17 Sep (15).
    monday = tiny.request("US-CA", "2024-08-26", type="opt_out")
    # Received Saturday 31 Aug: first business day Tue 3 Sep (1) ... 6 Sep (4), 9-13 (9),
    # 16-20 (14), Mon 23 Sep (15).
    saturday = tiny.request("US-CA", "2024-08-31", type="opt_out")
    out = tiny.analyse()
    assert out[monday]["due_date"] == D(2024, 9, 17)
    assert out[saturday]["due_date"] == D(2024, 9, 23)


def test_type_specific_rule_beats_the_catch_all(tiny):
    ccpa_rule(tiny)
    tiny.rule("ca_opt", "US-CA", "business_days", request_type="opt_out", amount=15,
              holiday_calendar="US-CA")
    access = tiny.request("US-CA", "2024-08-26", type="access")
    opt = tiny.request("US-CA", "2024-08-26", type="opt_out")
    out = tiny.analyse()
    assert out[access]["deciding_rule_id"] == "ca"
    assert out[opt]["deciding_rule_id"] == "ca_opt"


def test_acknowledgement_within_10_business_days(tiny):
    from compliance_kit.analysis import requests as rq

    ccpa_rule(tiny)
    tiny.rule("ca_ack", "US-CA", "business_days", deadline_kind="acknowledgement", amount=10,
              holiday_calendar="US-CA")
    # Tue 27 Aug 2024 + 10 business days (Labor Day skipped): 28-30 (3), 3-6 (7), 9-11 Sep (10).
    in_time = tiny.request("US-CA", "2024-08-27", id_requested_at="2024-09-11 17:00")
    late = tiny.request("US-CA", "2024-08-27", id_requested_at="2024-09-12 09:00")
    out = tiny.analyse()
    assert out[in_time]["ack_due_date"] == D(2024, 9, 11)
    assert out[in_time]["ack_class"] == "acknowledged_in_time"
    assert out[late]["ack_class"] == "acknowledged_late"
    assert out[in_time]["deciding_rule_id"] == "ca"  # the response deadline is unaffected
    ack = rq.acknowledgements(tiny.con)
    assert ack.select("acknowledged_in_time", "acknowledged_late").row(0) == (1, 1)


# --- clock start and pause ----------------------------------------------------------------

def test_pause_for_identity_moves_the_deadline(tiny):
    uk_rule(tiny, pause_for_identity=True)
    # ID asked 5 Sep, received 12 Sep: 7 days paused; 3 Oct + 7 = Thu 10 Oct 2024.
    rid = tiny.request("GB", "2024-09-03", id_requested_at="2024-09-05 10:00",
                       id_verified_at="2024-09-12 16:00", completed="2024-10-09")
    row = tiny.analyse()[rid]
    assert row["paused"] is True and row["pause_days"] == 7
    assert row["due_date"] == D(2024, 10, 10)
    assert row["class"] == "responded_in_time"


def test_no_pause_where_the_rule_allows_none(tiny):
    ccpa_rule(tiny)  # CCPA: no pause for verification
    rid = tiny.request("US-CA", "2024-09-03", id_requested_at="2024-09-05 10:00",
                       id_verified_at="2024-09-12 16:00")
    row = tiny.analyse()[rid]
    assert row["paused"] is False and row["due_date"] == D(2024, 10, 18)


def test_pause_still_running_keeps_the_request_in_time(tiny):
    uk_rule(tiny, pause_for_identity=True)
    rid = tiny.request("GB", "2024-09-03", id_requested_at="2024-09-05 10:00")
    row = tiny.analyse(as_of="2024-12-31")[rid]
    # paused from 5 Sep to the as-of date (117 days): 3 Oct + 117 = 28 Jan 2025.
    assert row["paused"] is True
    assert row["due_date"] == D(2025, 1, 28)
    assert row["class"] == "open_in_time"


def test_clock_starting_at_identity_verification(tiny):
    tiny.rule("sg", "SG", "calendar_days", amount=30, clock_start="identity_verified")
    verified = tiny.request("SG", "2024-09-01", id_requested_at="2024-09-02",
                            id_verified_at="2024-09-10")
    no_check = tiny.request("SG", "2024-09-01")
    waiting = tiny.request("SG", "2024-09-01", id_requested_at="2024-09-02")
    out = tiny.analyse(as_of="2025-06-30")
    assert out[verified]["due_date"] == D(2024, 10, 10)
    assert out[no_check]["due_date"] == D(2024, 10, 1)
    assert out[waiting]["deadline_status"] == "clock_not_started"
    assert out[waiting]["class"] == "open_in_time"


# --- hours --------------------------------------------------------------------------------

def test_hours_are_an_instant(tiny):
    tiny.rule("id", "ID", "hours", amount=72)
    ok = tiny.request("ID", "2024-09-03 10:00", completed="2024-09-06 09:59")
    late = tiny.request("ID", "2024-09-03 10:00", completed="2024-09-06 10:01")
    out = tiny.analyse()
    assert out[ok]["class"] == "responded_in_time"
    assert out[late]["class"] == "responded_late"
    assert out[ok]["due_date"] == D(2024, 9, 6)


def test_hours_rolled_forward_end_at_the_working_day(tiny):
    tiny.rule("id", "ID", "hours", amount=24, roll_forward=True, holiday_calendar="WEEKEND")
    # Fri 6 Sep 2024 10:00 + 24 h = Saturday -> Monday 9 Sep, any time that day.
    # Days are Jakarta days (UTC+7, issue 16): 16:00Z on Monday is 23:00 WIB, still Monday.
    rid = tiny.request("ID", "2024-09-06 10:00", completed="2024-09-09 16:00")
    row = tiny.analyse()[rid]
    assert row["due_date"] == D(2024, 9, 9) and row["class"] == "responded_in_time"


# --- which rule -----------------------------------------------------------------------------

def test_policy_wide_deletion_promise_applies_everywhere_and_the_earliest_wins(tiny):
    uk_rule(tiny)
    tiny.rule("del10", "GLOBAL", "calendar_days", request_type="deletion", amount=10,
              basis="policy")
    access = tiny.request("GB", "2024-09-03", type="access")
    deletion = tiny.request("GB", "2024-09-03", type="deletion", completed="2024-09-20")
    out = tiny.analyse()
    assert out[access]["rules_applied"] == "gb"
    assert out[deletion]["rules_applied"] == "gb,del10"
    assert out[deletion]["deciding_rule_id"] == "del10"
    assert out[deletion]["due_date"] == D(2024, 9, 13)
    assert out[deletion]["class"] == "responded_late"  # in time under the month, not the promise


def test_earlier_statutory_deadline_still_wins_over_the_policy_promise(tiny):
    tiny.rule("kr", "KR", "calendar_days", amount=5)
    tiny.rule("del10", "GLOBAL", "calendar_days", request_type="deletion", amount=10,
              basis="policy")
    rid = tiny.request("KR", "2024-09-03", type="deletion")
    row = tiny.analyse()[rid]
    assert row["deciding_rule_id"] == "kr" and row["due_date"] == D(2024, 9, 8)


def test_most_specific_jurisdiction_wins(tiny):
    tiny.rule("global", "GLOBAL", "calendar_days", amount=30)
    tiny.rule("us", "US", "calendar_days", amount=60)
    tiny.rule("ca", "US-CA", "calendar_days", amount=45)
    ca = tiny.request("US-CA", "2024-09-03")
    sg = tiny.request("SG", "2024-09-03")
    unknown = tiny.request("ZZ", "2024-09-03")  # a code the store does not know: GLOBAL
    out = tiny.analyse()
    assert out[ca]["deciding_rule_id"] == "ca"
    assert out[sg]["deciding_rule_id"] == "global"
    assert out[unknown]["deciding_rule_id"] == "global"


def test_rule_version_in_force_on_the_day_of_receipt(tiny):
    tiny.rule("sg_old", "SG", "calendar_days", amount=30, valid_from=D(2000, 1, 1))
    tiny.rule("sg_new", "SG", "calendar_days", amount=20, valid_from=D(2025, 1, 1))
    old = tiny.request("SG", "2024-12-31")
    new = tiny.request("SG", "2025-01-01")
    out = tiny.analyse()
    assert out[old]["deciding_rule_id"] == "sg_old"
    assert out[new]["deciding_rule_id"] == "sg_new"


def test_without_delay_has_no_fixed_deadline(tiny):
    tiny.rule("kr", "KR", "without_delay")
    tiny.rule("del10", "GLOBAL", "calendar_days", request_type="deletion", amount=10,
              basis="policy")
    access = tiny.request("KR", "2024-09-03", completed="2025-01-01")
    deletion = tiny.request("KR", "2024-09-03", type="deletion")
    out = tiny.analyse()
    assert out[access]["deadline_status"] == "without_delay"
    assert out[access]["class"] is None
    assert out[access]["deciding_rule_id"] == "kr"
    # the deletion promise gives the Korean deletion request a fixed deadline
    assert out[deletion]["deadline_status"] == "fixed"
    assert out[deletion]["due_date"] == D(2024, 9, 13)


# --- holiday calendar of a bloc-level rule --------------------------------------------------

def eea_rule(store, calendar):
    return store.rule("eea", "EEA", "calendar_months", amount=1, extension_unit="calendar_months",
                      extension_amount=2, roll_forward=True, holiday_calendar=calendar)


def test_bloc_rule_counts_with_the_controllers_calendar_not_the_subjects(tiny):
    # The EEA rule names NL (the Amsterdam controller). A French request due on 1 May 2025
    # (Thursday; a French public holiday, not a Dutch one) stays due on 1 May; one due on
    # Koningsdag, Monday 27 April 2026 (Dutch, not French) rolls to the 28th.
    eea_rule(tiny, "NL")
    may_day = tiny.request("FR", "2025-04-01")
    kings_day = tiny.request("FR", "2026-03-27")
    out = tiny.analyse()
    assert out[may_day]["calendar"] == "NL"
    assert out[may_day]["due_date"] == D(2025, 5, 1)
    assert out[kings_day]["due_date"] == D(2026, 4, 28)


def test_bloc_rule_without_a_calendar_takes_the_controller_of_the_subject(tiny):
    eea_rule(tiny, None)
    tiny.controller("EEA", "NL").controller("GLOBAL", "SG")
    fr = tiny.request("FR", "2026-03-27")
    out = tiny.analyse()
    assert out[fr]["calendar"] == "NL"
    assert out[fr]["due_date"] == D(2026, 4, 28)


def test_no_calendar_anywhere_means_weekends_only(tiny):
    eea_rule(tiny, None)
    fr = tiny.request("FR", "2025-04-01")   # 1 May 2025: Thursday
    fr2 = tiny.request("FR", "2024-09-05")  # 5 Oct 2024: Saturday -> Monday 7 Oct
    out = tiny.analyse()
    assert out[fr]["calendar"] == "WEEKEND"
    assert out[fr]["due_date"] == D(2025, 5, 1)
    assert out[fr2]["due_date"] == D(2024, 10, 7)


# --- as of ----------------------------------------------------------------------------------

def test_as_of_date_decides_open_and_late(tiny):
    uk_rule(tiny)
    done_later = tiny.request("GB", "2024-09-03", completed="2024-10-02")
    tiny.request("GB", "2024-10-02")  # received after the as-of date: not in scope
    out = tiny.analyse(as_of="2024-10-01")
    assert set(out) == {done_later}
    assert out[done_later]["class"] == "open_in_time"
    assert out[done_later]["queue_bucket"] == "due_within_5_days"
    assert tiny.analyse(as_of="2024-10-03")[done_later]["class"] == "responded_in_time"


def test_open_request_is_late_only_after_its_due_date(tiny):
    uk_rule(tiny)
    rid = tiny.request("GB", "2024-09-03")
    assert tiny.analyse(as_of="2024-10-03")[rid]["class"] == "open_in_time"
    row = tiny.analyse(as_of="2024-10-04")[rid]
    assert row["class"] == "open_late" and row["queue_bucket"] == "past_due"
    assert tiny.analyse(as_of="2024-09-27")[rid]["queue_bucket"] == "more_than_5_days"
    assert tiny.analyse(as_of="2024-09-28")[rid]["queue_bucket"] == "due_within_5_days"


def test_extension_unit_must_match(tiny):
    from compliance_kit.errors import PolicySpecError

    tiny.rule("bad", "SG", "calendar_days", amount=30, extension_unit="calendar_months",
              extension_amount=1)
    tiny.request("SG", "2024-09-03")
    with pytest.raises(PolicySpecError, match="bad"):
        tiny.analyse()


def test_fixed_period_beats_without_delay_at_the_same_level(tiny):
    # Korea: the policy says "without delay", PIPA says 10 days; "without delay" cannot be
    # measured against a date, so the statute's 10 days is the measurable bound.
    tiny.rule("kr_policy", "KR", "without_delay", basis="policy")
    tiny.rule("kr_statute", "KR", "calendar_days", amount=10, basis="statute")
    rid = tiny.request("KR", "2024-09-03", completed="2024-09-14")
    row = tiny.analyse()[rid]
    assert row["deciding_rule_id"] == "kr_statute"
    assert row["due_date"] == D(2024, 9, 13)
    assert row["class"] == "responded_late"


def test_policy_beats_statute_at_the_same_level(tiny):
    tiny.rule("sg_policy", "SG", "calendar_days", amount=20, basis="policy")
    tiny.rule("sg_statute", "SG", "calendar_days", amount=30, basis="statute")
    rid = tiny.request("SG", "2024-09-03")
    assert tiny.analyse()[rid]["deciding_rule_id"] == "sg_policy"


def test_extension_claimed_is_recorded_even_when_it_does_not_count(tiny):
    ccpa_rule(tiny)
    late = tiny.request("US-CA", "2024-09-03", extension_notified_at="2024-10-25")
    none = tiny.request("US-CA", "2024-09-03")
    out = tiny.analyse()
    assert (out[late]["extension_claimed"], out[late]["extended"]) == (True, False)
    assert (out[none]["extension_claimed"], out[none]["extended"]) == (False, False)


def test_events_after_the_as_of_date_are_not_known_yet(tiny):
    ccpa_rule(tiny)
    uk_rule(tiny, pause_for_identity=True)
    ext = tiny.request("US-CA", "2024-09-03", extension_notified_at="2024-10-10",
                       completed="2024-11-20")
    paused = tiny.request("GB", "2024-09-03", id_requested_at="2024-09-05",
                          id_verified_at="2024-10-20")
    before = tiny.analyse(as_of="2024-10-05")
    # as of 5 Oct the notice (10 Oct) has not been sent: not extended, due 18 Oct, open
    assert before[ext]["extended"] is False and before[ext]["due_date"] == D(2024, 10, 18)
    assert before[ext]["class"] == "open_in_time" and before[ext]["extension_claimed"] is False
    # the identity check is still outstanding on 5 Oct: paused 5 Sep -> 5 Oct (30 days)
    assert before[paused]["pause_days"] == 30 and before[paused]["due_date"] == D(2024, 11, 4)
    after = tiny.analyse(as_of="2024-12-31")
    assert after[ext]["extended"] is True and after[ext]["class"] == "responded_in_time"
    assert after[paused]["pause_days"] == 45 and after[paused]["due_date"] == D(2024, 11, 18)


# --- issue 16: identity as "latest of", told dates, clarification --------------------------

def test_latest_of_never_starts_before_receipt(tiny):
    # UK GDPR Art 12A(2): the relevant time is the LATEST of receipt and the identity
    # information received. A verification stamp before receipt (identity already held)
    # leaves the clock at receipt: 3 Sep 2024 -> 3 Oct.
    uk_rule(tiny, clock_start="identity_verified")
    rid = tiny.request("GB", "2024-09-03", id_requested_at="2024-09-01", id_verified_at="2024-09-02")
    assert tiny.analyse()[rid]["due_date"] == D(2024, 10, 3)


def test_a_told_date_before_the_original_deadline_does_not_shorten_it(tiny):
    # 45 days from 3 Sep 2024 = 18 Oct (11 CCR 7021(b)); told "by 10 Oct" with the notice:
    # the law still gives 18 Oct (the told date only binds within the extension).
    ccpa_rule(tiny)
    rid = tiny.request("US-CA", "2024-09-03 18:00", extension_notified_at="2024-09-05 18:00",
                       extension_told_until="2024-10-10 18:00", completed="2024-10-15 18:00")
    row = tiny.analyse()[rid]
    assert row["due_date"] == D(2024, 10, 18) and row["class"] == "responded_in_time"


def test_clarification_pause_only_where_the_rule_says(tiny):
    # DUAA 2025 s 76 (UK GDPR Art 12A): 3 Sep 2024 + 1 month = 3 Oct; clarification asked
    # 5 Sep, received 15 Sep: 10 days -> 13 Oct 2024 (a Sunday) -> Monday 14 Oct.
    uk_rule(tiny, pause_for_clarification=True)
    rid = tiny.request("GB", "2024-09-03", clarification_requested_at="2024-09-05",
                       clarification_received_at="2024-09-15")
    row = tiny.analyse()[rid]
    assert row["clarification_days"] == 10 and row["due_date"] == D(2024, 10, 14)


# --- instants exactly at a deadline, and hour-based pauses and extensions (mutation gaps) ----

def test_a_response_exactly_at_the_deadline_instant_is_late(tiny):
    tiny.rule("id", "ID", "hours", amount=72)
    # 3 Sep 10:00Z + 72 h = 6 Sep 10:00Z: in time means strictly before that instant.
    rid = tiny.request("ID", "2024-09-03 10:00", completed="2024-09-06 10:00")
    assert tiny.analyse()[rid]["class"] == "responded_late"


def test_an_acknowledgement_exactly_at_its_deadline_instant_is_late(tiny):
    tiny.rule("id", "ID", "hours", amount=72)
    tiny.rule("id_ack", "ID", "hours", deadline_kind="acknowledgement", amount=24)
    # 3 Sep 10:00Z + 24 h = 4 Sep 10:00Z; the identity request is the first contact.
    at = tiny.request("ID", "2024-09-03 10:00", id_requested_at="2024-09-04 10:00")
    before = tiny.request("ID", "2024-09-03 10:00", id_requested_at="2024-09-04 09:59")
    out = tiny.analyse()
    assert out[at]["ack_class"] == "acknowledged_late"
    assert out[before]["ack_class"] == "acknowledged_in_time"


def test_the_first_contact_is_the_acknowledgement(tiny):
    tiny.rule("id", "ID", "hours", amount=72, extension_unit="hours", extension_amount=48)
    tiny.rule("id_ack", "ID", "hours", deadline_kind="acknowledgement", amount=24)
    # Ack due 4 Sep 10:00Z. Identity asked 3 Sep 12:00 (in time), extension notice 5 Sep,
    # answer 6 Sep 09:00: the first of the three (12:00 on the 3rd) acknowledges.
    rid = tiny.request("ID", "2024-09-03 10:00", id_requested_at="2024-09-03 12:00",
                       extension_notified_at="2024-09-05 09:00", completed="2024-09-06 09:00")
    assert tiny.analyse()[rid]["ack_class"] == "acknowledged_in_time"


def test_an_extension_notice_exactly_at_the_original_deadline_is_late(tiny):
    tiny.rule("id", "ID", "hours", amount=72, extension_unit="hours", extension_amount=48)
    # Original deadline 6 Sep 10:00Z; a notice at that instant comes too late to extend.
    rid = tiny.request("ID", "2024-09-03 10:00", extension_notified_at="2024-09-06 10:00",
                       completed="2024-09-07 10:00")
    row = tiny.analyse()[rid]
    assert row["extension_notice_late"] is True and row["extended"] is False
    assert row["class"] == "responded_late"


def test_an_hour_based_extension_adds_its_hours(tiny):
    tiny.rule("id", "ID", "hours", amount=72, extension_unit="hours", extension_amount=48)
    # 3 Sep 10:00Z + 72 h + 48 h = 8 Sep 10:00Z (a Sunday; no roll forward): an answer on
    # 8 Sep 09:00Z is in time, and the due date is 8 Sep (17:00 in Jakarta, same day).
    rid = tiny.request("ID", "2024-09-03 10:00", extension_notified_at="2024-09-05 10:00",
                       completed="2024-09-08 09:00")
    row = tiny.analyse()[rid]
    assert row["extended"] is True and row["due_date"] == D(2024, 9, 8)
    assert row["class"] == "responded_in_time"


def test_an_identity_pause_moves_an_hour_based_deadline_exactly(tiny):
    tiny.rule("id", "ID", "hours", amount=72, pause_for_identity=True)
    # Paused from 3 Sep 12:00Z to 4 Sep 18:00Z (30 h): 3 Sep 10:00 + 72 h + 30 h = 7 Sep 16:00Z.
    ok = tiny.request("ID", "2024-09-03 10:00", id_requested_at="2024-09-03 12:00",
                      id_verified_at="2024-09-04 18:00", completed="2024-09-07 15:59")
    late = tiny.request("ID", "2024-09-03 10:00", id_requested_at="2024-09-03 12:00",
                        id_verified_at="2024-09-04 18:00", completed="2024-09-07 16:00")
    out = tiny.analyse()
    assert out[ok]["class"] == "responded_in_time" and out[late]["class"] == "responded_late"
    assert out[ok]["due_date"] == D(2024, 9, 7)  # 16:00Z is 23:00 in Jakarta, still the 7th


def test_on_equal_deadlines_the_most_specific_rule_decides(tiny):
    tiny.rule("kr", "KR", "calendar_days", amount=10)
    tiny.rule("del10", "GLOBAL", "calendar_days", request_type="deletion", amount=10,
              basis="policy")
    # Both: 3 Sep + 10 days = 13 Sep, the same instant; the tie goes to Korea's own rule.
    rid = tiny.request("KR", "2024-09-03", type="deletion")
    row = tiny.analyse()[rid]
    assert row["due_date"] == D(2024, 9, 13)
    assert row["deciding_rule_id"] == "kr" and row["decided_by_policy_wide"] is False

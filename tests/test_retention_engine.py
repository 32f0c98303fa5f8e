"""The retention engine on hand-built stores: the edges the synthetic sample's safe
margins never touch (a second late, 24 hours to the second, offsets, 29 February,
overrides, whichever-is-earlier, the table-vs-text switch)."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance_kit.analysis import retention as R
from compliance_kit.errors import ParameterError
from conftest_retention import retention_store  # noqa: F401  (fixture)

AS_OF = "2026-10-31"


def verdicts(store, as_of=AS_OF, rule_set="strictest", **filters):
    df = R.record_status(store.con, as_of, rule_set, **filters)
    return {row["record_id"]: row for row in df.iter_rows(named=True)}


def status_of(store, record_id, **kw):
    return verdicts(store, **kw)[record_id]["status"]


def test_erased_exactly_at_the_deadline_is_on_time_one_second_later_is_late(retention_store):
    s = retention_store
    a = s.account(deleted_at="2026-01-01 00:00:00+00")
    on_time = s.record(a, erased_at="2026-01-11 00:00:00+00")
    late = s.record(a, erased_at="2026-01-11 00:00:01+00")
    v = verdicts(s)
    assert v[on_time]["deadline"] == dt.datetime(2026, 1, 11)
    assert v[on_time]["rule_id"] == "text_account_deleted"
    assert v[on_time]["status"] == "erased_on_time"
    assert v[late]["status"] == "erased_late"


def test_the_24_hour_rule_is_measured_in_hours_to_the_second(retention_store):
    s = retention_store
    a = s.account(deleted_at="2026-03-05 10:30:15+00")
    in_time = s.record(a, category="support_tickets", erased_at="2026-03-06 10:30:15+00")
    late = s.record(a, category="support_tickets", erased_at="2026-03-06 10:30:16+00")
    v = verdicts(s)
    assert v[in_time]["rule_id"] == "table_support_tickets"
    assert v[in_time]["deadline"] == dt.datetime(2026, 3, 6, 10, 30, 15)
    assert v[in_time]["status"] == "erased_on_time"
    assert v[late]["status"] == "erased_late"
    # lag against the allowed 24 hours: one second over
    assert v[late]["lag_ratio"] == pytest.approx(1 + 1 / 86400)


def test_legal_hold_wins_over_overdue_and_conflict(retention_store):
    s = retention_store
    a = s.account(deleted_at="2026-01-01 00:00:00+00")
    held = s.record(a, legal_hold=True)
    overdue = s.record(a)
    b = s.account(jurisdiction="ID", deleted_at="2026-01-01 00:00:00+00")
    held_id = s.record(b, jurisdiction="ID", legal_hold=True)
    v = verdicts(s)
    assert v[held]["status"] == "on_legal_hold"
    assert v[overdue]["status"] == "overdue"
    assert v[held_id]["status"] == "on_legal_hold"


def test_two_triggers_the_earliest_deadline_wins(retention_store):
    s = retention_store
    a = s.account(deleted_at="2026-03-01 00:00:00+00")
    s.request(a, "2026-02-01 09:00:00+00")
    s.request(a, "2026-02-15 09:00:00+00")            # a later request does not move the clock
    s.request(a, "2026-01-01 09:00:00+00", type_="access")  # not a deletion request
    r = s.record(a, erased_at="2026-02-11 09:00:00+00")
    b = s.account(deleted_at="2026-02-01 00:00:00+00")
    s.request(b, "2026-03-01 00:00:00+00")
    r2 = s.record(b, erased_at="2026-02-11 00:00:01+00")
    v = verdicts(s)
    assert v[r]["trigger_event"] == "deletion_requested"
    assert v[r]["clock_start"] == dt.datetime(2026, 2, 1, 9)
    assert v[r]["deadline"] == dt.datetime(2026, 2, 11, 9)
    assert v[r]["status"] == "erased_on_time"
    assert v[r2]["trigger_event"] == "account_deleted"
    assert v[r2]["status"] == "erased_late"


def test_event_triggers_on_the_record_or_its_account(retention_store):
    s = retention_store
    a = s.account()
    s.event(a, "registration_abandoned", "2026-05-01 00:00:00+00")
    by_account = s.record(a)
    r = s.record(None, category="enquiry_data", record_id="enq")
    s.event("enq", "enquiry_resolved", "2026-06-01 00:00:00+00")
    s.event("enq", "enquiry_resolved", "2026-07-01 00:00:00+00")  # the first counts
    v = verdicts(s)
    assert v[by_account]["trigger_event"] == "registration_abandoned"
    assert v[by_account]["deadline"] == dt.datetime(2026, 5, 11)
    assert v[by_account]["status"] == "overdue"
    assert v[r]["deadline"] == dt.datetime(2026, 6, 1) + dt.timedelta(days=180)
    assert v[r]["status"] == "clock_running"


def test_a_record_with_no_account(retention_store):
    s = retention_store
    orphan = s.record(None, category="account_data", record_id="orphan")
    enquiry = s.record(None, category="enquiry_data", record_id="enq", erased_at="2026-01-05 00:00:00+00")
    v = verdicts(s)
    assert v[orphan]["status"] == "no_trigger"
    assert v[orphan]["deadline"] is None
    # erased while no clock ran: erased, not late
    assert v[enquiry]["status"] == "erased_on_time"


def test_a_country_overrides_its_bloc_which_overrides_global(retention_store):
    s = retention_store
    s.add_rule("eea_account_data", "addendum", "erase_within", "account_data", "EEA", "account_deleted", "P20D", 0, 20, 0)
    s.add_rule("fr_account_data", "addendum", "erase_within", "account_data", "FR", "account_deleted", "P40D", 0, 40, 0)
    deleted = "2026-01-01 00:00:00+00"
    fr = s.record(s.account("FR", deleted_at=deleted), jurisdiction="FR")
    de = s.record(s.account("DE", deleted_at=deleted), jurisdiction="DE")
    us = s.record(s.account("US", deleted_at=deleted), jurisdiction="US-CA")
    v = verdicts(s, rule_set="retention_table")
    # FR's 40 days replaces EEA's 20 and GLOBAL's 30 for the same scope (category and
    # trigger): the most specific wins, even when it is longer
    assert v[fr]["deadline"] == dt.datetime(2026, 2, 10)
    assert v[fr]["rule_id"] == "fr_account_data"
    assert v[de]["deadline"] == dt.datetime(2026, 1, 21)
    assert v[de]["rule_id"] == "eea_account_data"
    assert v[us]["deadline"] == dt.datetime(2026, 1, 31)
    assert v[us]["rule_id"] == "table_account_data"
    rules = R.resolved_rules(s.con, "retention_table")
    fr_rules = set(rules.filter(code="FR", category="account_data", kind="erase_within")["rule_id"])
    assert "eea_account_data" not in fr_rules and "fr_account_data" in fr_rules


def test_an_override_within_the_same_rule_set_replaces_the_global_rule(retention_store):
    s = retention_store
    s.add_rule("table_account_data_kr", "retention_table", "erase_within", "account_data", "KR",
               "account_deleted", "P60D", 0, 60, 0)
    kr = s.record(s.account("KR", deleted_at="2026-01-01 00:00:00+00"), jurisdiction="KR")
    v = verdicts(s, rule_set="retention_table")
    assert v[kr]["rule_id"] == "table_account_data_kr"
    assert v[kr]["deadline"] == dt.datetime(2026, 3, 2)


def test_timestamps_with_offsets_are_compared_in_utc(retention_store):
    s = retention_store
    # 02:00 at +05:00 is 21:00 UTC the day before; the 10-day deadline is 2026-01-10 21:00 UTC
    a = s.account(deleted_at="2026-01-01 02:00:00+05:00")
    on_time = s.record(a, erased_at="2026-01-10 23:00:00+02:00")   # 21:00 UTC exactly
    late = s.record(a, erased_at="2026-01-11 01:30:00+03:00")      # 22:30 UTC
    v = verdicts(s)
    assert v[on_time]["deadline"] == dt.datetime(2026, 1, 10, 21)
    assert v[on_time]["status"] == "erased_on_time"
    assert v[late]["status"] == "erased_late"


def test_an_account_deleted_on_29_february(retention_store):
    s = retention_store
    s.add_rule("marketing_month", "retention_table", "erase_within", "marketing_data", "GLOBAL",
               "account_deleted", "P1M", 1, 0, 0)
    s.add_rule("promo_year", "retention_table", "erase_within", "promotional_contact", "GLOBAL",
               "account_deleted", "P12M", 12, 0, 0)
    a = s.account(created_at="2023-01-01 00:00:00+00", deleted_at="2024-02-29 12:00:00+00")
    days = s.record(a, created_at="2023-01-02 00:00:00+00")
    month = s.record(a, category="marketing_data", created_at="2023-01-02 00:00:00+00")
    year = s.record(a, category="promotional_contact", created_at="2023-01-02 00:00:00+00",
                    erased_at="2025-02-28 12:00:00+00")
    table = verdicts(s, rule_set="retention_table")
    assert table[days]["deadline"] == dt.datetime(2024, 3, 30, 12)      # 30 days: leap day counted
    assert table[month]["deadline"] == dt.datetime(2024, 3, 29, 12)     # a calendar month
    assert table[year]["deadline"] == dt.datetime(2025, 2, 28, 12)      # no 29 Feb 2025
    assert table[year]["status"] == "erased_on_time"
    assert verdicts(s)[days]["deadline"] == dt.datetime(2024, 3, 10, 12)


def test_whichever_is_earlier_and_a_country_replacing_the_group(retention_store):
    s = retention_store
    s.add_rule("covid_ended", "addendum", "erase_within", "covid_program", "GLOBAL",
               "program_ended", "P90D", 0, 90, 0, "covid_limit")
    s.add_rule("covid_collected", "addendum", "erase_within", "covid_program", "GLOBAL",
               "collected", "P2Y", 24, 0, 0, "covid_limit")
    s.add_rule("covid_ended_kr", "addendum", "erase_within", "covid_program", "KR",
               "program_ended", "P30D", 0, 30, 0, "covid_limit")
    a = s.account("FR")
    early = s.record(a, category="covid_program", created_at="2023-01-01 00:00:00+00",
                     erased_at="2024-12-31 00:00:00+00")
    s.event(a, "program_ended", "2025-06-01 00:00:00+00")
    b = s.account("KR")
    kr = s.record(b, category="covid_program", jurisdiction="KR", created_at="2023-01-01 00:00:00+00")
    s.event(b, "program_ended", "2025-06-01 00:00:00+00")
    v = verdicts(s, rule_set="retention_table")
    # two years from collection (2025-01-01) comes before 90 days after the end (2025-08-30)
    assert v[early]["trigger_event"] == "collected"
    assert v[early]["deadline"] == dt.datetime(2025, 1, 1)
    assert v[early]["status"] == "erased_on_time"
    # KR's rule replaces the whole GLOBAL group: no two-year limit there
    assert v[kr]["rule_id"] == "covid_ended_kr"
    assert v[kr]["deadline"] == dt.datetime(2025, 7, 1)
    assert v[kr]["status"] == "overdue"


@pytest.mark.parametrize("rule_set,expected", [
    ("strictest", "erased_late"),
    ("retention_text", "erased_late"),
    ("retention_table", "erased_on_time"),
])
def test_the_rule_set_switch_changes_the_verdict_on_day_20(retention_store, rule_set, expected):
    s = retention_store
    a = s.account(deleted_at="2026-01-01 00:00:00+00")
    r = s.record(a, erased_at="2026-01-21 00:00:00+00")
    assert status_of(s, r, rule_set=rule_set) == expected


def test_the_indonesian_minimum_makes_a_triggered_deadline_a_conflict(retention_store):
    s = retention_store
    a = s.account("ID", deleted_at="2026-01-01 00:00:00+00")
    erased = s.record(a, jurisdiction="ID", created_at="2025-06-01 00:00:00+00",
                      erased_at="2026-01-05 00:00:00+00")
    waiting = s.record(s.account("ID"), jurisdiction="ID")
    old = s.account("ID", deleted_at="2026-01-01 00:00:00+00")
    past_minimum = s.record(old, jurisdiction="ID", created_at="2019-01-01 00:00:00+00")
    v = verdicts(s)
    assert v[erased]["status"] == "conflict"          # whether or not it was erased
    assert v[erased]["retain_rule"] == "addendum_id_minimum"
    assert v[waiting]["status"] == "no_trigger"       # no erasure deadline yet: nothing contradicts
    assert v[past_minimum]["status"] == "overdue"     # five years were over before the deadline


def test_what_happens_after_as_of_does_not_count(retention_store):
    s = retention_store
    a = s.account(deleted_at="2026-11-05 00:00:00+00")
    later_trigger = s.record(a)
    b = s.account(deleted_at="2026-10-01 00:00:00+00")
    erased_later = s.record(b, erased_at="2026-11-02 00:00:00+00")
    c = s.account(deleted_at="2026-10-25 00:00:00+00")
    running = s.record(c)
    s.record(s.account(), created_at="2026-11-02 00:00:00+00", record_id="future")
    v = verdicts(s)
    assert v[later_trigger]["status"] == "no_trigger"
    assert v[erased_later]["status"] == "overdue"
    assert v[erased_later]["erased_at"] is None
    assert v[erased_later]["days_overdue"] == 21      # deadline 10-11, as_of = end of 10-31
    assert v[running]["status"] == "clock_running"    # deadline 11-04
    assert "future" not in v
    # as of the deletion day itself, the erasure has happened
    assert verdicts(s, as_of="2026-11-02")[erased_later]["status"] == "erased_late"


def test_a_jurisdiction_outside_the_hierarchy_gets_the_global_rules(retention_store):
    s = retention_store
    r = s.record(s.account("MX", deleted_at="2026-01-01 00:00:00+00"), jurisdiction="MX")
    v = verdicts(s)
    assert v[r]["rule_jurisdiction"] == "GLOBAL"
    assert v[r]["deadline"] == dt.datetime(2026, 1, 11)


def test_recipient_rules_do_not_bind_us(retention_store):
    s = retention_store
    s.add_rule("recipient_short", "recipient", "erase_within", "account_data", "GLOBAL",
               "collected", "P1D", 0, 1, 0)
    r = s.record(s.account(), created_at="2026-01-01 00:00:00+00")
    assert status_of(s, r) == "no_trigger"
    assert "recipient_short" not in set(R.resolved_rules(s.con)["rule_id"])


def test_filters_by_jurisdiction_bloc_category_and_system(retention_store):
    s = retention_store
    fr = s.record(s.account("FR"), jurisdiction="FR", system="crm")
    de = s.record(s.account("DE"), jurisdiction="DE", system="billing", category="credit_card")
    us = s.record(s.account("US"), jurisdiction="US", system="crm")
    assert set(verdicts(s, jurisdictions=["EEA"])) == {fr, de}
    assert set(verdicts(s, jurisdictions=["US", "DE"])) == {de, us}
    assert set(verdicts(s, categories=["credit_card"])) == {de}
    assert set(verdicts(s, systems=["crm"])) == {fr, us}


def test_parameters_are_checked(retention_store):
    with pytest.raises(ParameterError, match="parameter reading must be one of strictest"):
        R.record_status(retention_store.con, AS_OF, "loosest")
    with pytest.raises(ParameterError, match="as_of"):
        R.record_status(retention_store.con, "31/10/2026")
    with pytest.raises(ParameterError, match="jurisdictions"):
        R.record_status(retention_store.con, AS_OF, jurisdictions=[])
    with pytest.raises(ParameterError, match=r"unknown code\(s\) \['EEAA'\]"):
        R.record_status(retention_store.con, AS_OF, jurisdictions=["EEAA"])


def test_codes_are_case_insensitive(retention_store):
    s = retention_store
    fr = s.record(s.account("FR"), jurisdiction="FR", system="crm")
    s.record(s.account("US"), jurisdiction="US", system="crm")
    assert set(verdicts(s, jurisdictions=["eea"])) == set(verdicts(s, jurisdictions=["EEA"])) == {fr}
    assert set(verdicts(s, systems=["CRM"])) == set(verdicts(s, systems=["crm"]))


def test_an_instant_at_the_end_of_the_as_of_day_is_after_it(retention_store):
    # AsOf.end (the next midnight UTC) is exclusive: an erasure at 2026-11-01 00:00 has not
    # happened as of 2026-10-31, one a microsecond earlier has.
    s = retention_store
    at_midnight = s.record(s.account(deleted_at="2026-10-01 00:00:00+00"), erased_at="2026-11-01 00:00:00+00")
    just_before = s.record(s.account(deleted_at="2026-10-01 00:00:00+00"),
                           erased_at="2026-10-31 23:59:59.999999+00")
    created_at_midnight = s.record(s.account(), created_at="2026-11-01 00:00:00+00")
    v = verdicts(s, as_of="2026-10-31")
    assert v[at_midnight]["status"] == "overdue" and v[at_midnight]["erased_at"] is None
    assert v[just_before]["status"] == "erased_late"
    assert created_at_midnight not in v


def test_a_rule_with_an_unknown_trigger_is_flagged_not_evaluated(retention_store):
    s = retention_store
    s.add_rule("moon_rule", "retention_table", "erase_within", "account_data", "GLOBAL",
               "moon_landing", "P1D", 0, 1, 0)
    s.event("a-moon", "moon_landing", "2026-01-01 00:00:00+00")
    r = s.record(s.account(account_id="a-moon"))
    assert status_of(s, r) == "no_trigger"
    rules = R.resolved_rules(s.con)
    assert rules.filter(rule_id="moon_rule")["evaluated"].unique().to_list() == [False]
    assert rules.filter(rule_id="table_account_data")["evaluated"].unique().to_list() == [True]


# --- ties, fractions and edges the other tests leave open (mutation gaps) ------------------

def test_of_two_minimum_retentions_the_longest_binds(retention_store):
    s = retention_store
    s.add_rule("addendum_id_short_minimum", "addendum", "retain_minimum", None, "ID", "collected",
               "P1Y", 12, 0, 0)
    a = s.account("ID", deleted_at="2026-01-01 00:00:00+00")
    # Collected 1 Jun 2024; erasure due 11 Jan 2026 (10 days after the deletion). One year
    # would end 1 Jun 2025 (before the deadline: no conflict); five years end 1 Jun 2029.
    r = s.record(a, jurisdiction="ID", created_at="2024-06-01 00:00:00+00")
    v = verdicts(s)
    assert v[r]["retain_rule"] == "addendum_id_minimum"
    assert v[r]["status"] == "conflict"


def test_the_earlier_enquiry_event_of_the_record_and_its_account_starts_the_clock(retention_store):
    s = retention_store
    a = s.account()
    r = s.record(a, category="enquiry_data", record_id="enq2")
    s.event(a, "enquiry_resolved", "2026-03-01 00:00:00+00")      # on the account: earlier
    s.event("enq2", "enquiry_resolved", "2026-06-01 00:00:00+00")  # on the record
    v = verdicts(s)
    # 1 Mar 2026 + 180 days = 28 Aug 2026 (before 31 Oct: overdue); from 1 Jun it would be
    # 28 Nov 2026 (still running).
    assert v[r]["deadline"] == dt.datetime(2026, 3, 1) + dt.timedelta(days=180)
    assert v[r]["status"] == "overdue"


def test_days_overdue_count_whole_days_only(retention_store):
    s = retention_store
    # Deadline 11 Oct 2026 12:00; the as-of day 31 Oct ends at 1 Nov 00:00: 20.5 days -> 20.
    r = s.record(s.account(deleted_at="2026-10-01 12:00:00+00"))
    v = verdicts(s)
    assert v[r]["deadline"] == dt.datetime(2026, 10, 11, 12)
    assert v[r]["days_overdue"] == 20


def test_an_event_at_the_end_of_the_as_of_day_has_not_happened(retention_store):
    s = retention_store
    a = s.account()
    s.event(a, "registration_abandoned", "2026-11-01 00:00:00+00")  # = the end of 31 Oct
    b = s.account()
    s.event(b, "registration_abandoned", "2026-10-31 23:59:59.999999+00")
    at_end, before = s.record(a), s.record(b)
    v = verdicts(s, as_of="2026-10-31")
    assert v[at_end]["status"] == "no_trigger"
    assert v[before]["status"] == "clock_running"  # deadline 10 Nov


def test_a_deadline_at_the_end_of_the_as_of_day_is_not_yet_overdue(retention_store):
    s = retention_store
    # Deleted 22 Oct 00:00 + 10 days = 1 Nov 00:00, the instant the as-of day 31 Oct ends.
    r = s.record(s.account(deleted_at="2026-10-22 00:00:00+00"))
    v = verdicts(s, as_of="2026-10-31")
    assert v[r]["deadline"] == dt.datetime(2026, 11, 1)
    assert v[r]["status"] == "clock_running"
    assert verdicts(s, as_of="2026-11-01")[r]["status"] == "overdue"


def test_the_cube_names_jurisdictions_and_categories_the_policy_does_not_know(retention_store):
    # The pass carries known categories and jurisdictions as numbers and names them on the
    # cube's rows; an unknown one travels as its text and must come back under that text,
    # apart from the known ones and from each other.
    s = retention_store
    a = s.account("MX", deleted_at="2026-01-01 00:00:00+00")
    s.record(a, jurisdiction="MX")
    s.record(a, jurisdiction="MX", category="holiday_photos")
    s.record(a, jurisdiction="MX", category="pet_names")
    s.record(s.account(deleted_at="2026-01-01 00:00:00+00"))
    run = R.evaluate(s.con, AS_OF)
    by_category = {(row["category"], row["status"]): row["n"]
                   for row in R.status_counts(run, "category").iter_rows(named=True)}
    assert by_category[("account_data", "overdue")] == 2
    # no rule for a category the policy does not list: no clock
    assert by_category[("holiday_photos", "no_trigger")] == 1
    assert by_category[("pet_names", "no_trigger")] == 1
    by_jurisdiction = {(row["jurisdiction"], row["status"]): row["n"]
                       for row in R.status_counts(run, "jurisdiction").iter_rows(named=True)}
    assert by_jurisdiction[("MX", "overdue")] == 1
    assert by_jurisdiction[("MX", "no_trigger")] == 2
    assert by_jurisdiction[("FR", "overdue")] == 1
    upcoming_or_lag = run.cube.filter(part="lag")
    assert set(upcoming_or_lag["category"]) == {"account_data", "holiday_photos", "pet_names"}


def test_only_the_triggers_some_rule_uses_are_evaluated_in_the_vocabulary_order(retention_store):
    # The pass carries columns only for the triggers the policy's erase_within rules use
    # (trigger_fill); a trigger a rule starts to use is evaluated, with calendar months
    # only where a rule counts them.
    s = retention_store
    vocabulary = list(next(f.allowed for f in R.sql_compose.load("retention_status.sql").fills
                           if f.name == "triggers"))
    before = R.trigger_fill(s.con)
    assert "contract_terminated" not in before["triggers"]
    a = s.account()
    r = s.record(a, category="business_contact")
    s.event(r, "contract_terminated", "2026-01-31 08:00:00+00")
    assert verdicts(s)[r]["trigger_event"] != "contract_terminated"
    s.add_rule("contract_two_months", "retention_table", "erase_within", "business_contact", "GLOBAL",
               "contract_terminated", "P2M", 2, 0, 0)
    after = R.trigger_fill(s.con)
    assert after["triggers"] == [t for t in vocabulary if t in set(before["triggers"]) | {"contract_terminated"}]
    assert "contract_terminated" in after["month_triggers"]
    assert sorted(after["month_triggers"] + after["day_triggers"]) == sorted(after["triggers"])
    v = verdicts(s)[r]
    assert v["trigger_event"] == "contract_terminated"
    assert v["rule_id"] == "contract_two_months"
    assert v["deadline"] == dt.datetime(2026, 3, 31, 8)   # two calendar months, end of March

"""Durations: the policy's phrases -> ISO 8601, and ISO 8601 -> (months, days, hours)."""

import re

import pytest

from compliance_kit.policy.durations import DurationError, split, to_iso, words_to_int

from conftest_policy import policy_page, policy_spec  # noqa: F401  (fixtures)


@pytest.mark.parametrize("phrase, iso", [
    ("thirty (30) days", "P30D"),
    ("ninety (90) days", "P90D"),
    ("one hundred and eighty (180) days", "P180D"),
    ("twenty-four (24) hours", "PT24H"),
    ("one month", "P1M"),
    ("7 years", "P7Y"),
    ("13 months", "P13M"),
    ("300 days", "P300D"),
    ("five years", "P5Y"),
    ("20 months", "P20M"),
    ("10 days", "P10D"),
    ("45 days", "P45D"),
    ("a minimum of five years", "P5Y"),
    ("within 10 days", "P10D"),
    ("two months", "P2M"),
])
def test_phrase_to_iso(phrase, iso):
    assert to_iso(phrase) == iso


@pytest.mark.parametrize("iso, parts", [
    ("P30D", (0, 30, 0)), ("PT24H", (0, 0, 24)), ("P5Y", (60, 0, 0)), ("P13M", (13, 0, 0)),
    ("P1Y2M10DT5H", (14, 10, 5)), ("P2W", (0, 14, 0)), ("P0D", (0, 0, 0)),
])
def test_split(iso, parts):
    assert split(iso) == parts


@pytest.mark.parametrize("bad", ["thirty days (31)", "thirty (31) days", "soon", "days", "12 fortnights"])
def test_bad_phrases_raise(bad):
    with pytest.raises(DurationError):
        to_iso(bad)


@pytest.mark.parametrize("bad", ["P", "30D", "P3Q", "PT5M", "P1.5D", "", "PT"])
def test_bad_iso_raises(bad):
    with pytest.raises(DurationError):
        split(bad)


def test_words_to_int():
    assert words_to_int("one hundred and eighty") == 180
    assert words_to_int("twenty-four") == 24
    assert words_to_int("three hundred") == 300


# Every retention phrase of the page: "<number words> (<figure>) <unit>", "<figure> <unit>"
# or "<number word> <unit>".
_UNIT = r"(?:years?|months?|days?|hours?)"
_NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
                 "hundred", "twenty-four", "and"}


def _phrases(text: str) -> set[str]:
    found = set()
    for m in re.finditer(rf"(?:\(\d+\)|\b\d+|\b[a-z-]+) {_UNIT}\b", text):
        words = text[: m.start()].split()
        head = []
        while words and words[-1].lower() in _NUMBER_WORDS:
            head.insert(0, words.pop())
        while head and head[0] == "and":
            head.pop(0)
        first = m.group(0).split()[0]
        if first.startswith("(") and not head:
            continue
        if not (first[0].isdigit() or first.startswith("(") or first in _NUMBER_WORDS):
            continue
        found.add(" ".join(head + [m.group(0)]))
    return found


def test_every_retention_phrase_of_the_page(policy_page):
    """Find every duration phrase in the retention texts (the Data Retention section, the
    recipients' retention column, Indonesia's minimum, the rights deadlines) and check
    each one parses to the expected ISO duration."""
    texts = [policy_page.sections_named("Data Retention")[0].text,
             policy_page.sections_named("INDONESIA")[0].text,
             policy_page.sections_named("Your Rights")[0].text,
             policy_page.sections_named("California")[0].text]
    texts += [row[-1] for row in policy_page.tables[3].rows]
    found = set().union(*(_phrases(t) for t in texts))
    expected = {
        "thirty (30) days": "P30D", "ninety (90) days": "P90D", "twenty-four (24) hours": "PT24H",
        "one hundred and eighty (180) days": "P180D", "10 days": "P10D", "five years": "P5Y",
        "one month": "P1M", "two months": "P2M", "7 years": "P7Y", "20 months": "P20M",
        "13 months": "P13M", "300 days": "P300D", "45 days": "P45D", "12 months": "P12M",
    }
    assert found == set(expected)
    for phrase in found:
        assert to_iso(phrase) == expected[phrase]


def test_spec_phrases_match_max_delay(policy_spec):
    with_phrase = [r for r in policy_spec.retention_rules if r.phrase]
    assert len(with_phrase) >= 18
    for r in with_phrase:
        assert split(to_iso(r.phrase)) == split(r.max_delay), r.id

"""Durations as the policy writes them -> ISO 8601, and ISO 8601 -> (months, days, hours).

    >>> to_iso("thirty (30) days")
    'P30D'
    >>> to_iso("one hundred and eighty (180) days")
    'P180D'
    >>> to_iso("twenty-four (24) hours")
    'PT24H'
    >>> split("P1Y2M10DT5H")
    (14, 10, 5)

Years and months are kept as months and weeks as days, so that SQL can add them to a
timestamp exactly (`ts + INTERVAL (m) MONTH + INTERVAL (d) DAY + INTERVAL (h) HOUR`):
a month is a calendar month, never 30 days.
"""

from __future__ import annotations

import re

UNITS = {
    "year": "Y", "years": "Y",
    "month": "M", "months": "M",
    "week": "W", "weeks": "W",
    "day": "D", "days": "D",
    "hour": "H", "hours": "H",
}

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
}
_SCALES = {"hundred": 100, "thousand": 1000}


class DurationError(ValueError):
    """A phrase or ISO string that is not a duration this module understands."""


def words_to_int(words: str) -> int:
    """'one hundred and eighty' -> 180, 'twenty-four' -> 24, '7' -> 7."""
    text = words.strip().lower()
    if text.isdigit():
        return int(text)
    tokens = [t for t in re.split(r"[\s-]+", text) if t and t != "and"]
    if not tokens:
        raise DurationError(f"no number in {words!r}")
    total = current = 0
    for tok in tokens:
        if tok in _SMALL:
            current += _SMALL[tok]
        elif tok in _SCALES:
            current = max(current, 1) * _SCALES[tok]
            if _SCALES[tok] >= 1000:
                total += current
                current = 0
        else:
            raise DurationError(f"{tok!r} is not a number word (in {words!r})")
    return total + current


_NUMBER_WORDS = r"(?:[a-z]+(?:[\s-]+(?:and[\s]+)?[a-z]+)*)"
# "thirty (30) days", "one hundred and eighty (180) days", "7 years", "five years", "one month"
_PHRASE = re.compile(
    rf"^(?:for\s+|within\s+|a\s+minimum\s+of\s+|at\s+least\s+)?"
    rf"(?:(?P<words>{_NUMBER_WORDS})\s*)?(?:\(\s*(?P<paren>\d+)\s*\)\s*)?(?P<digits>\d+\s+)?"
    rf"(?P<unit>years?|months?|weeks?|days?|hours?)$",
    re.IGNORECASE,
)


def phrase_to_parts(phrase: str) -> tuple[int, str]:
    """'thirty (30) days' -> (30, 'D'). The written-out number and the figure in brackets
    must agree when both are given."""
    text = " ".join(phrase.replace("\u00a0", " ").split()).strip().rstrip(".")
    m = _PHRASE.match(text)
    if not m:
        raise DurationError(f"cannot read a duration in {phrase!r}")
    words, paren, digits = m.group("words"), m.group("paren"), m.group("digits")
    values = []
    if words:
        values.append(words_to_int(words))
    if paren:
        values.append(int(paren))
    if digits:
        values.append(int(digits))
    if not values:
        raise DurationError(f"no amount in {phrase!r}")
    if len(set(values)) > 1:
        raise DurationError(f"the words and figures disagree in {phrase!r}: {sorted(set(values))}")
    return values[0], UNITS[m.group("unit").lower()]


def to_iso(phrase: str) -> str:
    """A phrase of the policy ("twenty-four (24) hours") -> ISO 8601 ('PT24H')."""
    amount, unit = phrase_to_parts(phrase)
    if unit == "H":
        return f"PT{amount}H"
    return f"P{amount}{unit}"


_ISO = re.compile(
    r"^P(?!$)(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<H>\d+)H)?)?$"
)


def split(iso: str) -> tuple[int, int, int]:
    """ISO 8601 duration -> (months, days, hours). Years count 12 months, weeks 7 days.
    Minutes and seconds are not used by retention rules and are refused."""
    if not isinstance(iso, str):
        raise DurationError(f"{iso!r} is not an ISO 8601 duration")
    m = _ISO.match(iso.strip())
    if not m:
        raise DurationError(
            f"{iso!r} is not an ISO 8601 duration of years/months/weeks/days/hours (e.g. 'P30D', 'PT24H', 'P5Y')"
        )
    g = {k: int(v) if v else 0 for k, v in m.groupdict().items()}
    months, days, hours = g["Y"] * 12 + g["M"], g["W"] * 7 + g["D"], g["H"]
    check_bound(iso.strip(), months, days, hours)
    return months, days, hours


# The longest duration the kit accepts: no retention or deadline rule runs for a century,
# and every part then fits the store's INTEGER columns and DuckDB's interval arithmetic
# (a 20-digit figure would overflow them). Years count 365.25 days here, for the bound only.
MAX_YEARS = 100
MAX_PARTS = {"calendar_months": MAX_YEARS * 12, "calendar_days": MAX_YEARS * 366,
             "business_days": MAX_YEARS * 261, "hours": MAX_YEARS * 366 * 24}


def check_bound(text: str, months: int, days: int, hours: int) -> None:
    """A DurationError if (months, days, hours) together exceed MAX_YEARS."""
    years = months / 12 + days / 365.25 + hours / (365.25 * 24)
    if years > MAX_YEARS:
        raise DurationError(
            f"{text!r} is longer than {MAX_YEARS} years, the longest duration the kit accepts")


def is_iso(value: str) -> bool:
    try:
        split(value)
    except DurationError:
        return False
    return True

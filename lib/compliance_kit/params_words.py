"""Parameters and durations in words, for people: "all jurisdictions", "the strictest
reading of the policy", "30 days", "24 hours" instead of `jurisdictions=None`, `P30D`.

One place says how each report parameter reads; pages (the dashboards' header, the run
overview) and tables (durations of the policy) use it. Values are returned as plain text:
the caller escapes them on their way into HTML (privacy.escaping), like every value.
"""

from __future__ import annotations

import datetime as dt
import re

# Parameters that say how the kit runs, not what the report covers: never shown to readers.
TECHNICAL = frozenset({"db_path", "metrics_path", "chart_renderer", "spark_data", "spark_url"})

READINGS = {
    "strictest": "the strictest reading of the policy (the retention table and its text, earliest deadline)",
    "retention_table": "the retention table of the policy only",
    "retention_text": "the text under the retention table only",
}
ENGINES = {"duckdb": "DuckDB", "spark": "Spark"}

# "all <what>" for a list parameter left empty; otherwise "<what>: A, B".
SCOPES = {
    "jurisdictions": "jurisdictions",
    "source_jurisdictions": "source jurisdictions",
    "categories": "data categories",
    "systems": "systems",
    "types": "request types",
}

_ISO = re.compile(
    r"^P(?!$)(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<H>\d+)H)?(?:(?P<MIN>\d+)M)?(?:(?P<S>\d+)S)?)?$"
)
_UNITS = (("Y", "year"), ("M", "month"), ("W", "week"), ("D", "day"), ("H", "hour"),
          ("MIN", "minute"), ("S", "second"))


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def duration_words(value) -> str:
    """'P30D' -> '30 days', 'PT24H' -> '24 hours', 'P1Y6M' -> '1 year 6 months',
    'P0D' -> '0 days (immediately)'. Anything that is not an ISO 8601 duration is
    returned as it is (None as an empty string)."""
    if value is None:
        return ""
    text = str(value).strip()
    m = _ISO.match(text)
    if not m:
        return text
    parts = [plural(int(m.group(key)), word) for key, word in _UNITS if m.group(key)]
    if all(int(m.group(key)) == 0 for key, _ in _UNITS if m.group(key)):
        return "0 days (immediately)"
    return " ".join(parts)


def date_words(value) -> str:
    """2026-10-31 (a date or its ISO text) -> '31 October 2026'; other text unchanged."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    if value is None:
        return ""
    # a typed value that prints as its ISO date (the contracts' as-of)
    text = str(value)
    try:
        return date_words(dt.date.fromisoformat(text.strip()))
    except ValueError:
        return text


def _listing(values) -> str:
    values = [str(v) for v in values]
    return ", ".join(values) if len(values) <= 8 else ", ".join(values[:8]) + f" and {len(values) - 8} more"


def parameter_words(name: str, value) -> str | None:
    """One parameter as a phrase; None for a technical parameter a reader need not see."""
    if name in TECHNICAL:
        return None
    if name == "as_of":
        return f"as of the end of {date_words(value)}"
    if name in SCOPES:
        if not value:
            return f"all {SCOPES[name]}"
        values = [value] if isinstance(value, str) else list(value)
        return f"{SCOPES[name]}: {_listing(values)}"
    if name == "reading":
        return READINGS.get(str(value), f"the {value} reading of the policy")
    if name == "horizon":
        return f"deadlines due in the next {plural(int(value), 'day')}"
    if name == "k":
        return f"counts below {value} hidden"
    if name == "window_start":
        return "from the first day in the data" if value is None else f"from {date_words(value)}"
    if name == "window_end":
        return "up to the as-of date" if value is None else f"up to {date_words(value)}"
    if name == "engine":
        return None if value in (None, "duckdb") else f"computed on {ENGINES.get(str(value), value)}"
    label = name.replace("_", " ")
    if value is None:
        return f"{label}: none"
    if isinstance(value, bool):
        return f"{label}: {'yes' if value else 'no'}"
    if isinstance(value, (list, tuple, set)):
        return f"{label}: {_listing(value)}"
    text = duration_words(value) if isinstance(value, str) else f"{value:,}" if isinstance(value, int) else str(value)
    return f"{label}: {text}"


def parameters_words(values: dict, skip: tuple[str, ...] = ("as_of",)) -> list[str]:
    """Every parameter a reader needs, as phrases, in the order given. `as_of` is left out
    by default: the page title already says it."""
    phrases = []
    for name, value in values.items():
        if name in skip:
            continue
        phrase = parameter_words(name, value)
        if phrase:
            phrases.append(phrase)
    return phrases

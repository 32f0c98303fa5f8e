"""Parameters and durations in words (compliance_kit.params_words)."""

import datetime as dt

import pytest

from compliance_kit.params_words import (date_words, duration_words, parameter_words,
                                         parameters_words)


@pytest.mark.parametrize("iso, words", [
    ("P30D", "30 days"), ("PT24H", "24 hours"), ("P1D", "1 day"), ("P5Y", "5 years"),
    ("P1Y6M", "1 year 6 months"), ("P2W", "2 weeks"), ("P0D", "0 days (immediately)"),
    ("PT0H", "0 days (immediately)"), ("P1DT12H", "1 day 12 hours"),
    ("thirty days", "thirty days"), (None, ""),
])
def test_durations(iso, words):
    assert duration_words(iso) == words


def test_dates():
    assert date_words("2026-10-31") == "31 October 2026"
    assert date_words(dt.date(2026, 1, 5)) == "5 January 2026"
    assert date_words("not a date") == "not a date"


def test_parameters_read_as_words_not_reprs():
    values = {"as_of": "2026-10-31", "jurisdictions": None, "categories": ["account_data"],
              "reading": "strictest", "horizon": 30, "k": 5, "engine": "duckdb",
              "spark_url": None, "chart_renderer": "svg", "window_start": None}
    phrases = parameters_words(values)
    text = "; ".join(phrases)
    assert "all jurisdictions" in phrases
    assert "data categories: account_data" in phrases
    assert "the strictest reading of the policy" in text
    assert "deadlines due in the next 30 days" in phrases
    assert "counts below 5 hidden" in phrases
    for raw in ("None", "=", "[", "'", "spark", "svg", "2026-10-31"):
        assert raw not in text, raw


def test_unknown_parameter_has_a_plain_fallback():
    assert parameter_words("max_wait", "PT24H") == "max wait: 24 hours"
    assert parameter_words("strict", True) == "strict: yes"
    assert parameter_words("codes", ["A", "B"]) == "codes: A, B"
    assert parameter_words("as_of", "2026-10-31") == "as of the end of 31 October 2026"
    assert parameter_words("engine", "spark") == "computed on Spark"


def test_a_typed_value_that_prints_as_a_date():
    class AsOf:
        def __str__(self):
            return "2026-10-31"

    assert date_words(AsOf()) == "31 October 2026"

"""The --fail-on grammar: SECTION.KEY OP NUMBER, parsed, never eval'd."""

import pytest

from compliance_kit.errors import ParameterError
from compliance_kit.reports.failon import breaches, parse_threshold

METRICS = {"retention": {"overdue": 3, "rate": 0.02, "label": "x"}, "requests": {"late": 0}}


@pytest.mark.parametrize("expr, breached", [
    ("retention.overdue > 0", True), ("retention.overdue > 3", False), ("retention.overdue >= 3", True),
    ("retention.overdue < 4", True), ("retention.overdue <= 2", False), ("retention.overdue == 3", True),
    ("retention.overdue != 3", False), ("retention.rate > 0.015", True), ("retention.rate > 1e-1", False),
    ("requests.late>0", False), ("  requests.late   ==   0  ", True), ("retention.overdue > -1.5", True),
])
def test_comparisons(expr, breached):
    assert bool(breaches([parse_threshold(expr)], METRICS)) is breached


def test_missing_or_text_metric_counts_as_breached():
    msgs = breaches([parse_threshold("flows.undeclared > 0"), parse_threshold("retention.label > 0")], METRICS)
    assert len(msgs) == 2
    assert "no metric flows.undeclared" in msgs[0] and "not a number" in msgs[1]


@pytest.mark.parametrize("expr", [
    "retention.overdue", "overdue > 0", "retention.overdue > x", "retention.overdue => 1",
    "__import__('os').system('echo hi') > 0", "retention.overdue > 0 or 1", "retention.overdue > 0; rm",
    "a.b.c > 1", "", "retention.overdue > 1 > 0",
])
def test_rejects_anything_else(expr):
    with pytest.raises(ParameterError, match="SECTION.KEY OP NUMBER"):
        parse_threshold(expr)


def test_a_figure_no_selected_report_writes_is_refused_up_front():
    """A kit section (selected) with an unregistered key: refused; a registered key, or a
    section only an analyst's own report writes (NAME.*), passes the check."""
    from compliance_kit.figures import FIGURES
    from compliance_kit.reports.failon import check_known_figures

    typo = parse_threshold("retention.overdeu > 0")
    with pytest.raises(ParameterError, match="no report writes the figure retention.overdeu"):
        check_known_figures([typo], {"retention"}, FIGURES)
    check_known_figures([parse_threshold("retention.overdue > 0")], {"retention"}, FIGURES)
    check_known_figures([parse_threshold("my_report.anything > 0")], {"retention"}, FIGURES)
    check_known_figures([typo], {"requests"}, FIGURES)  # retention not selected: not known here

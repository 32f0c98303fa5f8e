"""The collect step alone: merging the notebooks' figures, and the exit-status rule."""

import json

import pytest

from compliance_kit.reports.collect import (EXIT_CODES, EXIT_NOTEBOOK_FAILED, EXIT_OK, EXIT_THRESHOLD,
                                            decide_outcome, exit_code, merge_notebook_metrics,
                                            write_run_metrics)
from compliance_kit.reports.failon import parse_threshold


def _part(folder, name, sections):
    (folder / f"{name}.json").write_text(json.dumps(sections))


def test_merge_in_notebook_order(tmp_path):
    _part(tmp_path, "a", {"retention": {"overdue": 3, "rate": 0.5}, "shared": {"x": 1}})
    _part(tmp_path, "b", {"requests": {"late": 2}, "shared": {"x": 2, "y": "two"}})
    # "c" failed before writing anything: it adds nothing
    assert merge_notebook_metrics(tmp_path, ["a", "b", "c"]) == {
        "retention": {"overdue": 3, "rate": 0.5}, "requests": {"late": 2}, "shared": {"x": 2, "y": "two"}}
    assert merge_notebook_metrics(tmp_path, ["b", "a"])["shared"] == {"x": 1, "y": "two"}


def test_merge_refuses_figures_the_index_could_not_read(tmp_path):
    _part(tmp_path, "a", {"retention": {"overdue": [1, 2]}})
    with pytest.raises(TypeError, match="numbers or strings"):
        merge_notebook_metrics(tmp_path, ["a"])


def test_run_metrics_file_is_sorted_json(tmp_path):
    path = tmp_path / "metrics.json"
    write_run_metrics(path, {"b": {"z": 1, "a": 2}, "a": {"k": 1}})
    assert path.read_text() == '{\n  "a": {\n    "k": 1\n  },\n  "b": {\n    "a": 2,\n    "z": 1\n  }\n}\n'


@pytest.mark.parametrize("any_failed, breached, expected", [
    (False, [], EXIT_OK),
    (False, ["retention.overdue > 0: retention.overdue = 3"], EXIT_THRESHOLD),
    (True, [], EXIT_NOTEBOOK_FAILED),
    (True, ["retention.overdue > 0: retention.overdue = 3"], EXIT_NOTEBOOK_FAILED),   # a failure wins
])
def test_exit_code_rule(any_failed, breached, expected):
    assert exit_code(any_failed, breached) == expected


def test_outcome_checks_thresholds_only_when_every_notebook_ran():
    metrics = {"retention": {"overdue": 3}}
    thresholds = [parse_threshold("retention.overdue > 0"), parse_threshold("requests.late > 0")]
    ok = decide_outcome(["ok", "ok"], thresholds, metrics)
    assert ok.exit_code == EXIT_THRESHOLD
    assert ok.breaches == ["retention.overdue > 0: retention.overdue = 3",
                           "requests.late > 0: no metric requests.late was written"]
    assert ok.meaning == EXIT_CODES[EXIT_THRESHOLD]
    failed = decide_outcome(["ok", "failed"], thresholds, metrics)
    assert (failed.exit_code, failed.breaches) == (EXIT_NOTEBOOK_FAILED, [])
    assert decide_outcome(["ok"], [parse_threshold("retention.overdue > 5")], metrics).exit_code == EXIT_OK

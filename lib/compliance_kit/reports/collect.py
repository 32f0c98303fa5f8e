"""What a run comes to: the merged headline figures, and its exit status.

Each notebook writes its figures to a metrics file of its own (no two kernels write one
file); they are merged here in notebook order into the run's `metrics.json`, which the
index and `--fail-on` read. The exit status follows one rule (`exit_code`): a failed
notebook wins over a breached threshold, which is only checked when every notebook ran.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..store import EXIT_WRITE_FAILED
from .failon import Threshold, breaches
from .metrics import atomic_write_text, clean_figures, read_metrics

EXIT_OK = 0
EXIT_PARAMETERS = 2         # bad parameters / usage (UserError): nothing ran
EXIT_NOTEBOOK_FAILED = 3    # a notebook raised; the run is published with its status
EXIT_THRESHOLD = 4          # every notebook ran, but a --fail-on threshold was breached
EXIT_PUBLISH_FAILED = EXIT_WRITE_FAILED   # 5: the run could not be written (disk full, read-only, bad --out)
EXIT_INTERRUPTED = 130      # Ctrl-C / SIGTERM: nothing published

EXIT_CODES = {
    EXIT_OK: "every notebook ran and no --fail-on threshold was breached",
    EXIT_PARAMETERS: "bad parameters or usage (unknown name, wrong type, bad date, no store); nothing ran",
    EXIT_NOTEBOOK_FAILED: "a notebook failed (the message names it and the failing cell); the run is still published",
    EXIT_THRESHOLD: "all notebooks ran but a --fail-on threshold was breached; the run is published",
    EXIT_PUBLISH_FAILED: "the run could not be written (disk full, read-only folder, --out under a file); "
                         "nothing published, the index and earlier runs unchanged",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C / SIGTERM); nothing published",
}


def merge_notebook_metrics(parts_dir: Path, names: list[str]) -> dict:
    """`{section: figures}` from `<parts_dir>/<name>.json` for each notebook, in the
    order given (a later notebook's figure overrides an earlier one's of the same key).
    A notebook that wrote nothing (it failed early) adds nothing."""
    metrics: dict = {}
    for name in names:
        for section, figures in read_metrics(Path(parts_dir) / f"{name}.json").items():
            metrics.setdefault(section, {}).update(clean_figures(section, figures))
    return metrics


def write_run_metrics(path: Path, metrics: dict) -> None:
    atomic_write_text(path, json.dumps(metrics, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    breaches: list[str]       # why each breached --fail-on threshold is breached

    @property
    def meaning(self) -> str:
        return EXIT_CODES[self.exit_code]


def exit_code(any_failed: bool, breached: list[str]) -> int:
    if any_failed:
        return EXIT_NOTEBOOK_FAILED
    if breached:
        return EXIT_THRESHOLD
    return EXIT_OK


def decide_outcome(statuses: list[str], thresholds: list[Threshold], metrics: dict) -> Outcome:
    """The run's exit status from its notebooks' statuses and its figures. Thresholds
    are not checked when a notebook failed: its figures may be missing or partial."""
    any_failed = any(status != "ok" for status in statuses)
    breached = [] if any_failed else breaches(thresholds, metrics)
    return Outcome(exit_code(any_failed, breached), breached)

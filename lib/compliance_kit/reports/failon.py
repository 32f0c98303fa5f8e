"""`--fail-on` thresholds: `section.key OP number`, OP one of > >= < <= == !=.

Parsed with a regular expression and compared in Python; never eval'd. A breached
threshold makes the run exit with EXIT_THRESHOLD; a metric that no notebook wrote
counts as breached (a check that cannot be made must not pass silently).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from ..errors import ParameterError

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
        "==": operator.eq, "!=": operator.ne}
_EXPR = re.compile(
    r"^\s*(?P<section>[A-Za-z_]\w*)\.(?P<key>[A-Za-z_]\w*)\s*"
    r"(?P<op>>=|<=|==|!=|>|<)\s*"
    r"(?P<number>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class Threshold:
    section: str
    key: str
    op: str
    number: float
    text: str

    def check(self, metrics: dict) -> str | None:
        """None when the threshold holds; else a message saying why it is breached."""
        value = metrics.get(self.section, {}).get(self.key)
        if value is None:
            return f"{self.text}: no metric {self.section}.{self.key} was written"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{self.text}: {self.section}.{self.key} is {value!r}, not a number"
        if _OPS[self.op](value, self.number):
            return f"{self.text}: {self.section}.{self.key} = {value}"
        return None


def parse_threshold(text: str) -> Threshold:
    m = _EXPR.match(text or "")
    if not m:
        raise ParameterError(
            f"--fail-on {text!r} is not understood: write SECTION.KEY OP NUMBER, e.g. "
            "'retention.overdue > 0' (OP one of > >= < <= == !=)"
        )
    number = float(m.group("number"))
    return Threshold(m.group("section"), m.group("key"), m.group("op"), number, text.strip())


def check_known_figures(thresholds, sections: set[str], registered) -> None:
    """Refuse, before any notebook runs, a threshold on a figure no selected notebook can
    write: its section is one a selected kit report writes (`sections`) and the figure is
    not among the `registered` ones ("section.key"). Sections of an analyst's own report
    (`new-report`, figures under NAME.*) are not known ahead, so they are not checked."""
    for t in thresholds:
        if t.section in sections and f"{t.section}.{t.key}" not in registered:
            known = sorted(r.split(".", 1)[1] for r in registered if r.startswith(t.section + "."))
            raise ParameterError(
                f"--fail-on {t.text!r}: no report writes the figure {t.section}.{t.key}; "
                f"the {t.section} figures are {', '.join(known)}"
            )


def breaches(thresholds, metrics: dict) -> list[str]:
    return [msg for t in thresholds if (msg := t.check(metrics)) is not None]

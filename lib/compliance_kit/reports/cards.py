"""Headline cards: 3-5 figures per analysis in plain words, each with a status colour and
its change since the previous comparable run. The run overview and every dashboard show
them; `render_cards` is the one HTML form.

A card shows what a shared page may show (`compliance_kit.figures`: a count from 1 to
k-1 reads "<k", a rate over a small base is blank); a hidden value has status "none"
and no change (reports/history.py). Every value reaches HTML through
`compliance_kit.privacy.escaping`.

**Status.** When the run's job has `--fail-on` thresholds (`fail_on` in reports.toml) on
one of a card's figures, they decide: breached -> bad, held -> good. Otherwise the
documented defaults below (each Spec's `default`; docs/sharing.md "The run overview") decide, from the
exact figures; a card with neither has status "none".

| card | good | warn | bad |
|---|---|---|---|
| Records overdue for erasure | none overdue | under 1% of records checked | 1% or more |
| Records erased late | none | some | - |
| Share of requests answered in time | 95% or more | 90% to 95% | under 90% |
| Open requests past their deadline | none | - | some |
| Requests answered late | none | some | - |
| Volume sent outside declared transfers | none | under 5% of bytes | 5% or more |
| Transfers the policy does not declare | none | - | some |
| Declared transfers without their safeguard | none | some | - |
| Conflicts between rules, rules marked for legal review | none | some | - |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..figures import Shown, format_value, shown_section
from ..privacy.escaping import escape
from .failon import Threshold, parse_threshold
from .history import _MINUS, format_change, headline_changes
from .style import STATUS_WORDS, status_class

STATUSES = ("good", "warn", "bad", "none")

# The metrics.json section each of the kit's notebooks writes (one place: the overview, the
# dashboards' cards and the check of --fail-on figures read it).
SECTION_OF = {"retention_compliance": "retention", "request_turnaround": "requests", "data_flows": "flows",
              "policy_overview": "policy"}
# Plain names of the analyses (metrics.json sections), in the order pages show them.
ANALYSES = {"retention": "Retention", "requests": "Data-subject requests", "flows": "Data flows",
            "policy": "The policy"}


@dataclass(frozen=True)
class Card:
    label: str
    value_text: str
    detail_text: str
    status: str                  # good / warn / bad / none
    change_text: str             # "up 12 since the previous run", "" when none is given
    direction: str | None        # up / down / same; None when no change is given
    better: bool | None          # True better, False worse, None neither / not given
    key: str = ""                # the figure behind the value ("section.name")

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"card {self.label!r}: status {self.status!r} is not one of {STATUSES}")


# ----------------------------------------------------------------------------- status rules

def _none_good(otherwise: str) -> Callable[[float], str]:
    """0 -> good; anything else -> `otherwise`."""
    return lambda v: "good" if v == 0 else otherwise


def _at_least(good: float, warn: float) -> Callable[[float], str]:
    return lambda v: "good" if v >= good else ("warn" if v >= warn else "bad")


def _at_most(good: float, warn: float) -> Callable[[float], str]:
    """v <= good -> good; v < warn -> warn; else bad."""
    return lambda v: "good" if v <= good else ("warn" if v < warn else "bad")


@dataclass(frozen=True)
class Spec:
    key: str                             # the figure shown (section name), or the derived one's base
    label: str
    detail: Callable[[dict[str, Shown]], str]
    default: Callable[[float], str] | None = None   # on the card's number (exact)
    default_on: str | None = None        # the figure the default reads (default: key)
    derived: str | None = None           # "complement": the value is 1 - key (a share)
    threshold_keys: tuple[str, ...] = ()  # figures whose --fail-on thresholds decide (default: key)


def _text(shown: dict[str, Shown], key: str) -> str | None:
    s = shown.get(key)
    return s.text if s is not None and not s.hidden else None


def _of(part_key: str | None, total_key: str, noun: str) -> Callable[[dict[str, Shown]], str]:
    """'244 of 284 requests', or 'of 284 requests' (no part, or the part hidden)."""
    def detail(shown):
        part, total = _text(shown, part_key) if part_key else None, _text(shown, total_key)
        if part and total:
            return f"{part} of {total} {noun}"
        return f"of {total} {noun}" if total else ""
    return detail


def _rate_of(rate_key: str, total_key: str, noun: str) -> Callable[[dict[str, Shown]], str]:
    """'1.0% of 20,453 records checked'."""
    def detail(shown):
        rate, total = _text(shown, rate_key), _text(shown, total_key)
        if rate and total:
            return f"{rate} of {total} {noun}"
        return f"of {total} {noun}" if total else ""
    return detail


def _fixed(text: str) -> Callable[[dict[str, Shown]], str]:
    return lambda shown: text


SPECS: dict[str, list[Spec]] = {
    "retention": [
        Spec("overdue", "Records overdue for erasure", _rate_of("overdue_rate", "records_checked", "records checked"),
             _at_most(0, 0.01), default_on="overdue_rate", threshold_keys=("overdue", "overdue_rate")),
        Spec("erased_late", "Records erased late", _fixed("erased, but after their deadline"), _none_good("warn")),
        Spec("conflict", "Records kept under a conflicting minimum",
             _fixed("a law's minimum retention conflicts with an erasure rule")),
        Spec("records_checked", "Records checked", _fixed("in scope on the as-of date")),
    ],
    "requests": [
        Spec("performance_pct", "Requests answered in time", _of("responded_in_time", "received", "requests"),
             _at_least(95, 90), threshold_keys=("performance_pct", "responded_in_time")),
        Spec("open_late", "Open requests past their deadline", _fixed("still unanswered after their deadline"),
             _none_good("bad")),
        Spec("km_median_days", "Median days to respond", _fixed("requests still open counted as not yet answered")),
        Spec("responded_late", "Requests answered late", _of(None, "received", "requests"),
             _none_good("warn")),
    ],
    "flows": [
        Spec("share_declared_bytes", "Volume sent outside declared transfers",
             lambda shown: " ".join(x for x in (
                 f"of {_text(shown, 'bytes')} transferred:" if _text(shown, "bytes") else "",
                 "to undeclared places, or declared ones without their safeguard") if x),
             _at_most(0, 0.05), derived="complement"),
        Spec("undeclared_transfers", "Transfers the policy does not declare",
             _of(None, "transfers", "transfers"), _none_good("bad")),
        Spec("nonconforming_transfers", "Declared transfers without their safeguard",
             _fixed("no required mechanism or encryption"), _none_good("warn")),
        Spec("undeclared_flows", "Undeclared routes", _fixed("source, recipient and destination")),
    ],
    "policy": [
        Spec("conflicts", "Conflicts between rules", _fixed("rules of the policy that disagree"), _none_good("warn")),
        Spec("low_confidence_rules", "Rules marked for legal review", _fixed("encoded with low confidence"),
             _none_good("warn")),
        Spec("retention_rules", "Retention rules", _fixed("encoded from the policy")),
        Spec("deadline_rules", "Request deadline rules", _fixed("from the policy and statute")),
    ],
}


def _thresholds(thresholds) -> list[Threshold]:
    out = []
    for t in thresholds or ():
        out.append(t if isinstance(t, Threshold) else parse_threshold(str(t)))
    return out


def _status(section: str, spec: Spec, figures: dict, value: float | None, thresholds: list[Threshold]) -> str:
    if value is None:            # hidden or missing: no colour that could hint at it
        return "none"
    keys = spec.threshold_keys or (spec.key,)
    mine = [t for t in thresholds if t.section == section and t.key in keys]
    if mine:
        return "bad" if any(t.check({section: figures}) is not None for t in mine) else "good"
    if spec.default is None:
        return "none"
    on = figures.get(spec.default_on or spec.key)
    if isinstance(on, bool) or not isinstance(on, (int, float)):
        return "none"
    if spec.derived == "complement":
        on = 1 - on
    return spec.default(on)


def _change_words(direction: str | None, change: str, since: str) -> str:
    if direction is None:
        return ""
    if direction == "same":
        return f"no change since {since}"
    magnitude = change.lstrip("+" + _MINUS)
    return f"{direction} {magnitude} since {since}"


def _sections(metrics: dict, analysis: str) -> dict:
    """metrics.json (section -> figures) or one section's figures, as the full form."""
    if not isinstance(metrics, dict) or not metrics:
        return {}
    if any(isinstance(v, dict) for v in metrics.values()):    # sections hold figures, figures numbers
        return metrics
    return {analysis: metrics}


def cards_for(analysis: str, metrics: dict, previous_metrics: dict | None, k: int,
              thresholds=None, since: str = "the previous run") -> list[Card]:
    """The cards of one analysis (a metrics.json section: retention, requests, flows,
    policy; another section gets its first four figures, status none). `metrics` and
    `previous_metrics` are a run's metrics.json, or just that section's figures;
    `previous_metrics` None: no earlier comparable run. `thresholds`: the job's
    `--fail-on` texts (or parsed thresholds). `since` ends the change text."""
    current = _sections(metrics, analysis)
    previous = _sections(previous_metrics, analysis) if previous_metrics else None
    figures = current.get(analysis) or {}
    if not figures:
        return []
    shown = {s.key.split(".", 1)[1]: s for s in shown_section(analysis, figures, k)}
    changes = headline_changes({analysis: figures}, previous, k)
    parsed = _thresholds(thresholds)
    specs = SPECS.get(analysis) or [Spec(name, s.label, _fixed("")) for name, s in list(shown.items())[:4]]
    cards = []
    for spec in specs:
        s = shown.get(spec.key)
        if s is None:
            continue
        change = changes.get(f"{analysis}.{spec.key}")
        value, text = s.value, s.text
        direction = change.direction if change else None
        better = change.better if change else None
        change_text = change.change_text if change else ""
        if spec.derived == "complement" and not s.hidden and value is not None:
            value = 1 - value
            text = format_value("share", value)
            if change is not None and change.change is not None:
                change_text = format_change("share", -change.change)
                direction = {"up": "down", "down": "up"}.get(direction, direction)
        cards.append(Card(
            label=spec.label,
            value_text=text,
            detail_text=spec.detail(shown) if not s.hidden else (s.reason or "hidden"),
            status=_status(analysis, spec, figures, None if s.hidden else value, parsed),
            change_text=_change_words(direction, change_text, since),
            direction=direction,
            better=better,
            key=s.key,
        ))
    return cards


# ----------------------------------------------------------------------------- HTML

_ARROW = {"up": "\u25B2", "down": "\u25BC", "same": "\u25AC"}   # ▲ ▼ ▬


def render_card(card: Card) -> str:
    """One card: label, value, detail, change (arrow, words, better or worse), status in
    words (colour is never the only sign)."""
    e = escape
    change = ""
    if card.change_text:
        verdict = {True: " (better)", False: " (worse)"}.get(card.better, "")
        better = "" if card.better is None else f' data-better="{e(str(card.better).lower())}"'
        change = (f'<p class="card-change" data-direction="{e(card.direction or "")}"{better}>'
                  f'<span aria-hidden="true">{e(_ARROW.get(card.direction or "", ""))}</span> '
                  f"{e(card.change_text)}{e(verdict)}</p>")
    detail = f'<p class="card-detail">{e(card.detail_text)}</p>' if card.detail_text else ""
    return (f'<div class="card {e(status_class(card.status))}" data-status="{e(card.status)}" data-key="{e(card.key)}">'
            f'<p class="card-label">{e(card.label)}</p>'
            f'<p class="card-value">{e(card.value_text)}</p>'
            f"{detail}{change}"
            f'<p class="card-status"><span class="status-dot"></span>{e(STATUS_WORDS.get(card.status, ""))}</p>'
            "</div>")


def render_cards(cards: list[Card]) -> str:
    """The cards as one HTML block (`.ck-cards`, styled by reports/style.py PAGE_CSS);
    "" for no cards. Every value is escaped."""
    if not cards:
        return ""
    return '<div class="ck-cards">' + "".join(render_card(c) for c in cards) + "</div>"

"""Headline figures as people read them: one dictionary of labels and kinds, one number
format, and the suppression policy applied to each figure before it reaches a shared page.

`metrics.json` keeps the exact figures (internal: `--fail-on` reads them). Everything shared
(the notebooks' headline, the index and its trends) shows `shown_figure(...)` instead, so a
count from 1 to k-1, or a rate over a small base, never appears there.

Kinds:
- count: records, requests, transfers or people. Hidden from 1 to k-1.
- share (0..1) / percent (0..100): a rate over `base` (the count it is a share of). Hidden
  per `suppression.rate_shown`; with `complement=False` only the base is checked (a share
  of bytes is not a share of a count).
- days: a median or mean over `base` people; hidden under k.
- bytes: a volume over `base` transfers; hidden when the base is a small count.
- rules: counts of policy rules, categories, ... (the policy, not people): never hidden.
A figure not registered here is shown on shared pages only when it is a whole number
(treated as a count); anything else stays internal, since the kit cannot tell its base.
"""

from __future__ import annotations

from dataclasses import dataclass

from .privacy.suppression import (HIDDEN, is_small, rate_shown, small_label, statistic_shown,
                                  suppression_mask)

KINDS = ("count", "share", "percent", "days", "bytes", "rules", "internal")


@dataclass(frozen=True)
class Figure:
    key: str                          # "section.name", as in metrics.json
    label: str                        # plain words for people
    kind: str = "count"
    base: tuple[str, ...] = ()        # keys (same section) whose sum is the base
    complement: bool = True           # shares: check the rest of the base too
    better: str | None = None         # "up" / "down": which direction is good
    hidden_with: tuple[str, ...] = () # hidden whenever one of these (same section) is hidden

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"figure {self.key}: unknown kind {self.kind!r}")


def _f(key, label, kind="count", base=(), complement=True, better=None, hidden_with=()):
    return Figure(key, label, kind, tuple(base), complement, better, tuple(hidden_with))


FIGURES: dict[str, Figure] = {f.key: f for f in (
    # retention
    _f("retention.records_checked", "Records checked"),
    _f("retention.overdue", "Records overdue for erasure", better="down"),
    _f("retention.overdue_rate", "Share of records overdue", "share", ["records_checked"], better="down"),
    _f("retention.erased_late", "Records erased late", better="down"),
    _f("retention.on_legal_hold", "Records on legal hold"),
    _f("retention.conflict", "Records where a minimum retention conflicts with erasure"),
    # requests
    _f("requests.received", "Requests received (with a fixed deadline)"),
    _f("requests.responded_in_time", "Requests answered in time", better="up"),
    _f("requests.responded_late", "Requests answered late", better="down"),
    _f("requests.open_in_time", "Open requests, still in time"),
    _f("requests.open_late", "Open requests past their deadline", better="down"),
    _f("requests.performance_pct", "Share of requests answered in time", "percent", ["received"], better="up"),
    _f("requests.max_achievable_pct", "Best share still achievable", "percent", ["received"], better="up"),
    _f("requests.km_median_days", "Median days to respond (open requests counted)", "days",
       ["received"], better="down"),
    _f("requests.naive_median_days", "Median days to respond (completed requests only)", "days",
       ["responded_in_time", "responded_late"], better="down"),
    _f("requests.extended", "Requests extended"),
    _f("requests.paused", "Requests paused for identity checks"),
    _f("requests.extension_notice_late", "Extensions notified too late", better="down"),
    _f("requests.no_fixed_deadline", "Requests under a rule with no fixed deadline"),
    _f("requests.extension_told_beyond_max", "Extensions told beyond the legal maximum", better="down"),
    # the verification funnel (issue 16): identity_requested = verified + awaiting_identity
    # + unverifiable + closed_unverified, so the total hides with any of its parts
    _f("requests.identity_requested", "Requests where identity was asked for",
       hidden_with=["verified", "awaiting_identity", "unverifiable", "closed_unverified"]),
    _f("requests.verified", "Requests whose identity was verified"),
    _f("requests.awaiting_identity", "Open requests awaiting identity"),
    _f("requests.unverifiable", "Requests closed as unverifiable", better="down"),
    _f("requests.closed_unverified", "Requests closed without verification (other reasons)"),
    _f("requests.verification_median_days", "Median days in identity verification", "days",
       ["verified"], better="down"),
    # flows
    _f("flows.transfers", "Transfers"),
    _f("flows.records", "Records transferred"),
    _f("flows.bytes", "Volume transferred", "bytes", ["transfers"]),
    _f("flows.share_declared_records", "Share of records sent as declared", "share", ["records"], better="up"),
    _f("flows.share_declared_bytes", "Share of volume sent as declared", "share", ["transfers"],
       complement=False, better="up"),
    _f("flows.undeclared_transfers", "Transfers the policy does not declare", better="down"),
    _f("flows.nonconforming_transfers", "Declared transfers without their safeguard", better="down"),
    # a count of routes, not people; but each holds at least one undeclared transfer, so
    # 4 routes beside "<5" transfers would say exactly 4
    _f("flows.undeclared_flows", "Undeclared routes (source, recipient, destination)", "rules",
       better="down", hidden_with=["undeclared_transfers"]),
    # policy: the encoded policy itself, not people
    _f("policy.categories", "Data categories", "rules"),
    _f("policy.conflicts", "Conflicts between rules", "rules"),
    _f("policy.deadline_rules", "Request deadline rules", "rules"),
    _f("policy.declared_flows", "Declared transfers", "rules"),
    _f("policy.jurisdictions", "Jurisdictions with their own rules", "rules"),
    _f("policy.low_confidence_rules", "Rules marked for legal review", "rules"),
    _f("policy.modules", "Modules", "rules"),
    _f("policy.retention_rules", "Retention rules", "rules"),
    _f("policy.statute_rules", "Deadline rules taken from statute", "rules"),
)}


# Headline counts that add up to another headline count: a hidden part must not be
# recoverable by subtraction, so each partition is protected like a table row. REST stands
# for the part the headline does not show (total minus the shown parts): a reader can work
# it out, so it is a cell of the row too, and hidden parts must keep it unknowable.
REST = "(rest)"
PARTITIONS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "requests": [("received", ("responded_in_time", "responded_late", "open_in_time", "open_late"))],
    # records checked = overdue + erased late + on hold + conflict + (on time, running, no trigger)
    "retention": [("records_checked", ("overdue", "erased_late", "on_legal_hold", "conflict", REST))],
    # transfers = undeclared + non-conforming + declared and conforming
    "flows": [("transfers", ("undeclared_transfers", "nonconforming_transfers", REST))],
}


def figure(section: str, key: str, value=None) -> Figure:
    """The registered figure, or the default for an unregistered one: a whole number is
    treated as a count; anything else has no known base, so it stays internal."""
    found = FIGURES.get(f"{section}.{key}")
    if found is not None:
        return found
    is_count = isinstance(value, int) and not isinstance(value, bool)
    return Figure(f"{section}.{key}", key.replace("_", " ").capitalize(),
                  "count" if is_count else "internal")


# ----------------------------------------------------------------------------- columns

# Column names of the analyses' tables in words: the same dictionary as the headline
# figures above, in the short form a column header needs. A column not listed reads as
# its name with spaces ("days_overdue" -> "days overdue"): never a raw key.
COLUMN_LABELS: dict[str, str] = {
    # retention
    "records": "records", "erased_on_time": "erased on time", "erased_late": "erased late",
    "overdue": "overdue", "clock_running": "clock running", "no_trigger": "no clock started",
    "conflict": "conflicting minimum", "on_legal_hold": "on legal hold",
    "overdue_rate": "share overdue", "days_overdue_max": "most days overdue",
    "ageing_bucket": "overdue for", "status_table": "status (retention table)",
    "status_text": "status (text)", "strictest": "strictest reading",
    "retention_table": "retention table", "retention_text": "text under the table",
    "p50": "median (lag / allowed)", "p90": "90th percentile", "p95": "95th percentile",
    "p99": "99th percentile", "max_delay": "erase within", "max_delay_a": "erase within (a)",
    "max_delay_b": "erase within (b)", "first_deadline": "first deadline",
    # requests
    "received": "received", "responded_in_time": "answered in time",
    "responded_late": "answered late", "open_in_time": "open, in time", "open_late": "open, past deadline",
    "performance_pct": "answered in time (%)", "max_achievable_pct": "best achievable (%)",
    "extended": "extended", "paused": "paused for ID", "extension_notice_late": "extension notified late",
    "no_fixed_deadline": "no fixed deadline", "km_median_days": "median days (open counted)",
    "naive_median_days": "median days (completed only)", "km_p90_days": "90th pct days (open counted)",
    "naive_p90_days": "90th pct days (completed only)", "more_than_5_days": "more than 5 days left",
    "due_within_5_days": "due within 5 days", "past_due": "past due",
    "clock_not_started": "awaiting ID (clock not started)", "complied_in_whole_or_part": "complied (in whole or part)",
    "median_days": "median days", "mean_days": "mean days", "deciding_rule_id": "deciding rule",
    "acknowledged_in_time": "acknowledged in time", "acknowledged_late": "acknowledged late",
    "awaiting_in_time": "awaiting, in time", "awaiting_late": "awaiting, late",
    "oldest_open_days": "oldest open (days)", "extension_amount": "extension",
    # flows
    "transfers": "transfers", "share_declared_records": "share of records declared",
    "share_declared_bytes": "share of volume declared", "bytes": "volume",
    "undeclared_transfers": "undeclared transfers", "nonconforming_transfers": "without safeguard",
    "conforming_transfers": "conforming transfers", "source_jurisdiction": "from",
    "destination_country": "to", "recipient_name": "recipient", "source_scope": "declared for",
    "encrypted_required": "encryption required", "source_quote": "policy text",
    "rule_quote": "policy text", "rule_broken": "rule broken",
    "first_month": "first month", "last_month": "last month",
    # policy
    "transfer_consent_required": "consent needed to transfer", "deadline_confidence": "confidence",
    "legal_hold_exempt": "legal hold exempt",
}


def column_label(name: str) -> str:
    """The column header for a table column: the dictionary's words, else the name with
    spaces for underscores."""
    return COLUMN_LABELS.get(name, str(name).replace("_", " "))


def column_kind(name: str) -> str:
    """How a column's numbers read, from its name: "_pct" columns are percentages (0..100),
    rates and shares are shares (0..1), "bytes" a volume; anything else a plain number."""
    name = str(name).lower()
    if name.endswith("_pct"):
        return "percent"
    if name.endswith("_rate") or name.startswith("share_") or name == "rate":
        return "share"
    if name == "bytes" or name.endswith("_bytes"):
        return "bytes"
    return "number"


# ----------------------------------------------------------------------------- format

def format_count(n) -> str:
    return f"{int(n):,}"


def format_bytes(n) -> str:
    """1536 -> '1.5 KB' (powers of 1024)."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_value(kind: str, value) -> str:
    """One number format for every page: 12,345; 1.0%; 85.9%; 7 days; 399.1 MB."""
    if isinstance(value, str):
        return value
    if kind in ("count", "rules"):
        return format_count(value)
    if kind == "share":
        return f"{value:.1%}"
    if kind == "percent":
        return f"{value:.1f}%"
    if kind == "days":
        return f"{value:,.0f} day" + ("" if value == 1 else "s")
    if kind == "bytes":
        return format_bytes(value)
    return f"{value:,}"


# ----------------------------------------------------------------------------- shown

@dataclass(frozen=True)
class Shown:
    key: str
    label: str
    text: str                 # what the page shows
    value: float | None       # the number behind it, None when hidden (charts, trends)
    hidden: bool
    reason: str | None        # why it is hidden, in plain words
    better: str | None


def _base(figures: dict, fig: Figure):
    if not fig.base:
        return None
    parts = [figures.get(k) for k in fig.base]
    if any(not isinstance(p, (int, float)) or isinstance(p, bool) for p in parts):
        return None
    return sum(parts)


def shown_figure(section: str, key: str, figures: dict, k: int) -> Shown:
    """The figure `section.key` of `figures` (one section of metrics.json) as a shared
    page may show it under threshold `k`."""
    value = figures.get(key)
    fig = figure(section, key, value)

    def hide(reason):
        return Shown(fig.key, fig.label, small_label(k) if fig.kind == "count" else "–",
                     None, True, reason, fig.better)

    def show(v=value):
        num = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        return Shown(fig.key, fig.label, format_value(fig.kind, v), num, False, None, fig.better)

    if fig.kind == "internal":
        return Shown(fig.key, fig.label, "–", None, True, "not a registered figure", fig.better)
    if value is None:
        return Shown(fig.key, fig.label, "–", None, True, "not computed", fig.better)
    if fig.kind == "rules":
        return show()
    if fig.kind == "count":
        if isinstance(value, str):
            return show()
        return hide(f"fewer than {k}") if is_small(value, k) else show()
    base = _base(figures, fig)
    if isinstance(value, str):  # "n/a", "not reached": words, no number to protect
        return show()
    if fig.kind in ("share", "percent"):
        scale = 100.0 if fig.kind == "percent" else 1.0
        numerator = round(value / scale * base) if (base is not None and fig.complement) else None
        ok, reason = rate_shown(numerator, base, k) if base is not None else (False, "no base")
        return show() if ok else hide(reason)
    if fig.kind in ("days", "bytes"):
        ok, reason = statistic_shown(base, k)
        return show() if ok else hide(reason)
    raise AssertionError(fig.kind)


def _partition_hidden(section: str, figures: dict, k: int) -> set[str]:
    """Keys hidden by the protection of the section's partitions (primary and secondary)."""
    hidden = set()
    for total, parts in PARTITIONS.get(section, []):
        shown_parts = [p for p in parts if p != REST]
        values = [figures.get(p) for p in (total, *shown_parts)]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            continue
        cells = values[1:] + ([values[0] - sum(values[1:])] if REST in parts else [])
        hide, totals = suppression_mask([cells], k, [values[0]], column_totals_known=False)
        hidden |= {p for p, h in zip(shown_parts, hide[0]) if h}
        if totals[0]:
            hidden.add(total)
    return hidden


def shown_section(section: str, figures: dict, k: int) -> list[Shown]:
    """Every figure of a section, registered ones in registry order, then the rest.
    Counts in a partition (PARTITIONS) that needed suppression all read `HIDDEN`, primary
    and complementary alike, so a reader cannot tell which one is the small count."""
    order = [f.key.split(".", 1)[1] for f in FIGURES.values() if f.key.startswith(section + ".")]
    keys = [key for key in order if key in figures] + sorted(set(figures) - set(order))
    protected = _partition_hidden(section, figures, k)
    out = []
    for key in keys:
        shown = shown_figure(section, key, figures, k)
        if key in protected:
            shown = Shown(shown.key, shown.label, HIDDEN, None, True,
                          "hidden so that a count below k cannot be worked out from the total",
                          shown.better)
        out.append(shown)
    hidden = {s.key.split(".", 1)[1] for s in out if s.hidden}
    for i, shown in enumerate(out):
        fig = figure(section, shown.key.split(".", 1)[1])
        if not shown.hidden and hidden.intersection(fig.hidden_with):
            out[i] = Shown(shown.key, shown.label, HIDDEN, None, True,
                           f"hidden with {', '.join(sorted(hidden.intersection(fig.hidden_with)))}",
                           shown.better)
    return out


def headline_frame(section: str, figures: dict, k: int):
    """The section's headline for a notebook: one row per figure with its label, the
    text a shared page may show, and why a value is hidden."""
    import polars as pl

    rows = shown_section(section, figures, k)
    return pl.DataFrame({
        "figure": [r.label for r in rows],
        "value": [r.text for r in rows],
        "note": [r.reason or "" for r in rows],
    }, schema={"figure": pl.String, "value": pl.String, "note": pl.String})


def shown_text(section: str, key: str, figures: dict, k: int) -> str:
    """One figure's shared text, for a sentence in a notebook (after the section's
    partitions are protected)."""
    for shown in shown_section(section, figures, k):
        if shown.key == f"{section}.{key}":
            return shown.text
    raise KeyError(f"{section}.{key} is not in the figures")

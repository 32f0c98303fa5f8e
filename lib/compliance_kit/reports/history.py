"""A run against the runs before it: which earlier run is comparable, and how each
headline figure moved since then.

**Comparable** (`previous_comparable`): a published run of the same job (the manifest's
`job`), over the same set of reports, with the same parameters apart from `as_of` and
from those that change how a figure is computed, not what is measured (`NOT_COMPARED`:
the store path, the engine and its Spark settings, the chart renderer). It must have
*succeeded*: every notebook ran (exit status 0, or 4: a breached `--fail-on` threshold
is a result, not a failure). Of those, the previous one is the newest that started
before this run and is not as of a later date (a backfill of an older date is not
compared with a newer one).

**Change** (`headline_changes`): per headline figure, the value and the previous value
as a shared page may show them (`compliance_kit.figures.shown_section`, under the larger
k of the two runs), the difference, its direction (up, down, same: "same" when the
difference is zero at the precision the page shows), and whether that is better or
worse (the figure's `better` in `compliance_kit.figures.FIGURES`). A change that
involves a value hidden in either run is not given, so a hidden count can never be
worked out from a difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..figures import FIGURES, figure, format_value, shown_section
from ..privacy.suppression import DEFAULT_K

# Parameters that say how the figures are computed or drawn, not what is measured.
NOT_COMPARED = frozenset({"as_of", "db_path", "metrics_path", "engine", "spark_data", "spark_url",
                          "chart_renderer"})
SUCCESS_STATUSES = frozenset({0, 4})     # every notebook ran (4: a --fail-on threshold breached)


# ----------------------------------------------------------------------------- runs

def read_run(folder: Path) -> dict | None:
    """{"folder", "manifest", "metrics"} of a published run folder, or None when it has
    no readable manifest (a broken or foreign folder)."""
    folder = Path(folder)
    internal = folder / "internal"
    try:
        manifest = json.loads((internal / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    try:
        metrics = json.loads((internal / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        metrics = {}
    return {"folder": folder.name, "manifest": manifest, "metrics": metrics if isinstance(metrics, dict) else {}}


def published_runs(out_dir: str | Path) -> list[dict]:
    """Every published run of `out_dir` (folders not starting with '.'), newest first."""
    runs = []
    for manifest_path in Path(out_dir).glob("*/internal/manifest.json"):
        folder = manifest_path.parent.parent
        if folder.name.startswith("."):
            continue
        run = read_run(folder)
        if run is not None:
            runs.append(run)
    runs.sort(key=lambda r: (str(r["manifest"].get("start", "")), r["folder"]), reverse=True)
    return runs


def is_successful(manifest: dict) -> bool:
    """Every notebook of the run ran (exit status 0 or 4)."""
    return manifest.get("exit_status") in SUCCESS_STATUSES


def as_of_of(manifest: dict) -> str:
    """The run's as-of date as text ("" if unknown; several dates joined by ', ')."""
    as_of = (manifest.get("parameters") or {}).get("as_of")
    if isinstance(as_of, list):
        return ", ".join(map(str, as_of))
    return "" if as_of is None else str(as_of)


def comparison_key(manifest: dict) -> tuple:
    """What must be equal for two runs to be compared: the job, the reports, and every
    parameter of each report apart from NOT_COMPARED."""
    per_notebook = (manifest.get("parameters") or {}).get("per_notebook") or {}
    reports = tuple(sorted(nb.get("name", "") for nb in manifest.get("notebooks") or []))
    params = json.dumps({name: {k: v for k, v in (values or {}).items() if k not in NOT_COMPARED}
                         for name, values in per_notebook.items() if isinstance(values, dict)},
                        sort_keys=True, default=str)
    return (manifest.get("job"), reports, params)


def previous_comparable(out_dir: str | Path, manifest: dict) -> dict | None:
    """The previous successful run comparable with the run of `manifest` (module
    docstring), as {"folder", "manifest", "metrics"}; None when there is none."""
    return previous_in(published_runs(out_dir), manifest)


def previous_in(runs: list[dict], manifest: dict) -> dict | None:
    """`previous_comparable` over runs already loaded (newest first, as published_runs)."""
    key = comparison_key(manifest)
    run_id = manifest.get("run_id")
    start = str(manifest.get("start", ""))
    as_of = as_of_of(manifest)
    for run in runs:
        m = run["manifest"]
        if run["folder"] == run_id or m.get("run_id") == run_id:
            continue
        if start and str(m.get("start", "")) >= start:
            continue
        if as_of and as_of_of(m) > as_of:
            continue
        if is_successful(m) and comparison_key(m) == key:
            return run
    return None


def run_k(manifest: dict) -> int:
    """The suppression threshold a run's figures are shown under: the largest k any of
    its notebooks ran with (the strictest), else the default."""
    per_notebook = (manifest.get("parameters") or {}).get("per_notebook") or {}
    ks = [v.get("k") for v in per_notebook.values() if isinstance(v, dict)]
    ks = [k for k in ks if isinstance(k, int) and not isinstance(k, bool) and k >= 1]
    return max(ks, default=DEFAULT_K)


# ----------------------------------------------------------------------------- changes

@dataclass(frozen=True)
class Change:
    key: str                    # "section.name"
    label: str
    kind: str                   # the figure's kind (compliance_kit.figures.KINDS)
    value: float | None         # None when hidden or missing
    value_text: str
    previous: float | None      # None when hidden, missing, or no previous run
    previous_text: str
    change: float | None        # value - previous in the figure's unit (shares: 0..1); None: not shown
    change_text: str            # "+12", "−0.3 percentage points", "no change", "" when not shown
    direction: str | None       # "up" / "down" / "same"; None when not shown
    better: bool | None         # True better, False worse, None: neither (same, or no preferred way)
    reason: str | None = None   # why no change is given, in plain words


_MINUS = "\u2212"


def _rounded(kind: str, delta: float) -> float:
    """The difference at the precision the page shows it (so that a change that reads
    as zero is 'same')."""
    if kind in ("count", "rules"):
        return round(delta)
    if kind == "share":
        return round(delta * 100, 1)          # percentage points, 1 decimal
    if kind == "percent":
        return round(delta, 1)
    if kind == "days":
        return round(delta)
    return delta


def format_change(kind: str, delta: float) -> str:
    """A difference in words and the one number format: '+12', '−1.2 MB',
    '+0.3 percentage points', '+2 days', 'no change'."""
    shown = _rounded(kind, delta)
    if shown == 0:
        return "no change"
    sign = "+" if shown > 0 else _MINUS
    size = abs(shown)
    if kind in ("share", "percent"):
        return f"{sign}{size:.1f} percentage point" + ("" if size == 1 else "s")
    return sign + format_value(kind, size if kind != "count" else int(size))


def _better(fig_better: str | None, direction: str) -> bool | None:
    if fig_better not in ("up", "down") or direction == "same":
        return None
    return direction == fig_better


def headline_changes(current_metrics: dict, previous_metrics: dict | None, k: int = DEFAULT_K,
                     previous_k: int | None = None) -> dict[str, Change]:
    """Per headline figure of `current_metrics` (a run's metrics.json: section ->
    figures), its change since `previous_metrics` (None: no previous run). Both are
    shown under max(k, previous_k): a value the stricter run hides is hidden here too.
    Keys "section.name", in the registry's order, then the rest of each section."""
    k = max(k, previous_k or k)
    previous_metrics = previous_metrics or {}
    out: dict[str, Change] = {}
    for section, figures in current_metrics.items():
        if not isinstance(figures, dict):
            continue
        now = shown_section(section, figures, k)
        before_figures = previous_metrics.get(section)
        before = ({s.key: s for s in shown_section(section, before_figures, k)}
                  if isinstance(before_figures, dict) else {})
        for cur in now:
            name = cur.key.split(".", 1)[1]
            fig = figure(section, name, figures.get(name))
            prev = before.get(cur.key)
            value, previous = cur.value, (prev.value if prev is not None else None)
            reason = None
            if not previous_metrics:
                reason = "no earlier comparable run"
            elif prev is None or before_figures.get(name) is None:
                reason = "not in the earlier run"
            elif cur.hidden or prev.hidden:
                reason = "a value is hidden (fewer than k), so its change is not shown"
            elif value is None or previous is None:
                reason = "not a number"
            if reason is not None:
                out[cur.key] = Change(cur.key, cur.label, fig.kind, value, cur.text, previous,
                                      prev.text if prev is not None else "", None, "", None, None, reason)
                continue
            delta = value - previous
            shown = _rounded(fig.kind, delta)
            direction = "same" if shown == 0 else ("up" if shown > 0 else "down")
            out[cur.key] = Change(cur.key, cur.label, fig.kind, value, cur.text, previous, prev.text,
                                  delta, format_change(fig.kind, delta), direction,
                                  _better(fig.better, direction))
    order = {key: i for i, key in enumerate(FIGURES)}
    return dict(sorted(out.items(), key=lambda kv: (kv[0].split(".", 1)[0], order.get(kv[0], len(order)))))

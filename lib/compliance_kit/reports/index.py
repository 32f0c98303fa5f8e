"""`reports/index.html`: every run, newest first, with its headline figures and links,
and a trend of each headline figure across runs (inline SVG sparklines: no JavaScript,
nothing fetched). Rebuilt after each run under the reports folder's lock, written to a
temp file and renamed into place, so a reader never sees half an index."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ..figures import FIGURES, Shown, shown_section
from ..privacy.escaping import escape
from ..privacy.suppression import DEFAULT_K
from .metrics import atomic_write_text

STATUS_TEXT = {0: "ok", 2: "bad parameters", 3: "notebook failed", 4: "threshold breached", 130: "interrupted"}
STATUS_CLASS = {0: "ok", 3: "failed", 4: "breach"}


def load_runs(out_dir: str | Path) -> list[dict]:
    """Published runs (folders with an internal/manifest.json), newest first."""
    runs = []
    for manifest_path in Path(out_dir).glob("*/internal/manifest.json"):
        folder = manifest_path.parent.parent
        if folder.name.startswith("."):
            continue
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        try:
            metrics = json.loads((folder / "internal" / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            metrics = {}
        runs.append({"folder": folder.name, "manifest": manifest, "metrics": metrics})
    runs.sort(key=lambda r: (r["manifest"].get("start", ""), r["folder"]), reverse=True)
    return runs


_e = escape


def run_k(manifest: dict) -> int:
    """The suppression threshold a run's figures are shown under: the largest k any of
    its notebooks ran with (the strictest), else the default."""
    per_notebook = (manifest.get("parameters") or {}).get("per_notebook") or {}
    ks = [v.get("k") for v in per_notebook.values() if isinstance(v, dict)]
    ks = [k for k in ks if isinstance(k, int) and not isinstance(k, bool) and k >= 1]
    return max(ks, default=DEFAULT_K)


def shown_figures(run: dict) -> dict[str, list[Shown]]:
    """The run's headline figures as a shared page may show them: section -> figures,
    counts below the run's k hidden, rates over small bases blanked (compliance_kit.figures)."""
    k = run_k(run["manifest"])
    return {section: shown_section(section, figures, k)
            for section, figures in sorted(run["metrics"].items()) if isinstance(figures, dict)}


# Where the policy version changed between two runs: the element carries
# `data-policy-change` (old -> new version) and reads POLICY_CHANGE_TEXT, in the runs table
# and on every trend, so that a change of rules is not read as a change of performance.
POLICY_CHANGE_TEXT = "rules changed here"


def policy_key(manifest: dict) -> tuple:
    """The policy version(s) a run used (its manifest's `policy`: id and spec hash)."""
    return tuple(sorted((str(p.get("policy_id")), str(p.get("spec_sha256")))
                        for p in manifest.get("policy") or [] if isinstance(p, dict)))


def _policy_label(key: tuple) -> str:
    return ", ".join(f"{pid}@{sha[:12]}" for pid, sha in key) or "unknown"


def policy_changes(runs_oldest_first: list[dict]) -> dict[int, str]:
    """{i: "old -> new"} for each run i (oldest first) whose policy version differs from
    the run before it (runs that record no policy are not compared)."""
    keys = [policy_key(r["manifest"]) for r in runs_oldest_first]
    return {i: f"{_policy_label(keys[i - 1])} -> {_policy_label(keys[i])}"
            for i in range(1, len(keys)) if keys[i] and keys[i - 1] and keys[i] != keys[i - 1]}


def policy_change_marker(change: str) -> str:
    return f'<span class="policy-change" data-policy-change="{_e(change)}">{POLICY_CHANGE_TEXT}</span>'


def sparkline(points: list[Shown | None], width: int = 160, height: int = 34, label: str = "",
              changes: dict[int, str] | None = None) -> str:
    """An inline SVG line of a figure across runs (oldest first), a dot per run. A run
    whose value is hidden (or missing) leaves a gap: its value is neither drawn nor put
    in a tooltip."""
    pad = 4
    n = len(points)
    values = [p.value for p in points if p is not None and p.value is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    span = (hi - lo) or 1.0

    def xy(i, v):
        x = pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = height - pad - (height - 2 * pad) * ((v - lo) / span if hi != lo else 0.5)
        return round(x, 1), round(y, 1)

    segments, current, dots = [], [], []
    for i, p in enumerate(points):
        if p is None or p.value is None:
            if current:
                segments.append(current)
            current = []
            continue
        x, y = xy(i, p.value)
        current.append((x, y))
        dots.append(f'<circle class="mark" cx="{x}" cy="{y}" r="2.5"><title>{_e(p.text)}</title></circle>')
    if current:
        segments.append(current)
    for i, change in sorted((changes or {}).items()):  # halfway between the two runs
        x = round((xy(i - 1, lo)[0] + xy(i, lo)[0]) / 2, 1)
        dots.append(f'<g class="policy-change" data-policy-change="{_e(change)}"><line x1="{x}" y1="0" '
                    f'x2="{x}" y2="{height}" stroke="#8e24aa" stroke-dasharray="2,2"/>'
                    f"<title>{POLICY_CHANGE_TEXT}</title></g>")
    path = " ".join("M" + " L".join(f"{x},{y}" for x, y in seg) for seg in segments if len(seg) > 1)
    line = (f'<path class="mark" d="{path}" fill="none" stroke="#1565c0" stroke-width="1.5"/>'
            if path else "")
    return (
        f'<svg class="sparkline" role="img" aria-label="{_e(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">{line}{"".join(dots)}</svg>'
    )


def trends(runs: list[dict]) -> list[dict]:
    """Per headline figure (section.key): what each run may show of it, oldest first;
    None for a run that lacks the figure."""
    shown = [shown_figures(run) for run in reversed(runs)]  # oldest first
    keys: dict[str, str] = {}
    for per_run in shown:
        for figures in per_run.values():
            for f in figures:
                if f.value is not None or f.hidden:
                    keys.setdefault(f.key, f.label)
    series = []
    for key, label in keys.items():
        points = [next((f for figs in per_run.values() for f in figs if f.key == key), None)
                  for per_run in shown]
        if any(p is not None and p.value is not None for p in points):
            series.append({"name": key, "label": label, "points": points})
    order = {key: i for i, key in enumerate(FIGURES)}  # the registry's order: totals first
    return sorted(series, key=lambda s: (s["name"].split(".", 1)[0], order.get(s["name"], len(order)),
                                         s["name"]))


CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px 6px 0; border-bottom: 1px solid #e0e0e0; }
th { color: #555; font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: bold; } .status.ok { color: #2e7d32; } .status.failed { color: #c62828; } .status.breach { color: #ef6c00; }
.figs { margin: 0 0 4px 0; line-height: 1.5; }
.figs .sec { font-weight: bold; margin-right: 4px; }
.figs .fig { white-space: nowrap; margin-right: 10px; color: #555; }
.figs .fig b { color: #222; font-weight: normal; font-variant-numeric: tabular-nums; }
code { font-size: 0.95em; }
.policy-change { color: #8e24aa; }
h3 { font-size: 1em; margin: 0.4em 0; }
.trend-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 8px 28px; }
table.trends td { padding: 2px 8px 2px 0; border-bottom: 1px solid #f0f0f0; }
ul.nb { margin: 0; padding-left: 1.1em; }
/* a phone: each run becomes a block instead of five columns */
@media (max-width: 700px) {
  table.runs thead { display: none; }
  table.runs, table.runs tbody, table.runs tr, table.runs td { display: block; width: auto; }
  table.runs tr { border-bottom: 2px solid #ccc; padding: 6px 0; }
  table.runs td { border: none; padding: 2px 0; }
  .figs .fig { white-space: normal; }
  .trend-grid { grid-template-columns: 1fr; }
}
"""


def _hidden_title(f: Shown) -> str:
    return f' title="{_e(f.reason)}"' if f.hidden and f.reason else ""


def render_index(runs: list[dict]) -> str:
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>compliance-kit report runs</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        "<h1>Report runs</h1>",
        f'<p class="sub">{len(runs)} run(s), newest first. Index rebuilt {_e(now)}. '
        "Every page here works offline. Counts from 1 to k&minus;1 are hidden (&lt;k, or "
        "&ldquo;hidden&rdquo; where a total would give them away); shares over fewer than k are blank.</p>",
    ]
    parts += ["<h2>Runs</h2>", '<table class="runs"><thead><tr><th>run</th><th>as of</th><th>status</th>'
              "<th>reports</th><th>headline figures</th></tr></thead><tbody>"]
    changed = policy_changes(list(reversed(runs)))
    for j, run in enumerate(runs):
        m = run["manifest"]
        change = changed.get(len(runs) - 1 - j)
        folder = run["folder"]
        code = m.get("exit_status")
        status = STATUS_TEXT.get(code, f"exit {code}")
        as_of = m.get("parameters", {}).get("as_of", "")
        if isinstance(as_of, list):
            as_of = ", ".join(map(str, as_of))
        links = []
        for nb in m.get("notebooks", []):
            label = _e(nb.get("name"))
            if nb.get("status") != "ok":
                label += ' <span class="status failed">(failed)</span>'
            if nb.get("html"):
                links.append(f'<li><a href="{_e(folder)}/{_e(nb["html"])}">{label}</a></li>')
            else:
                links.append(f"<li>{label}</li>")
        figures = []
        for section, shown in shown_figures(run).items():
            items = " ".join(
                f'<span class="fig"{_hidden_title(f)}>{_e(f.label)}&nbsp;<b>{_e(f.text)}</b></span>'
                for f in shown
            )
            figures.append(f'<div class="figs"><span class="sec">{_e(section)}</span> {items}</div>')
        job = f"<br><small>job {_e(m['job'])}</small>" if m.get("job") else ""
        if change:
            job += f"<br><small>{policy_change_marker(change)}</small>"
        parts.append(
            f'<tr id="run-{_e(folder)}"><td>{_e(folder)}'
            f"<br><small>{_e(m.get('start', ''))}, {_e(m.get('duration_seconds', ''))} s</small>{job}</td>"
            f"<td>{_e(as_of)}</td>"
            f'<td><span class="status {STATUS_CLASS.get(code, "failed")}">{_e(status)}</span></td>'
            f'<td><ul class="nb">{"".join(links)}</ul></td>'
            f"<td>{''.join(figures)}</td></tr>"
        )
    parts.append("</tbody></table>")
    series = trends(runs)
    if series:
        parts += ["<h2>Trends</h2>",
                  '<p class="sub">Each headline figure across runs, oldest to newest; hover a dot for its value. '
                  'A dashed line marks a change of policy version between two runs: the rules changed there, '
                  'so a step is not necessarily a change of performance.</p>',
                  '<div class="trend-grid">']
        by_section: dict[str, list] = {}
        for s in series:
            by_section.setdefault(s["name"].split(".", 1)[0], []).append(s)
        for section, items in by_section.items():
            parts.append(f'<section><h3>{_e(section)}</h3><table class="trends"><tbody>')
            for s in items:
                latest = s["points"][-1]
                shown = [p for p in s["points"] if p is not None and p.value is not None]
                title = f"{len(s['points'])} run(s)"
                if shown:
                    low = min(shown, key=lambda p: p.value)
                    high = max(shown, key=lambda p: p.value)
                    title = f"min {low.text}, max {high.text}, " + title
                parts.append(
                    f"<tr><td>{_e(s['label'])}</td>"
                    f"<td>{sparkline(s['points'], width=120, height=26, label=s['label'], changes=changed)}</td>"
                    f'<td class="num" title="{_e(title)}">{_e(latest.text if latest else "–")}</td></tr>'
                )
            parts.append("</tbody></table></section>")
        parts.append("</div>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def rebuild_index(out_dir: str | Path) -> Path:
    """Write OUT/index.html from the published runs (callers hold OUT/.lock)."""
    out_dir = Path(out_dir)
    path = out_dir / "index.html"
    atomic_write_text(path, render_index(load_runs(out_dir)))
    return path

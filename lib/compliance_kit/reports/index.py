"""`reports/index.html`: every run, newest first, with its headline figures and links,
and a trend of each headline figure across runs (inline SVG sparklines: no JavaScript,
nothing fetched). Rebuilt after each run (and after `compliance-kit runs prune`) under the
reports folder's lock, written to a temp file and renamed into place, so a reader never
sees half an index.

The page leads with the latest successful run: a link to its overview
(`<run>/index.html`, reports/overview.py) and its first card per analysis. The runs table
has a policy column and hides failed runs until "show failed runs" is ticked (a checkbox
and CSS: no script). Trends draw the successful runs, oldest to newest, and mark with a
dashed line (an element with `data-policy-change`, "rules changed here") each place where
the policy version or its spec changed between two runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..figures import FIGURES, Shown, shown_section
from ..palette import GREY, SERIES
from ..params_words import date_words
from ..privacy.escaping import escape
from .cards import ANALYSES, SPECS, cards_for, render_cards
from .history import as_of_of, is_successful, previous_in, published_runs, run_k
from .metrics import atomic_write_text
from .overview import OVERVIEW_NAME
from .style import PAGE_CSS

STATUS_TEXT = {0: "ok", 2: "bad parameters", 3: "notebook failed", 4: "threshold breached", 130: "interrupted"}
STATUS_CLASS = {0: "ok", 3: "failed", 4: "breach"}
POLICY_CHANGE = "rules changed here"

_e = escape


def load_runs(out_dir: str | Path) -> list[dict]:
    """Published runs (folders with an internal/manifest.json), newest first; each with
    `has_overview`: its run overview page exists."""
    runs = published_runs(out_dir)
    for run in runs:
        run["has_overview"] = (Path(out_dir) / run["folder"] / OVERVIEW_NAME).is_file()
    return runs


def policy_key(manifest: dict) -> tuple:
    """What identifies a run's rules: each policy's id, version and spec hash."""
    return tuple((p.get("policy_id"), p.get("version"), p.get("spec_sha256"))
                 for p in manifest.get("policy") or [] if isinstance(p, dict))


def policy_version_text(manifest: dict) -> str:
    versions = [p for p in manifest.get("policy") or [] if isinstance(p, dict)]
    if not versions:
        return "unknown"
    return "; ".join(f"{p.get('title') or p.get('policy_id')}, version {p.get('version')}" for p in versions)


def shown_figures(run: dict) -> dict[str, list[Shown]]:
    """The run's headline figures as a shared page may show them: section -> figures,
    counts below the run's k hidden, rates over small bases blanked (compliance_kit.figures)."""
    k = run_k(run["manifest"])
    return {section: shown_section(section, figures, k)
            for section, figures in sorted(run["metrics"].items()) if isinstance(figures, dict)}


def sparkline(points: list[Shown | None], width: int = 160, height: int = 34, label: str = "",
              policy_changes=()) -> str:
    """An inline SVG line of a figure across runs (oldest first), a dot per run. A run
    whose value is hidden (or missing) leaves a gap: its value is neither drawn nor put
    in a tooltip. `policy_changes`: indices i where run i has other rules than run i-1;
    each gets a dashed vertical line between the two (data-policy-change). Dots shrink
    as runs grow, so 50 runs stay apart; one run is a dot in the middle."""
    pad = 4
    n = len(points)
    values = [p.value for p in points if p is not None and p.value is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    span = (hi - lo) or 1.0
    radius = 2.5 if n <= 15 else (1.8 if n <= 30 else 1.3)

    def x_of(i: float) -> float:
        return round(pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5), 1)

    def xy(i, v):
        y = height - pad - (height - 2 * pad) * ((v - lo) / span if hi != lo else 0.5)
        return x_of(i), round(y, 1)

    segments, current, dots = [], [], []
    for i, p in enumerate(points):
        if p is None or p.value is None:
            if current:
                segments.append(current)
            current = []
            continue
        x, y = xy(i, p.value)
        current.append((x, y))
        dots.append(f'<circle class="mark" cx="{x}" cy="{y}" r="{radius}" fill="{SERIES}"><title>{_e(p.text)}</title></circle>')
    if current:
        segments.append(current)
    markers = []
    for i in policy_changes:
        if 0 < i < n:
            x = round((x_of(i - 1) + x_of(i)) / 2, 1)
            markers.append(f'<line data-policy-change="{i}" x1="{x}" x2="{x}" y1="1" y2="{height - 1}" stroke="{GREY}" '
                           f'stroke-width="1" stroke-dasharray="3,2"><title>{_e(POLICY_CHANGE)}</title></line>')
    path = " ".join("M" + " L".join(f"{x},{y}" for x, y in seg) for seg in segments if len(seg) > 1)
    line = (f'<path class="mark" d="{path}" fill="none" stroke="{SERIES}" stroke-width="1.5"/>'
            if path else "")
    return (
        f'<svg class="sparkline" role="img" aria-label="{_e(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">{"".join(markers)}{line}{"".join(dots)}</svg>'
    )


def policy_changes(runs_oldest_first: list[dict]) -> list[int]:
    """Indices i where run i's rules differ from run i-1's (both known)."""
    keys = [policy_key(r["manifest"]) for r in runs_oldest_first]
    return [i for i in range(1, len(keys)) if keys[i] and keys[i - 1] and keys[i] != keys[i - 1]]


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
body.ck-page { margin: 0; }
.ck-main { padding-bottom: 2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; }
.sub { color: #555; margin-top: 0; }
.sec, .trend-grid h3 { text-transform: capitalize; }
table.runs { border-collapse: collapse; width: 100%; font-size: 0.9em; table-layout: fixed; }
table.runs col.c-run { width: 15%; } table.runs col.c-asof { width: 9%; } table.runs col.c-policy { width: 13%; }
table.runs col.c-status { width: 9%; } table.runs col.c-reports { width: 15%; }
details.ck-more-figs { display: inline; } details.ck-more-figs > summary { display: inline; cursor: pointer; color: var(--ck-link); font-size: 0.9em; }
details.ck-more-figs[open] > summary { display: block; }
table.runs th, table.runs td { text-align: left; vertical-align: top; padding: 6px 10px 6px 0;
  border-bottom: 1px solid #e0e0e0; overflow-wrap: anywhere; }
table.runs th { color: #555; font-weight: normal; }
.status { font-weight: bold; } .status.ok { color: #006B4F; } .status.failed { color: #B34700; } .status.breach { color: #8A5F00; }
.figs { margin: 0 0 4px 0; line-height: 1.5; }
.figs .sec { font-weight: bold; margin-right: 4px; }
.figs .fig { margin-right: 10px; color: #555; display: inline-block; }
.figs .fig b { color: #222; font-weight: normal; font-variant-numeric: tabular-nums; white-space: nowrap; }
ul.nb { margin: 0; padding-left: 1.1em; }
.rules-changed { display: block; font-size: 0.85em; color: #555; }
/* the switch: failed runs are hidden until the box is ticked (no script) */
.ck-toggle-row { margin: 0.3em 0 0.6em 0; font-size: 0.9em; }
#show-failed:not(:checked) ~ table.runs tr.run-failed { display: none; }
.ck-lead { border: 1px solid #e0e0e0; border-radius: 4px; padding: 0.6em 1em; margin: 0.8em 0; }
.ck-lead h2 { margin-top: 0.2em; }
h3 { font-size: 1em; margin: 0.4em 0; }
.trend-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 8px 28px; }
.trend-grid section { min-width: 0; }
table.trends { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 0.9em; }
table.trends col.c-spark { width: 128px; } table.trends col.c-latest { width: 6.5em; }
table.trends td { padding: 2px 8px 2px 0; border-bottom: 1px solid #f0f0f0; vertical-align: middle;
  overflow-wrap: anywhere; }
table.trends td.num { text-align: right; font-variant-numeric: tabular-nums; padding-right: 0; }
table.trends svg { display: block; }
.ck-legend-line { display: inline-block; width: 0; height: 1em; border-left: 1px dashed #999; margin: 0 0.4em; vertical-align: middle; }
/* a phone: each run becomes a block instead of columns */
@media (max-width: 700px) {
  table.runs thead, table.runs colgroup { display: none; }
  table.runs, table.runs tbody, table.runs tr, table.runs td { display: block; width: auto; }
  table.runs tr { border-bottom: 2px solid #ccc; padding: 6px 0; }
  table.runs td { border: none; padding: 2px 0; }
  .trend-grid { grid-template-columns: minmax(0, 1fr); }
}
"""


def _hidden_title(f: Shown) -> str:
    return f' title="{_e(f.reason)}"' if f.hidden and f.reason else ""


def _lead(runs: list[dict]) -> list[str]:
    """The latest successful run: its date, status and policy, a link to its overview,
    and its first card per analysis with the change since its previous comparable run."""
    ok = [r for r in runs if is_successful(r["manifest"])]
    if not ok:
        return ['<section class="ck-lead" id="latest"><h2>Latest run</h2><p>No run has finished: every run '
                "listed failed (tick &ldquo;show failed runs&rdquo; below).</p></section>"] if runs else []
    latest = ok[0]
    m = latest["manifest"]
    previous = previous_in(runs, m)
    k = max(run_k(m), run_k(previous["manifest"])) if previous else run_k(m)
    since = f"the previous run (as of {date_words(as_of_of(previous['manifest']))})" if previous else ""
    code = m.get("exit_status")
    parts = ['<section class="ck-lead" id="latest">',
             f"<h2>Latest run: as of {_e(date_words(as_of_of(m)))}</h2>",
             f'<p>Status: <span class="status {STATUS_CLASS.get(code, "failed")}">{_e(STATUS_TEXT.get(code, ""))}'
             f"</span>; policy: {_e(policy_version_text(m))}."]
    if latest.get("has_overview"):
        parts.append(f' <a class="ck-overview-link" href="{_e(latest["folder"])}/{OVERVIEW_NAME}">'
                     "Open the run overview</a>")
    parts.append("</p>")
    cards = []
    for section in ANALYSES:
        if section != "policy":
            cards += cards_for(section, latest["metrics"], previous["metrics"] if previous else None, k,
                               thresholds=(m.get("parameters") or {}).get("fail_on") or [],
                               since=since or "the previous run")[:1]
    parts.append(render_cards(cards))
    start = str(m.get("start", ""))
    newer_failed = sum(1 for r in runs if str(r["manifest"].get("start", "")) > start)
    if newer_failed:
        parts.append(f'<p class="sub">{newer_failed} newer run(s) failed: tick &ldquo;show failed runs&rdquo; '
                     "below to see them.</p>")
    parts.append("</section>")
    return parts


def _fig_spans(shown: list[Shown]) -> str:
    return " ".join(f'<span class="fig"{_hidden_title(f)}>{_e(f.label)}&nbsp;<b>{_e(f.text)}</b></span>'
                    for f in shown)


def _dashboard_label(name: str) -> str:
    # reports/html.py (the dashboards' own titles) imports nbformat: only when a run has pages
    from .html import ANALYSIS_TITLES

    return ANALYSIS_TITLES.get(name, str(name).replace("_", " ").capitalize())


def _run_row(run: dict, rules_changed: bool) -> str:
    m = run["manifest"]
    folder = run["folder"]
    code = m.get("exit_status")
    status = STATUS_TEXT.get(code, f"exit {code}")
    links = []
    if run.get("has_overview"):
        links.append(f'<li><a href="{_e(folder)}/{OVERVIEW_NAME}">Overview</a></li>')
    for nb in m.get("notebooks", []):
        label = _e(_dashboard_label(nb.get("name")) if nb.get("html") else nb.get("name"))
        if nb.get("status") != "ok":
            label += ' <span class="status failed">(failed)</span>'
        if nb.get("html"):
            links.append(f'<li><a href="{_e(folder)}/{_e(nb["html"])}">{label}</a></li>')
        else:
            links.append(f"<li>{label}</li>")
    figures = []
    for section, shown in shown_figures(run).items():
        # the cards' figures first; the rest of the section behind "all figures"
        by_key = {f.key: f for f in shown}
        first = [by_key[f"{section}.{spec.key}"] for spec in SPECS.get(section, [])
                 if f"{section}.{spec.key}" in by_key] or shown
        rest = [f for f in shown if f not in first]
        more = (f'<details class="ck-more-figs"><summary>all {len(shown)} figures</summary> '
                f"{_fig_spans(rest)}</details>" if rest else "")
        figures.append(f'<div class="figs"><span class="sec">{_e(section)}</span> {_fig_spans(first)}{more}</div>')
    job = f"<br><small>job {_e(m['job'])}</small>" if m.get("job") else ""
    changed = '<span class="rules-changed">rules changed since the run before</span>' if rules_changed else ""
    row_class = "" if is_successful(m) else ' class="run-failed"'
    return (
        f'<tr id="run-{_e(folder)}"{row_class}><td>{_e(folder)}'
        f"<br><small>{_e(m.get('start', ''))}, {_e(m.get('duration_seconds', ''))} s</small>{job}</td>"
        f"<td>{_e(as_of_of(m))}</td>"
        f"<td>{_e(policy_version_text(m))}{changed}</td>"
        f'<td><span class="status {STATUS_CLASS.get(code, "failed")}">{_e(status)}</span></td>'
        f'<td><ul class="nb">{"".join(links)}</ul></td>'
        f"<td>{''.join(figures)}</td></tr>"
    )


def render_index(runs: list[dict]) -> str:
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    failed = [r for r in runs if not is_successful(r["manifest"])]
    ok = [r for r in runs if is_successful(r["manifest"])]
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>compliance-kit report runs</title>", f"<style>{PAGE_CSS}{CSS}</style>", "</head>",
        '<body class="ck-page">', '<main class="ck-main">',
        '<header class="ck-header"><h1>Report runs</h1>',
        f'<p class="ck-sub">{len(runs)} run(s), newest first. Index rebuilt {_e(now)}. '
        "Every page here works offline. Counts from 1 to k&minus;1 are hidden (&lt;k, or "
        "&ldquo;hidden&rdquo; where a total would give them away); shares over fewer than k are blank.</p>",
        "</header>",
    ]
    parts += _lead(runs)
    # rules changed: compare each run with the next older one (all runs, as listed)
    oldest_first = list(reversed(runs))
    changed_at = {oldest_first[i]["folder"] for i in policy_changes(oldest_first)}
    parts += ["<h2>Runs</h2>",
              f'<input type="checkbox" id="show-failed" class="ck-toggle">'
              f'<label for="show-failed" class="ck-toggle-row"> Show failed runs ({len(failed)})</label>',
              '<table class="runs"><colgroup><col class="c-run"><col class="c-asof"><col class="c-policy">'
              '<col class="c-status"><col class="c-reports"><col class="c-figs"></colgroup>'
              "<thead><tr><th>run</th><th>as of</th><th>policy</th><th>status</th>"
              "<th>reports</th><th>headline figures</th></tr></thead><tbody>"]
    parts += [_run_row(run, run["folder"] in changed_at) for run in runs]
    parts.append("</tbody></table>")
    series = trends(ok)
    if series:
        marks = policy_changes(list(reversed(ok)))
        parts += ["<h2>Trends</h2>",
                  f'<p class="sub">Each headline figure across the {len(ok)} successful run(s), oldest to newest; '
                  "hover a dot for its value. A dashed line "
                  '<span class="ck-legend-line" aria-hidden="true"></span>marks where the policy&rsquo;s rules '
                  "changed between two runs.</p>",
                  '<div class="trend-grid">']
        by_section: dict[str, list] = {}
        for s in series:
            by_section.setdefault(s["name"].split(".", 1)[0], []).append(s)
        for section, items in by_section.items():
            parts.append(f'<section><h3>{_e(section)}</h3><table class="trends">'
                         '<colgroup><col class="c-label"><col class="c-spark"><col class="c-latest"></colgroup><tbody>')
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
                    f"<td>{sparkline(s['points'], width=120, height=26, label=s['label'], policy_changes=marks)}</td>"
                    f'<td class="num" title="{_e(title)}">{_e(latest.text if latest else "–")}</td></tr>'
                )
            parts.append("</tbody></table></section>")
        parts.append("</div>")
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def rebuild_index(out_dir: str | Path) -> Path:
    """Write OUT/index.html from the published runs (callers hold OUT/.lock)."""
    out_dir = Path(out_dir)
    path = out_dir / "index.html"
    atomic_write_text(path, render_index(load_runs(out_dir)))
    return path

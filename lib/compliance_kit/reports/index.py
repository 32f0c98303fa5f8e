"""`reports/index.html`: every run, newest first, with its headline figures and links,
and a trend of each headline figure across runs (inline SVG sparklines: no JavaScript,
nothing fetched). Rebuilt after each run under the reports folder's lock, written to a
temp file and renamed into place, so a reader never sees half an index."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from .metrics import atomic_write_text

STATUS_TEXT = {0: "ok", 2: "bad parameters", 3: "notebook failed", 4: "threshold breached", 130: "interrupted"}
STATUS_CLASS = {0: "ok", 3: "failed", 4: "breach"}


def load_runs(out_dir: str | Path) -> list[dict]:
    """Published runs (folders with a manifest.json), newest first."""
    runs = []
    for manifest_path in Path(out_dir).glob("*/manifest.json"):
        folder = manifest_path.parent
        if folder.name.startswith("."):
            continue
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        try:
            metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            metrics = {}
        runs.append({"folder": folder.name, "manifest": manifest, "metrics": metrics})
    runs.sort(key=lambda r: (r["manifest"].get("start", ""), r["folder"]), reverse=True)
    return runs


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def sparkline(values: list[float], width: int = 160, height: int = 34, label: str = "") -> str:
    """An inline SVG line of `values` (oldest first) with a dot per run."""
    pad = 4
    n = len(values)
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0

    def xy(i, v):
        x = pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = height - pad - (height - 2 * pad) * ((v - lo) / span if hi != lo else 0.5)
        return round(x, 1), round(y, 1)

    pts = [xy(i, v) for i, v in enumerate(values)]
    path = "M" + " L".join(f"{x},{y}" for x, y in pts)
    dots = "".join(
        f'<circle class="mark" cx="{x}" cy="{y}" r="2.5"><title>{_e(_fmt(v))}</title></circle>'
        for (x, y), v in zip(pts, values)
    )
    return (
        f'<svg class="sparkline" role="img" aria-label="{_e(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<path class="mark" d="{path}" fill="none" stroke="#1565c0" stroke-width="1.5"/>{dots}</svg>'
    )


def trends(runs: list[dict]) -> list[dict]:
    """Per numeric headline figure (section.key): its values across runs, oldest first."""
    series: dict[str, list] = {}
    for run in reversed(runs):  # oldest first
        for section, figures in sorted(run["metrics"].items()):
            if not isinstance(figures, dict):
                continue
            for key, value in sorted(figures.items()):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    series.setdefault(f"{section}.{key}", []).append(value)
    return [{"name": name, "values": values} for name, values in sorted(series.items())]


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
h3 { font-size: 1em; margin: 0.4em 0; }
.trend-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 8px 28px; }
table.trends td { padding: 2px 8px 2px 0; border-bottom: 1px solid #f0f0f0; }
ul.nb { margin: 0; padding-left: 1.1em; }
"""


def render_index(runs: list[dict]) -> str:
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>compliance-kit report runs</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        "<h1>Report runs</h1>",
        f'<p class="sub">{len(runs)} run(s), newest first. Index rebuilt {_e(now)}. '
        "Every page here works offline; counts below k are shown as &lt;k.</p>",
    ]
    parts += ["<h2>Runs</h2>", '<table class="runs"><thead><tr><th>run</th><th>as of</th><th>status</th>'
              "<th>reports</th><th>headline figures</th></tr></thead><tbody>"]
    for run in runs:
        m = run["manifest"]
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
        for section, values in sorted(run["metrics"].items()):
            if isinstance(values, dict):
                items = " ".join(
                    f'<span class="fig">{_e(key)}&nbsp;<b>{_e(_fmt(value))}</b></span>'
                    for key, value in sorted(values.items())
                )
                figures.append(f'<div class="figs"><span class="sec">{_e(section)}</span> {items}</div>')
        job = f"<br><small>job {_e(m['job'])}</small>" if m.get("job") else ""
        parts.append(
            f'<tr id="run-{_e(folder)}"><td><a href="{_e(folder)}/manifest.json">{_e(folder)}</a>'
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
                  '<p class="sub">Each headline figure across runs, oldest to newest; hover a dot for its value.</p>',
                  '<div class="trend-grid">']
        by_section: dict[str, list] = {}
        for s in series:
            by_section.setdefault(s["name"].split(".", 1)[0], []).append(s)
        for section, items in by_section.items():
            parts.append(f'<section><h3>{_e(section)}</h3><table class="trends"><tbody>')
            for s in items:
                v = s["values"]
                parts.append(
                    f"<tr><td><code>{_e(s['name'].split('.', 1)[1])}</code></td>"
                    f"<td>{sparkline(v, width=120, height=26, label=s['name'])}</td>"
                    f'<td class="num" title="min {_e(_fmt(min(v)))}, max {_e(_fmt(max(v)))}, {len(v)} run(s)">'
                    f"{_e(_fmt(v[-1]))}</td></tr>"
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

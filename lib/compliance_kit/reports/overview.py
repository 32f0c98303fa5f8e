"""The run overview, `OUT/<run-id>/index.html`: the page a manager opens first.

It answers "how are we doing, and is it better than last time?": the as-of date, the
policy (name and version), the run's status, whether the data reaches the as-of date
(reports/freshness.py), then per analysis 3-5 headline cards (reports/cards.py) with their
change since the previous comparable run (reports/history.py) and a link to the
dashboard. Written by the publish step into the run's temp folder before the rename, so
it appears with the run, and from the run's own files only (manifest, metrics): the page
code computes nothing from the data.

A shared page (docs/sharing.md): aggregates only, counts below the run's k hidden, every
value through the escaping point, links only to the run's dashboards and the index, no
script, nothing fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..params_words import date_words, parameters_words
from ..privacy.escaping import escape
from .cards import ANALYSES, SECTION_OF, cards_for, render_cards
from .freshness import assess, render_freshness
from .history import as_of_of, previous_comparable, read_run, run_k
from .metrics import atomic_write_text
from .style import PAGE_CSS, STATUS_WORDS, dates_unbroken

OVERVIEW_NAME = "index.html"      # in the run folder; the dashboards' headers link to it
STATUS_TEXT = {0: "ok: every report ran and no threshold was breached",
               3: "failed: a report did not run to the end; its figures are missing",
               4: "threshold breached: every report ran, and a --fail-on threshold of the job was crossed",
               130: "interrupted"}

_e = escape

EXTRA_CSS = """
.ck-freshness .ck-warning { border-left: 6px solid var(--ck-warn); background: #FDF3DC; padding: 0.5em 0.8em; margin: 0.5em 0; }
.ck-freshness-tables { columns: 2 14em; margin: 0.3em 0; padding-left: 1.2em; font-size: 0.9em; color: var(--ck-muted); }
.ck-main h2 { font-size: 1.3em; margin: 1.2em 0 0.2em 0; }
.ck-analysis .ck-scope { color: var(--ck-muted); font-size: 0.85em; margin: 0 0 0.2em 0; }
.ck-legend { color: var(--ck-muted); font-size: 0.85em; }
.ck-legend .status-dot { vertical-align: baseline; }
.card .card-detail { font-size: 0.85em; margin: 0.1em 0 0.3em 0; color: var(--ck-text); }
"""


def policy_words(manifest: dict) -> str:
    versions = manifest.get("policy") or []
    if not versions:
        return "unknown (the store records no policy version)"
    return "; ".join(f"{v.get('title') or v.get('policy_id')}, version {v.get('version')}" for v in versions)


def _status(manifest: dict) -> tuple[str, str]:
    code = manifest.get("exit_status")
    cls = {0: "status-good", 4: "status-warn"}.get(code, "status-bad")
    return STATUS_TEXT.get(code, f"exit status {code}"), cls


def _dashboard_titles() -> dict:
    # reports/html.py imports nbformat (seconds); `runs list` and the index need none of it
    from .html import ANALYSIS_TITLES

    return ANALYSIS_TITLES


def _sections(manifest: dict, metrics: dict) -> list[dict]:
    """The analyses of the run in reading order (retention, requests, flows, policy, then
    the rest): each with its title, section, notebook entry (or None) and figures."""
    titles = _dashboard_titles()
    notebooks = {nb.get("name"): nb for nb in manifest.get("notebooks") or []}
    out, seen = [], set()
    for notebook, section in sorted(SECTION_OF.items(), key=lambda kv: list(ANALYSES).index(kv[1])):
        if notebook in notebooks or section in metrics:
            out.append({"section": section, "title": ANALYSES[section], "notebook": notebooks.get(notebook)})
            seen.update({notebook, section})
    for name, nb in notebooks.items():
        if name not in seen:
            out.append({"section": name, "title": titles.get(name, str(name).replace("_", " ").capitalize()),
                        "notebook": nb})
            seen.add(name)
    for section in metrics:
        if section not in seen:
            out.append({"section": section, "title": str(section).replace("_", " ").capitalize(), "notebook": None})
    return out


def render_overview(manifest: dict, metrics: dict, previous: dict | None) -> str:
    """The overview page of one run (its manifest and metrics.json), compared with
    `previous` ({"folder", "manifest", "metrics"} or None)."""
    k = run_k(manifest)
    as_of = as_of_of(manifest)
    title = f"Compliance overview — as of {date_words(as_of)}" if as_of else "Compliance overview"
    status_text, status_cls = _status(manifest)
    fail_on = (manifest.get("parameters") or {}).get("fail_on") or []
    per_notebook = (manifest.get("parameters") or {}).get("per_notebook") or {}
    sections = _sections(manifest, metrics)

    prev_metrics, since = None, "the previous run"
    if previous is not None:
        prev_metrics = previous.get("metrics") or {}
        k = max(k, run_k(previous["manifest"]))
        since = "the previous run"

    titles = _dashboard_titles()
    nav = ['<li><span class="ck-current" aria-current="page">Run overview</span></li>']
    for s in sections:
        nb = s["notebook"]
        if nb and nb.get("html"):
            nav.append(f'<li><a href="{_e(nb["html"])}">{_e(titles.get(nb.get("name"), s["title"]))}</a></li>')
    nav.append('<li><a href="../index.html">All runs</a></li>')

    facts = [("Data up to", f"the end of {date_words(as_of)}" if as_of else "unknown"),
             ("Policy", policy_words(manifest))]
    if manifest.get("job"):
        facts.append(("Job", manifest["job"]))
    facts.append(("Run", f"{manifest.get('run_id', '')} ({str(manifest.get('start', ''))[:10]})"))
    facts_html = "".join(f"<dt>{_e(label)}</dt><dd>{dates_unbroken(_e(value))}</dd>" for label, value in facts)

    if previous is not None:
        compared = (f"Changes are since the previous run, as of {_e(date_words(as_of_of(previous['manifest'])))} "
                    f"(run {_e(previous['folder'])}: the same job, reports and parameters).")
    else:
        compared = ("No earlier comparable run (same job, reports and parameters apart from the as-of date): "
                    "changes appear from the next run.")

    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>", f"<style>{PAGE_CSS}{EXTRA_CSS}</style>", "</head>",
        '<body class="ck-page">', '<main class="ck-main">',
        '<header class="ck-header">',
        f'<nav aria-label="this run"><ul class="ck-nav">{"".join(nav)}</ul></nav>',
        f"<h1>{_e(title)}</h1>",
        f'<dl class="ck-facts">{facts_html}</dl>',
        f'<p class="ck-run-status {status_cls}"><span class="status-dot"></span><strong>Run status:</strong> '
        f"{_e(status_text)}</p>",
        f'<p class="ck-sub">{compared}</p>',
        "</header>",
    ]
    freshness = assess(manifest)
    if freshness.warnings:          # a problem with the data comes before the figures it affects
        parts.append(render_freshness(freshness))
    for s in sections:
        nb = s["notebook"]
        anchor = "".join(c if c.isalnum() else "-" for c in str(s["section"]))
        parts.append(f'<section class="ck-analysis" id="{_e(anchor)}"><h2>{_e(s["title"])}</h2>')
        scope = parameters_words(per_notebook.get(nb.get("name"), {})) if nb else []
        if scope:
            parts.append(f'<p class="ck-scope">{_e("; ".join(scope))}</p>')
        if nb is not None and nb.get("status") != "ok":
            parts.append('<p class="ck-failed">This report failed: its figures are missing. '
                         "Its page says which part failed.</p>")
        cards = cards_for(s["section"], metrics, prev_metrics, k, thresholds=fail_on, since=since)
        if cards:
            parts.append(render_cards(cards))
        elif nb is None or nb.get("status") == "ok":
            parts.append('<p class="ck-empty">This report wrote no headline figures.</p>')
        if nb and nb.get("html"):
            subject = s["title"].lower().removeprefix("the ")     # "The policy" -> "the policy dashboard"
            parts.append(f'<p><a href="{_e(nb["html"])}">Open the {_e(subject)} dashboard</a></p>')
        parts.append("</section>")
    if not freshness.warnings:
        parts.append(render_freshness(freshness))
    legend = " ".join(f'<span class="{_e("status-" + s)}"><span class="status-dot"></span>{_e(w)}</span>'
                      for s, w in STATUS_WORDS.items())
    # The thresholds' texts stay internal (the manifest): "x > 3" beside "threshold breached"
    # and a hidden x would give x away.
    thresholds = (" Cards on a figure the job's --fail-on thresholds check are coloured by them; the others "
                  "by the kit's default bands (docs/sharing.md)." if fail_on else
                  " This job sets no thresholds: the cards use the kit's default bands (docs/sharing.md).")
    parts += [
        '<footer class="ck-legend">',
        f"<p>Status: {legend}.{thresholds}</p>",
        f"<p>Counts from 1 to {_e(k - 1)} are hidden (&lt;{_e(k)}, or &ldquo;hidden&rdquo; where a total would "
        "give them away); shares over fewer than k are blank, and no change is given where either run hides "
        "the value. This page works offline and opened alone.</p>",
        "</footer>", "</main>", "</body>", "</html>", "",
    ]
    return "\n".join(parts)


def write_overview(run_dir: str | Path, out_dir: str | Path,
                   echo: Callable[[str], None] | None = None) -> Path | None:
    """Write `run_dir/index.html` from the run's internal/manifest.json and metrics.json,
    compared with the previous comparable run published in `out_dir`. Called by the
    publish step, under the reports folder's lock, before the run folder is renamed into
    place. A failure here is reported and leaves the run without an overview: it must
    never cost the run itself. Returns the path written, or None."""
    run_dir = Path(run_dir)
    try:
        run = read_run(run_dir)
        if run is None:
            raise ValueError(f"no readable manifest in {run_dir / 'internal'}")
        manifest, metrics = run["manifest"], run["metrics"]
        if any(nb.get("html") == OVERVIEW_NAME for nb in manifest.get("notebooks") or []):
            raise ValueError(f"a report is named {Path(OVERVIEW_NAME).stem!r}: its page would be the overview's")
        previous = previous_comparable(out_dir, manifest)
        path = run_dir / OVERVIEW_NAME
        atomic_write_text(path, render_overview(manifest, metrics, previous))
        return path
    except Exception as exc:   # noqa: BLE001 - the run is worth more than its overview
        if echo is not None:
            echo(f"warning: the run overview was not written ({type(exc).__name__}: {exc})")
        return None

"""Export an executed notebook to one self-contained HTML file that works offline.

nbconvert's HTMLExporter with the `compliance` template (lab, minus every CDN script:
require.js, MathJax, Mermaid, widgets), code cells hidden, prompts hidden, the kit's one
stylesheet (reports/style.py), and a header: navigation to the run overview (`index.html`
of the run folder) and the sibling dashboards, the title "<analysis> — as of <date>" (the
page <title> too), the policy, the run, the parameters in words (params_words) and the
headline cards. The notebook's own "# Title" line is dropped (the header says it).

Shared pages only: tracebacks become one plain sentence naming the failed section,
stderr streams are dropped and header values lose local paths (reports/shareable.py);
every header value is escaped by privacy.escaping.escape (the template's `ck_escape`).
The executed .ipynb keeps everything.

Charts: the notebooks render Altair to SVG in the kernel (charts.setup("svg")) and keep
the chart's spec beside it (charts.SPEC_MIME). Here each such chart becomes a placeholder
holding the spec and the SVG; the page gets ONE inline copy of vl-convert's Vega bundle,
which draws every placeholder as an interactive chart (tooltips with exact values) and
hides its SVG. Without script the SVG stays: the fallback. An output carrying only a
Vega-Lite mimetype becomes a placeholder too (never one bundle per chart, never a CDN).
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path

import nbformat

from ..charts import SPEC_MIME
from ..params_words import date_words, parameters_words
from ..privacy.escaping import escape
from ..privacy.redact import scrub_paths
from .shareable import make_shareable
from .style import PAGE_CSS, dates_unbroken

TEMPLATES = Path(__file__).parent / "templates"
# "+json" is the registered form; Altair 6.3's mimetype renderer writes ".json".
VEGA_MIME = re.compile(r"^application/vnd\.vega(lite)?\.v\d+[+.]json$")

# The dashboards of the kit, by notebook name, in the run overview's reading order, for
# the navigation between siblings (other reports follow in the run's order).
ANALYSIS_TITLES = {
    "retention_compliance": "Retention compliance",
    "request_turnaround": "Request turnaround",
    "data_flows": "Data flows",
    "policy_overview": "Policy overview",
}

# Renders every placeholder; vegaEmbed is bound by vl-convert's bundle. The chart keeps
# the width it was drawn at ('fit' would squeeze axis labels); on a narrow screen its box
# scrolls, never the page. A chart that cannot be drawn keeps its static SVG.
_EMBED_SNIPPET = """
for (const el of document.querySelectorAll('div.ck-vega')) {
  const spec = JSON.parse(el.querySelector('script[type="application/json"]').textContent);
  const target = document.createElement('div');
  target.className = 'ck-vega-live';
  el.appendChild(target);
  const fallback = el.querySelector('.ck-vega-fallback');
  vegaEmbed(target, spec, {renderer: 'svg', actions: false}).then(() => {
    if (fallback) fallback.remove();
  }).catch((err) => {
    if (fallback) { target.remove(); return; }
    target.textContent = 'chart failed to render: ' + err;
    console.error(err);
  });
}
"""


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    import vl_convert

    return vl_convert.javascript_bundle(_EMBED_SNIPPET)


def inline_vega_bundle() -> str:
    """vega_bundle() as a page inlines it in a <script>: no "</script" left to close it."""
    return vega_bundle().replace("</script", "<\\/script")


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="compliance",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        mathjax_url="",
        require_js_url="",
        embed_images=True,
        skip_svg_encoding=True,  # inline <svg> markup, not a base64 <img>: readable and testable
        # the one escaping helper, for every header value; ck_escape_dates also keeps the
        # value's ISO dates on one line (the policy version, the run's day)
        filters={"ck_escape": escape, "ck_escape_dates": lambda value: dates_unbroken(escape(value))},
    )


def _placeholder(spec, svg: str | None = None) -> str:
    """A chart for the page: its spec as inert JSON, and its SVG as the fallback."""
    if isinstance(spec, str):
        spec = json.loads(spec)
    # Inert inside <script type="application/json">: no "<" at all, so neither "</script"
    # nor "<!--<script" (which would keep the element open) can occur; JSON.parse reads
    # the \u escapes back as the same characters.
    payload = (json.dumps(spec).replace("<", "\\u003c").replace(">", "\\u003e")
               .replace("&", "\\u0026"))
    fallback = ""
    if svg:
        svg = svg.replace('<?xml version="1.0" encoding="utf-8"?>', "")
        fallback = (f'<div class="ck-vega-fallback jp-RenderedSVG" data-mime-type="image/svg+xml">'
                    f'{svg}</div>')
    return f'<div class="ck-vega"><script type="application/json">{payload}</script>{fallback}</div>'


def _inline_vega(nb) -> bool:
    """Turn chart outputs into placeholders for the one inline Vega bundle; True if any.

    - SVG + the kit's spec (charts.SPEC_MIME): interactive, the SVG as fallback;
    - a Vega/Vega-Lite mimetype only: interactive;
    - a Vega mimetype beside an SVG or PNG: the static image stays (nothing to add).
    """
    found = False
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            if SPEC_MIME in data:
                spec, svg = data[SPEC_MIME], data.get("image/svg+xml")
                for m in list(data):
                    del data[m]
                data["text/html"] = _placeholder(spec, svg)
                found = True
                continue
            mimes = [m for m in data if VEGA_MIME.match(m)]
            if not mimes:
                continue
            if "image/svg+xml" in data or "image/png" in data:
                for m in mimes:
                    del data[m]
                continue
            spec = data[mimes[0]]
            for m in list(data):
                del data[m]
            data["text/html"] = _placeholder(spec)
            found = True
    return found


def notebook_title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback.replace("_", " ").capitalize()


def _drop_title(nb) -> None:
    """Remove the notebook's "# Title" line: the page header says it, with the as-of date."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("# "):
                cell.source = "\n".join(lines[:i] + lines[i + 1:]).strip("\n")
                return
        return


def _when(value):
    """'2026-11-29T21:27:58+00:00' -> '29 November 2026, 21:27 UTC'; other values unchanged."""
    import datetime as dt

    if not isinstance(value, str):
        return value
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc)
    return f"{date_words(when.date())}, {when:%H:%M} UTC"


def page_title(title: str, as_of) -> str:
    """"Retention compliance — as of 31 October 2026"."""
    return f"{title} — as of {date_words(as_of)}" if as_of not in (None, "", "None") else title


def navigation(name: str, siblings) -> list[dict]:
    """The header's links, relative to the page, so they work wherever the run folder is
    copied: the run overview, each dashboard of the run (the page itself marked current),
    and all runs. Each: {href, label, current}."""
    links = [{"href": "index.html", "label": "Run overview", "current": False}]
    order = list(ANALYSIS_TITLES)
    siblings = sorted(siblings or [name], key=lambda s: order.index(s) if s in order else len(order))
    for sibling in siblings:
        links.append({"href": f"{sibling}.html", "current": sibling == name,
                      "label": ANALYSIS_TITLES.get(sibling, sibling.replace("_", " ").capitalize())})
    links.append({"href": "../index.html", "label": "All runs", "current": False})
    return links


def export_html(nb_or_path, html_path: str | Path, header: dict | None = None) -> Path:
    """Write the notebook (a NotebookNode or a path) as offline HTML to `html_path`.

    `header` feeds the page header: title, as_of, run_id, run_date, policy, status ("ok"
    or "failed") and error (a fallback "Type: message" for a failure that left no error
    output, e.g. a dead kernel); the parameters either as `effective` (a dict, shown in
    words) or `parameters` (a string); `siblings`, the notebook names of the run (for the
    navigation); `cards_html`, the headline cards (HTML built through the escaping point).
    A failed notebook's status row says which section failed with which error. Returns
    the path written.
    """
    if isinstance(nb_or_path, (str, Path)):
        nb = nbformat.read(str(nb_or_path), as_version=4)
        name = Path(nb_or_path).stem
    else:
        nb = copy.deepcopy(nb_or_path)
        name = Path(html_path).stem
    failures = make_shareable(nb)
    header = dict(header or {})
    header.setdefault("title", notebook_title(nb, name))
    _drop_title(nb)
    error = header.pop("error", None)
    if header.get("status") not in (None, "ok"):
        header["status"] = failures[0].status() if failures else (
            f"failed: {error}" if error else "failed")
    effective = header.pop("effective", None)
    if effective is not None:
        header["parameters"] = "; ".join(parameters_words(effective))
    as_of = header.get("as_of")
    if as_of not in (None, "", "None"):
        header["as_of"] = f"the end of {date_words(as_of)}"
    cards_html = header.pop("cards_html", None) or CARDS_MARKER
    nav = navigation(header.pop("notebook", name), header.pop("siblings", None))
    header["run_date"] = _when(header.get("run_date"))
    header = {k: scrub_paths(v) if isinstance(v, str) else v for k, v in header.items()}
    header["title"] = page_title(header["title"], scrub_paths(as_of) if isinstance(as_of, str) else as_of)
    if _inline_vega(nb):
        header["vega_bundle"] = inline_vega_bundle()
    nb.metadata.pop("widgets", None)
    resources = {"ck": header, "ck_nav": nav, "ck_cards": cards_html, "ck_css": PAGE_CSS,
                 "metadata": {"name": header["title"]}}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


# Where the headline cards go in a dashboard's header. The page is exported while the run
# is still going; the cards need the run's metrics.json and manifest (to find the previous
# comparable run), so the publish step fills them in (add_cards) before the run appears.
CARDS_MARKER = "<!-- ck-cards -->"


def dashboard_cards(manifest: dict, metrics: dict, previous: dict | None) -> dict[str, str]:
    """{page file name: the cards' HTML} for each dashboard of a run, as the run overview
    shows them: the run's k (the larger of both runs' when comparing), the job's --fail-on
    thresholds, the change since `previous` ({"folder", "manifest", "metrics"} or None)."""
    from .cards import SECTION_OF, cards_for, render_cards
    from .history import run_k

    k = run_k(manifest)
    prev_metrics = None
    if previous is not None:
        prev_metrics = previous.get("metrics") or {}
        k = max(k, run_k(previous["manifest"]))
    fail_on = (manifest.get("parameters") or {}).get("fail_on") or []
    pages = {}
    for nb in manifest.get("notebooks") or []:
        section = SECTION_OF.get(nb.get("name"), nb.get("name"))
        if not nb.get("html") or section not in metrics:
            continue
        cards = cards_for(section, metrics, prev_metrics, k, thresholds=fail_on, since="the previous run")
        if cards:
            pages[nb["html"]] = render_cards(cards)
    return pages


def add_cards(run_dir: str | Path, out_dir: str | Path, echo=None) -> list[str]:
    """Fill each dashboard's header of `run_dir` with its headline cards (from the run's
    internal/manifest.json and metrics.json, compared with the previous comparable run in
    `out_dir`). Called by the publish step before the rename. A failure is reported and
    leaves the pages without cards: it must never cost the run. Returns the pages filled."""
    from .history import previous_comparable, read_run

    run_dir = Path(run_dir)
    try:
        run = read_run(run_dir)
        if run is None:
            raise ValueError(f"no readable manifest in {run_dir / 'internal'}")
        manifest, metrics = run["manifest"], run["metrics"]
        previous = previous_comparable(out_dir, manifest)
        filled = []
        for page, cards_html in dashboard_cards(manifest, metrics, previous).items():
            path = run_dir / page
            if not path.is_file() or path.parent != run_dir:
                continue
            text = path.read_text(encoding="utf-8")
            if CARDS_MARKER in text:
                path.write_text(text.replace(CARDS_MARKER, cards_html, 1), encoding="utf-8")
                filled.append(page)
        return filled
    except Exception as exc:  # noqa: BLE001 - the run is worth more than its cards
        if echo is not None:
            echo(f"warning: the dashboards' headline cards were not added ({type(exc).__name__}: {exc})")
        return []


EXTERNAL_REF = re.compile(
    r"""<(script|link|img|iframe|source|embed|object)\b[^>]*?\b(src|href|data)\s*=\s*["']?\s*(https?:)?//""",
    re.IGNORECASE,
)


def external_references(html: str) -> list[str]:
    """Tags that would fetch something over the network (script/link/img src to http(s) or //)."""
    return [m.group(0) for m in EXTERNAL_REF.finditer(html)]

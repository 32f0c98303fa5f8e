"""Export an executed notebook to one self-contained HTML file that works offline.

nbconvert's HTMLExporter with the `compliance` template (lab, minus every CDN script:
require.js, MathJax, Mermaid, widgets), code cells hidden, prompts hidden, and a header
with the title, as-of date, run, policy version and parameters.

Shared pages only: tracebacks become one plain sentence naming the failed section,
stderr streams are dropped and header values lose local paths (reports/shareable.py);
every header value is escaped by privacy.escaping.escape (the template's `ck_escape`).
The executed .ipynb keeps everything.

Charts: the notebooks render Altair to SVG in the kernel (charts.setup("svg")), so no
JavaScript is needed. If an output carries a Vega-Lite mimetype instead, it becomes a
placeholder and the page gets ONE inline copy of vl-convert's Vega bundle, which
renders every placeholder as SVG (never one bundle per chart, never a CDN).
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path

import nbformat

from ..privacy.escaping import escape
from ..privacy.redact import scrub_paths
from .shareable import make_shareable

TEMPLATES = Path(__file__).parent / "templates"
# "+json" is the registered form; Altair 6.3's mimetype renderer writes ".json".
VEGA_MIME = re.compile(r"^application/vnd\.vega(lite)?\.v\d+[+.]json$")

# Renders every placeholder; vegaEmbed is bound by vl-convert's bundle.
_EMBED_SNIPPET = """
for (const el of document.querySelectorAll('div.ck-vega')) {
  const spec = JSON.parse(el.querySelector('script[type="application/json"]').textContent);
  const target = document.createElement('div');
  el.appendChild(target);
  vegaEmbed(target, spec, {renderer: 'svg', actions: false}).catch((err) => {
    target.textContent = 'chart failed to render: ' + err;
    console.error(err);
  });
}
"""


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    import vl_convert

    return vl_convert.javascript_bundle(_EMBED_SNIPPET)


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
        filters={"ck_escape": escape},  # the one escaping helper, for every header value
    )


def _inline_vega(nb) -> bool:
    """Replace Vega/Vega-Lite outputs with placeholders; True if any was found."""
    found = False
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            mimes = [m for m in data if VEGA_MIME.match(m)]
            if not mimes:
                continue
            if "image/svg+xml" in data or "image/png" in data:
                for m in mimes:
                    del data[m]
                continue
            spec = data[mimes[0]]
            if isinstance(spec, str):
                spec = json.loads(spec)
            payload = json.dumps(spec).replace("</", "<\\/")
            for m in list(data):
                del data[m]
            data["text/html"] = (
                f'<div class="ck-vega"><script type="application/json">{payload}</script></div>'
            )
            found = True
    return found


def notebook_title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback.replace("_", " ").capitalize()


def export_html(nb_or_path, html_path: str | Path, header: dict | None = None) -> Path:
    """Write the notebook (a NotebookNode or a path) as offline HTML to `html_path`.

    `header` feeds the page header: title, as_of, run_id, run_date, policy, parameters
    (a string), status ("ok" or "failed") and error (a fallback "Type: message" for a
    failure that left no error output, e.g. a dead kernel). A failed notebook's status
    row says which section failed with which error. Returns the path written.
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
    error = header.pop("error", None)
    if header.get("status") not in (None, "ok"):
        header["status"] = failures[0].status() if failures else (
            f"failed: {error}" if error else "failed")
    header = {k: scrub_paths(v) if isinstance(v, str) else v for k, v in header.items()}
    if _inline_vega(nb):
        header["vega_bundle"] = vega_bundle().replace("</script", "<\\/script")
    nb.metadata.pop("widgets", None)
    body, _ = _exporter().from_notebook_node(nb, resources={"ck": header, "metadata": {"name": header["title"]}})
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


EXTERNAL_REF = re.compile(
    r"""<(script|link|img|iframe|source|embed|object)\b[^>]*?\b(src|href|data)\s*=\s*["']?\s*(https?:)?//""",
    re.IGNORECASE,
)


def external_references(html: str) -> list[str]:
    """Tags that would fetch something over the network (script/link/img src to http(s) or //)."""
    return [m.group(0) for m in EXTERNAL_REF.finditer(html)]

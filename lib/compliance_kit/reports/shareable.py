"""What of an executed notebook may reach a shared page.

The executed `.ipynb` under `internal/` keeps everything for the analyst. The copy that
becomes HTML loses what only the analyst can use, and what a reader must not get:
- an `error` output (a traceback: code, local paths, ANSI colours) becomes one plain
  sentence naming the section that failed and the error message, paths scrubbed;
- papermill's error marker cells ("An Exception was encountered at In [4]") go;
- every `stderr` stream goes (warnings name files of the machine), failed run or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat

from ..privacy.escaping import escape
from ..privacy.redact import scrub_paths

PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
MAX_MESSAGE = 500


@dataclass(frozen=True)
class Failure:
    section: str | None    # the nearest Markdown heading above the failing cell
    error: str             # "ZeroDivisionError: division by zero", plain, paths scrubbed

    def sentence(self) -> str:
        where = f"This section, ‘{self.section}’," if self.section else "This part of the report"
        return f"{where} could not be completed: {self.error}"

    def status(self) -> str:
        where = f"failed in section ‘{self.section}’" if self.section else "failed"
        return f"{where}: {self.error}"


def plain_error(ename, evalue) -> str:
    """'Type: message' on one line: no ANSI codes, no local paths, at most 500 characters."""
    text = ANSI.sub("", f"{ename or 'Error'}: {evalue or ''}".strip())
    text = " ".join(scrub_paths(text).split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _heading(cell) -> str | None:
    """The last Markdown heading in a Markdown cell (formatting marks dropped), if any."""
    found = None
    for line in cell.source.splitlines():
        m = HEADING.match(line)
        if m:
            found = re.sub(r"[*_`]", "", m.group(2)).strip() or None
    return found


def _error_block(failure: Failure):
    sentence = failure.sentence()
    return nbformat.v4.new_output(
        "display_data",
        data={"text/html": f'<div class="ck-error" role="alert"><p>{escape(sentence)}</p></div>',
              "text/plain": sentence},
    )


def make_shareable(nb) -> list[Failure]:
    """Rewrite `nb` (a NotebookNode, changed in place) for a shared page; return the
    failures found, in notebook order."""
    failures = []
    section = None
    cells = []
    for cell in nb.cells:
        if PAPERMILL_ERROR_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown":
            section = _heading(cell) or section
        outputs = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") == "stderr":
                continue
            if kind == "error":
                failure = Failure(scrub_paths(section) if section else None,
                                  plain_error(output.get("ename"), output.get("evalue")))
                failures.append(failure)
                output = _error_block(failure)
            outputs.append(output)
        if "outputs" in cell:
            cell.outputs = outputs
        cells.append(cell)
    nb.cells = cells
    return failures

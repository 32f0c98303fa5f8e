"""A document as sheets of cells, each cell carrying where its value comes from, and the
three writers: XLSX (openpyxl; the provenance as a cell comment), CSV (one row per cell,
with provenance columns) and HTML (a table per sheet with a provenance column; every value
escaped through compliance_kit.privacy.escaping).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from ..privacy.escaping import escape

FORMATS = ("xlsx", "csv", "html")


@dataclass(frozen=True)
class Provenance:
    """Where a cell's value comes from: a policy quote (section + verbatim quote), or an
    observation (`observed`: the function and query that computed it)."""

    section: str | None = None
    quote: str | None = None
    observed: str | None = None
    note: str | None = None

    def text(self) -> str:
        parts = []
        if self.section or self.quote:
            parts.append(f"Source: {self.section or '(no section)'}\nQuote: \u201c{self.quote or ''}\u201d")
        if self.observed:
            parts.append(f"Observed: {self.observed}")
        if self.note:
            parts.append(f"Note: {self.note}")
        return "\n".join(parts) or "No source: the policy does not state it"


@dataclass
class Sheet:
    name: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)          # values
    provenance: list[Provenance] = field(default_factory=list)  # one per row
    note: str = ""                                          # what the sheet is, in words

    def add(self, values: list, provenance: Provenance) -> None:
        if len(values) != len(self.columns):
            raise ValueError(f"sheet {self.name}: {len(values)} values for {len(self.columns)} columns")
        self.rows.append(list(values))
        self.provenance.append(provenance)


def _plain(value) -> str | int | float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, str)):
        return value
    return str(value)


def write(sheets: list[Sheet], out: str | Path, fmt: str, title: str) -> Path:
    out = Path(out)
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if out.parent and not out.parent.exists():
        raise UserError(f"{out.parent}: no such folder for --out")
    writer = {"xlsx": write_xlsx, "csv": write_csv, "html": write_html}[fmt]
    writer(sheets, out, title)
    return out


def write_xlsx(sheets: list[Sheet], out: Path, title: str) -> None:
    """One worksheet per sheet: a note row, the header, the rows; every value cell carries
    its provenance as a comment (Excel's note), so the quote travels with the cell."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name[:31])
        ws.append([sheet.note])
        ws.append(sheet.columns)
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for values, prov in zip(sheet.rows, sheet.provenance):
            ws.append([_plain(v) for v in values])
            text = prov.text()
            for cell in ws[ws.max_row]:
                cell.comment = Comment(text, "compliance-kit", width=420, height=160)
        ws.freeze_panes = "A3"
    wb.properties.title = title
    wb.properties.creator = "compliance-kit"
    wb.save(out)


CSV_COLUMNS = ["sheet", "row", "field", "value", "source_section", "source_quote", "observed", "note"]


def write_csv(sheets: list[Sheet], out: Path, title: str) -> None:
    """One line per cell (sheet, row, field, value) with its provenance columns: every
    sheet in one file a spreadsheet or a script can filter."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for sheet in sheets:
        for i, (values, prov) in enumerate(zip(sheet.rows, sheet.provenance), start=1):
            for column, value in zip(sheet.columns, values):
                v = _plain(value)
                w.writerow([sheet.name, i, column, "" if v is None else v, prov.section or "",
                            prov.quote or "", prov.observed or "", prov.note or ""])
    out.write_text(buf.getvalue(), encoding="utf-8")


_CSS = ("body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:100rem}"
        "table{border-collapse:collapse;margin-bottom:2rem;font-size:.85rem}"
        "th,td{border:1px solid #ccc;padding:.25rem .4rem;vertical-align:top;text-align:left}"
        "td.prov{color:#444;font-size:.78rem;max-width:32rem}caption{text-align:left;font-weight:bold}")


def html_table(sheet: Sheet) -> str:
    """A sheet as an HTML table with a provenance column; every value escaped."""
    head = "".join(f"<th>{escape(c)}</th>" for c in sheet.columns) + "<th>provenance</th>"
    body = []
    for values, prov in zip(sheet.rows, sheet.provenance):
        cells = "".join(f"<td>{escape(_plain(v))}</td>" for v in values)
        prov_html = escape(prov.text()).replace("\n", "<br>")
        body.append(f"<tr>{cells}<td class=\"prov\">{prov_html}</td></tr>")
    return (f"<table data-sheet=\"{escape(sheet.name)}\"><caption>{escape(sheet.name)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>{escape(sheet.note)}</p>")


def write_html(sheets: list[Sheet], out: Path, title: str) -> None:
    parts = [f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1>"]
    parts += [f"<h2>{escape(s.name)}</h2>" + html_table(s) for s in sheets]
    parts.append("</body></html>")
    out.write_text("".join(parts), encoding="utf-8")

"""Provenance: every encoded row can be checked against the published page.

`check_provenance(spec)` raises PolicySpecError (one message naming the row) unless:

1. every row's `source.section` is a heading of the page and its `source.quote` occurs,
   whitespace-normalised, in that section (or one of its sub-sections);
2. every table of the page is declared in the spec's `tables` (same section, same number
   of data rows), and every data row of a declared table is encoded exactly once by each
   collection in its `encoded_by` (an encoded row encodes the table row whose text
   contains its quote; the quote must pick out exactly one table row);
3. every row that names a `source.table` quotes text of one of that table's rows, and its
   verbatim fields (e.g. `information`, `purposes`, `data_types`) occur in that row; a
   module's `name` occurs in its quote;
4. a retention rule's `phrase` occurs in its quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import PolicySpecError
from .extract import Page, load_page, normalise
from .spec import PolicySpec

# Fields copied verbatim from a table cell; checked against the matched table row.
VERBATIM_FIELDS = {
    "purposes": ("information", "purposes", "legal_basis"),
    "categories": ("information",),
    "processors": ("name", "tasks"),
    "transfers": ("recipient_name", "method", "purpose", "data_types", "recipient_retention"),
}

# Fields that must occur in the row's own quote (rows not taken from a table).
IN_QUOTE_FIELDS = {
    "modules": ("name",),
}


@dataclass
class ProvenanceReport:
    rows_checked: int
    tables: dict  # table id -> number of data rows matched


def _fold(text: str) -> str:
    return normalise(text)


TODO_MARK = "TODO"


def unfilled_fields(spec: PolicySpec) -> list[str]:
    """Fields still reading 'TODO...' (a skeleton from `compliance-kit import fides`), as
    'purposes[2].source.quote', in file order."""
    found: list[str] = []

    def walk(value, path: str) -> None:
        if isinstance(value, str) and value.strip().startswith(TODO_MARK):
            found.append(path)
        elif isinstance(value, dict):
            for key, v in value.items():
                walk(v, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")

    walk(spec.model_dump(mode="json"), "")
    return found


def check_provenance(spec: PolicySpec, page: Page | None = None) -> ProvenanceReport:
    unfilled = unfilled_fields(spec)
    if unfilled:
        shown = ", ".join(unfilled[:5]) + (f" and {len(unfilled) - 5} more" if len(unfilled) > 5 else "")
        raise PolicySpecError(
            f"{spec.path or '<spec>'}: {len(unfilled)} fields still read 'TODO' (quotes and facts of an "
            f"imported skeleton): fill each from the policy page first: {shown}"
        )
    if page is None:
        source = spec.source_path
        if not Path(source).exists():
            raise PolicySpecError(
                f"{spec.where('policy', None)}: field 'source_file': no such file {str(source)!r}"
            )
        page = load_page(source)

    sections: dict[str, list[str]] = {}
    for s in page.sections:
        sections.setdefault(s.heading.casefold(), []).append(s.full_text)

    checked = 0
    # 1. quotes occur in their section
    for collection, index, row_id, src in spec.sourced_rows():
        here = spec.where(collection, index, row_id)
        texts = sections.get(normalise(src.section).casefold())
        if texts is None:
            raise PolicySpecError(
                f"{here}: field 'source.section': no heading {src.section!r} on the page {page.path}"
            )
        quote = _fold(src.quote)
        if not any(quote in t for t in texts):
            where_else = "" if quote not in page.text else " (it occurs elsewhere on the page: check source.section)"
            raise PolicySpecError(
                f"{here}: field 'source.quote': quote not found in section {src.section!r} of {page.path}"
                f"{where_else}: {_short(src.quote)!r}"
            )
        checked += 1

    # 2. tables: declared, and each row encoded exactly once per encoding collection
    decls = {t.id: t for t in spec.tables}
    matched: dict[str, int] = {}
    used_decls: set[str] = set()
    tables_by_id = {}
    for table in page.tables:
        decl = next(
            (d for d in spec.tables if d.id not in used_decls
             and normalise(d.section).casefold() == table.section.casefold()
             and d.data_rows == len(table.rows)),
            None,
        )
        if decl is None:
            raise PolicySpecError(
                f"{spec.where('tables', None)}: field 'tables': table {table.index + 1} of the page (section "
                f"{table.section!r}, {len(table.rows)} data rows) is not declared in `tables`, so its rows "
                f"are not encoded; first row: {_short(table.row_text(0)) if table.rows else ''!r}"
            )
        used_decls.add(decl.id)
        tables_by_id[decl.id] = table
        row_texts = [table.row_text(i) for i in range(len(table.rows))]
        for collection in decl.encoded_by:
            rows = [
                (i, r) for i, r in enumerate(getattr(spec, collection))
                if r.source is not None and r.source.table == decl.id
            ]
            hits: dict[int, list[int]] = {k: [] for k in range(len(row_texts))}
            for i, r in rows:
                quote = _fold(r.source.quote)
                found = [k for k, t in enumerate(row_texts) if quote in t]
                here = spec.where(collection, i, _rid(collection, r))
                if not found:
                    raise PolicySpecError(
                        f"{here}: field 'source.quote': quote not found in any row of table {decl.id!r}: "
                        f"{_short(r.source.quote)!r}"
                    )
                if len(found) > 1:
                    raise PolicySpecError(
                        f"{here}: field 'source.quote': quote matches {len(found)} rows of table {decl.id!r} "
                        f"(rows {', '.join(str(k + 1) for k in found)}); quote more of the row so it names one"
                    )
                hits[found[0]].append(i)
            for k, encoders in hits.items():
                if not encoders:
                    raise PolicySpecError(
                        f"{spec.where('tables', list(decls).index(decl.id), decl.id)}: field 'encoded_by': "
                        f"row {k + 1} of the page's table {decl.id!r} is not encoded by any {collection} row "
                        f"(add one whose source.quote quotes it): {_short(row_texts[k])!r}"
                    )
                if len(encoders) > 1:
                    first, second = encoders[0], encoders[1]
                    row2 = getattr(spec, collection)[second]
                    raise PolicySpecError(
                        f"{spec.where(collection, second, _rid(collection, row2))}: field 'source.quote': "
                        f"row {k + 1} of table {decl.id!r} is encoded more than once in {collection!r} "
                        f"(also by {collection}[{first}])"
                    )
        matched[decl.id] = len(row_texts)
    for d in spec.tables:
        if d.id not in used_decls:
            found = [t for t in page.tables if t.section.casefold() == normalise(d.section).casefold()]
            detail = (f"the page's table there has {len(found[0].rows)} data rows, not {d.data_rows}"
                      if found else f"no table under section {d.section!r}")
            raise PolicySpecError(
                f"{spec.where('tables', list(decls).index(d.id), d.id)}: field 'data_rows': {detail}"
            )

    # 3. rows naming a table: quote within one of its rows; verbatim fields in that row
    for collection, index, row_id, src in spec.sourced_rows():
        if src.table is None:
            continue
        table = tables_by_id[src.table]
        here = spec.where(collection, index, row_id)
        quote = _fold(src.quote)
        rows = [table.row_text(k) for k in range(len(table.rows)) if quote in table.row_text(k)]
        if not rows:
            raise PolicySpecError(
                f"{here}: field 'source.quote': quote not found in any row of table {src.table!r}: {_short(src.quote)!r}"
            )
        row = getattr(spec, collection)[index]
        for field in VERBATIM_FIELDS.get(collection, ()):
            value = getattr(row, field, None)
            if value is None:
                continue
            if not any(_fold(value) in r for r in rows):
                raise PolicySpecError(
                    f"{here}: field {field!r}: not found verbatim in the quoted row of table "
                    f"{src.table!r}: {_short(value)!r}"
                )

    for collection, fields in IN_QUOTE_FIELDS.items():
        for i, row in enumerate(getattr(spec, collection)):
            for field in fields:
                value = getattr(row, field, None)
                if value is not None and _fold(value) not in _fold(row.source.quote):
                    raise PolicySpecError(
                        f"{spec.where(collection, i, _rid(collection, row))}: field {field!r}: "
                        f"{_short(value)!r} does not occur in the row's quote"
                    )

    # 4. retention phrases occur in their quote
    for i, r in enumerate(spec.retention_rules):
        if r.phrase and _fold(r.phrase).casefold() not in _fold(r.source.quote).casefold():
            raise PolicySpecError(
                f"{spec.where('retention_rules', i, r.id)}: field 'phrase': {r.phrase!r} does not occur in the quote"
            )
    return ProvenanceReport(checked, matched)


def _rid(collection: str, row) -> str | None:
    from .spec import row_key

    return row_key(collection, row)


def _short(text: str, n: int = 90) -> str:
    text = normalise(text)
    return text if len(text) <= n else text[: n - 3] + "..."

"""Read a published privacy-policy page: its sections (heading -> text) and its tables.

Only the rendered article is read (`div#id_doc_content` on the bundled page; the page
also carries an escaped JSON copy of the article inside a <script>, which is ignored).
Text is whitespace-normalised: every run of whitespace (including no-break spaces)
becomes one space. Inline elements join without a separator, block elements (p, li,
td, br, ...) are separated by a space, so "cloudlegalnotices@tencent.com.See below"
stays as published and a quote can run across the cells of a table row.

A list item that wraps its text in <p> (and sometimes a nested list) is the block:
its text is taken once, not once for the <li> and again for each <p> inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from ..errors import PolicySpecError

ARTICLE_SELECTORS = ("div#id_doc_content",)
# Outside the article, the page header states the title and the "Last updated" stamp.
HEADER_SELECTORS = ("div.doc-content-tit-main", "div.doc-content-tip")
HEADER_SECTION = "(page header)"

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCKS = {
    "p", "li", "ul", "ol", "div", "table", "thead", "tbody", "tr", "td", "th", "br",
    "blockquote", "pre", "section", "dl", "dt", "dd", *HEADINGS,
}
_WS = re.compile(r"\s+")
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)


def normalise(text: str) -> str:
    """Collapse every run of whitespace (incl. no-break space) to one space and strip."""
    return _WS.sub(" ", text.replace("\u00a0", " ")).strip()


def _text(node) -> str:
    """The text of a node: inline children joined as is, blocks separated by a space."""
    parts: list[str] = []

    def walk(n) -> None:
        if isinstance(n, NavigableString):
            if type(n) is NavigableString:  # skip comments, CDATA, doctype
                parts.append(str(n))
            return
        if not isinstance(n, Tag) or n.name in ("script", "style"):
            return
        block = n.name in BLOCKS
        if block:
            parts.append(" ")
        for child in n.children:
            walk(child)
        if block:
            parts.append(" ")

    walk(node)
    return normalise("".join(parts))


@dataclass
class Section:
    heading: str
    level: int           # 2 for h2, 3 for h3, ...; 0 for the page header pseudo-section
    text: str            # the section's own text, up to the next heading of any level
    full_text: str = ""  # its text plus the text of its sub-sections (deeper headings)


@dataclass
class Table:
    section: str          # heading of the section the table sits in
    index: int            # 0-based position of the table on the page
    header: list[str]
    rows: list[list[str]]  # data rows (the header row excluded), cells normalised

    def row_text(self, i: int) -> str:
        return " ".join(self.rows[i])


@dataclass
class Page:
    path: Path
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    text: str = ""        # the whole normalised text (page header + article)

    def sections_named(self, heading: str) -> list[Section]:
        key = normalise(heading).casefold()
        return [s for s in self.sections if s.heading.casefold() == key]

    def section_map(self) -> dict[str, str]:
        """heading -> text. A heading used twice (the Korea addendum repeats "How We Share
        and Store Your Personal Information") gets " (2)", " (3)" after it."""
        out: dict[str, str] = {}
        for s in self.sections:
            key, n = s.heading, 1
            while key in out:
                n += 1
                key = f"{s.heading} ({n})"
            out[key] = s.text
        return out

    def summary(self) -> dict:
        return {
            "source": str(self.path),
            "sections": len(self.sections),
            "tables": [
                {"index": t.index, "section": t.section, "columns": len(t.header), "rows": len(t.rows)}
                for t in self.tables
            ],
        }

    def to_dict(self) -> dict:
        return {
            "source": str(self.path),
            "sections": [
                {"heading": s.heading, "level": s.level, "text": s.text} for s in self.sections
            ],
            "tables": [
                {"index": t.index, "section": t.section, "header": t.header, "rows": t.rows}
                for t in self.tables
            ],
        }


def _iter_flow(root: Tag):
    """Yield the article in reading order as ('heading', tag) and ('block', tag) items.

    A block is a leaf of the block structure for text purposes: a <p>, a list item
    (whole: its <p>s and nested lists are inside it and not yielded again) or a table.
    """
    for child in root.children:
        if not isinstance(child, Tag):
            if isinstance(child, NavigableString) and type(child) is NavigableString and child.strip():
                yield ("text", child)
            continue
        if child.name in HEADINGS:
            yield ("heading", child)
        elif child.name in ("p", "li", "table", "pre", "blockquote", "dl"):
            yield ("block", child)
        elif child.find(HEADINGS) is None and child.name not in ("div", "section", "ul", "ol"):
            yield ("block", child)
        else:
            yield from _iter_flow(child)


def parse_page(path: str | Path) -> Page:
    """Parse a saved policy page; raise PolicySpecError if it has no rendered article."""
    path = Path(path)
    try:
        html = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicySpecError(f"{path}: cannot read the policy source page ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise PolicySpecError(f"{path}: not UTF-8 text (byte {exc.start}); save the policy source page as UTF-8") from None
    # Scripts (the page's escaped JSON copy of the article) and styles are never read:
    # dropping them before parsing halves the work.
    html = _SCRIPT.sub("", html)
    soup = BeautifulSoup(html, "html.parser")
    article = None
    for selector in ARTICLE_SELECTORS:
        article = soup.select_one(selector)
        if article is not None:
            break
    if article is None:
        raise PolicySpecError(
            f"{path}: no rendered article found (expected one of {', '.join(ARTICLE_SELECTORS)})"
        )
    page = Page(path)

    header_texts = [_text(el) for sel in HEADER_SELECTORS for el in soup.select(sel)]
    header_texts = [t for t in header_texts if t]
    if header_texts:
        header = " ".join(header_texts)
        page.sections.append(Section(HEADER_SECTION, 0, header, header))

    current = Section("(untitled)", 1, "")
    chunks: dict[int, list[str]] = {}
    order: list[Section] = []

    def start(section: Section) -> None:
        order.append(section)
        chunks[id(section)] = []

    start(current)
    for kind, node in _iter_flow(article):
        if kind == "heading":
            current = Section(_text(node), int(node.name[1]), "")
            start(current)
            continue
        if kind == "block" and node.name == "table":
            rows = node.find_all("tr")
            cells = [[_text(c) for c in r.find_all(["td", "th"], recursive=False)] for r in rows]
            has_head = bool(rows) and (rows[0].find("th") is not None or rows[0].find_parent("thead") is not None)
            header, body = (cells[0], cells[1:]) if has_head else ([], cells)
            page.tables.append(Table(current.heading, len(page.tables), header, body))
        text = _text(node) if isinstance(node, Tag) else normalise(str(node))
        if text:
            chunks[id(current)].append(text)

    for s in order:
        s.text = normalise(" ".join(chunks[id(s)]))
    order = [s for s in order if s.heading != "(untitled)" or s.text]
    # full_text: own text plus that of following deeper sections
    for i, s in enumerate(order):
        parts = [s.text]
        for t in order[i + 1:]:
            if t.level <= s.level:
                break
            parts.append(t.heading)
            parts.append(t.text)
        s.full_text = normalise(" ".join(parts))
    page.sections.extend(order)
    page.text = normalise(" ".join(p for s in page.sections for p in (s.heading, s.text)))
    return page


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int, size: int) -> Page:
    return parse_page(path)


def load_page(path: str | Path) -> Page:
    """parse_page with a cache keyed on the file's path, mtime and size."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return parse_page(p)
    return _cached(str(p.resolve()), st.st_mtime_ns, st.st_size)

"""The one way SQL is put together: a named query is a file in sql/, and everything it
needs is declared in its own comment lines (docs/architecture.md, "Composing SQL").

    -- with: resolved_rules = retention_rules.sql
        a common table expression taken from another file (composed the same way, its own
        dependencies first); every dependency of the composition becomes one CTE, in order,
        before the file's own WITH list
    -- fill: dims list of jurisdiction, region, type
    -- fill: source one of request_status, request_status_regions
        a fill-in `{dims}` / `{source}`: only values from the list the file declares, never
        user text. A `list of` fill is a (possibly empty) list of those names, written
        `a, b, ` by `{dims}`, `PARTITION BY a, b` (or nothing) by `{dims:partition}`,
        `JOIN km USING (a, b)` (or `CROSS JOIN km`) by `{dims:join km}`
    -- slots: requests_slot.sql for s in p, w, a
        the sections of that file (`-- [name]` lines) written once per slot, `{s}` replaced
        by the slot's letter; section `{name}` is then a fill-in of this file (a section
        whose name ends in `_joins` is repeated line after line, others as a comma list)
    -- slots: retention_reading.sql for s in strictest, table, text; lines for t in triggers
        the same, and within each section a line holding `{t}` is written once per name of
        this file's `list of` fill-in `triggers` (in the order given; none for an empty
        list), so that a query carries only the columns the data needs (several
        `t in fill` pairs, comma-separated; one line holds at most one of them)
    -- macros: requests_macros.sql
        the query calls the macros that file defines (DuckDB creates them as TEMP macros,
        Spark inlines them: engines/transpile.py)

Values are never part of the text: they are bound parameters, `$name` in the SQL, and
`compose` keeps only the parameters the composed text names (an unknown name is an error).
`inline` writes them as literals, for a copy an analyst pastes into the DuckDB CLI
(`compliance-kit sql`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
from dataclasses import dataclass, field

from .errors import UserError
from .paths import SQL_DIR, read_sql

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_DIRECTIVE = re.compile(r"^\s*--\s*(with|fill|slots|macros):\s*(.+?)\s*$")
_WITH = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([A-Za-z0-9_]+\.sql)$")
_FILL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s+(one of|list of)\s+(.+)$")
_SLOTS = re.compile(r"^([A-Za-z0-9_]+\.sql)\s+for\s+([A-Za-z_]\w*)\s+in\s+([^;]+?)"
                    r"(?:\s*;\s*lines\s+for\s+(.+))?$")
_LINE_VAR = re.compile(r"^([A-Za-z_]\w*)\s+in\s+([A-Za-z_]\w*)$")
_LEADING_WITH = re.compile(r"^\s*WITH\s+(?!RECURSIVE\b)", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class CompositionError(UserError):
    """A query file's declarations do not fit (unknown file, fill-in, value or parameter)."""


@dataclass(frozen=True)
class Fill:
    """A declared fill-in: `one of` (one name) or `list of` (zero or more names)."""

    name: str
    many: bool
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class SqlFile:
    """One file of sql/ with its declarations read from its comment lines."""

    name: str
    body: str                                # the text without full-line comments
    with_: tuple[tuple[str, str], ...]       # (cte name, file)
    fills: tuple[Fill, ...]
    slots: tuple[str, str, tuple[str, ...]] | None   # (file, placeholder, slot letters)
    macros: tuple[str, ...]
    line_vars: tuple[tuple[str, str], ...] = ()      # (line placeholder of the slots file, list fill-in)


def strip_comments(sql: str) -> str:
    """The text without its full-line comments (a `$name` in a comment is not a parameter)."""
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(","))
    if not all(_NAME.match(n) for n in names):
        raise ValueError(text)
    return names


@functools.lru_cache(maxsize=None)
def load(name: str) -> SqlFile:
    """sql/<name> and its declarations (read once per process: the files ship with the kit)."""
    if not (SQL_DIR / name).is_file():
        raise CompositionError(f"no SQL file {name!r} in {SQL_DIR}")
    text = read_sql(name)
    with_, fills, slots, macros, line_vars = [], [], None, [], ()
    for line in text.splitlines():
        m = _DIRECTIVE.match(line)
        if not m:
            continue
        kind, rest = m.groups()
        try:
            if kind == "with":
                cte, file = _WITH.match(rest).groups()
                with_.append((cte, file))
            elif kind == "fill":
                fname, how, allowed = _FILL.match(rest).groups()
                fills.append(Fill(fname, how == "list of", _names(allowed)))
            elif kind == "slots":
                file, placeholder, letters, lines = _SLOTS.match(rest).groups()
                slots = (file, placeholder, _names(letters))
                if lines:
                    line_vars = tuple(_LINE_VAR.match(part.strip()).groups() for part in lines.split(","))
            else:
                if not re.match(r"^[A-Za-z0-9_]+\.sql$", rest):
                    raise ValueError(rest)
                macros.append(rest)
        except (AttributeError, ValueError):
            raise CompositionError(f"{name}: cannot read the declaration {line.strip()!r} "
                                   "(see compliance_kit/sql_compose.py for the forms)") from None
    return SqlFile(name, strip_comments(text), tuple(with_), tuple(fills), slots, tuple(macros), line_vars)


class Columns(tuple):
    """The value of a `list of` fill-in: names from the file's whitelist, written three ways."""

    def __format__(self, spec: str) -> str:
        if spec == "":
            return "".join(f"{c}, " for c in self)
        if spec == "partition":
            return f"PARTITION BY {', '.join(self)}" if self else ""
        if spec.startswith("join "):
            relation = spec[5:].strip()
            if not _NAME.match(relation):
                raise ValueError(spec)
            return f"JOIN {relation} USING ({', '.join(self)})" if self else f"CROSS JOIN {relation}"
        raise ValueError(f"unknown form {{...:{spec}}} of a list fill-in")


def _fill_value(file: SqlFile, fill: Fill, value):
    if fill.many:
        values = [value] if isinstance(value, str) else list(value or ())
        bad = [v for v in values if v not in fill.allowed]
        if bad:
            raise CompositionError(f"{file.name}: {fill.name} may hold only {', '.join(fill.allowed)}; "
                                   f"not {bad}")
        return Columns(values)
    if value not in fill.allowed:
        raise CompositionError(f"{file.name}: {fill.name} must be one of {', '.join(fill.allowed)}, "
                               f"not {value!r}")
    return value


def _repeat_line(line: str, line_fills: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    """A line of a slots file: as is, or once per name of the line placeholder it holds."""
    held = [(var, names) for var, names in line_fills if "{" + var + "}" in line]
    if not held:
        return [line]
    if len(held) > 1:
        raise CompositionError(f"a slots line holds more than one line placeholder: {line.strip()!r}")
    var, names = held[0]
    return [line.replace("{" + var + "}", name) for name in names]


@functools.lru_cache(maxsize=None)
def _slot_sections(file: str, placeholder: str, letters: tuple[str, ...],
                   line_fills: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> dict[str, str]:
    """The sections of a slots file, each written once per slot letter (its lines holding a
    line placeholder first written once per name of that placeholder's list)."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in read_sql(file).splitlines():
        head = line.strip()
        if head.startswith("-- [") and "]" in head:
            current = head[4:head.index("]")]
            sections[current] = []
        elif current is not None and not head.startswith("--"):
            sections[current].extend(_repeat_line(line, line_fills))
    token = "{" + placeholder + "}"
    filled = {}
    for name, section_lines in sections.items():
        body = "\n".join(section_lines).strip()
        parts = [body.replace(token, letter) for letter in letters]
        if name.endswith("_joins"):
            filled[name] = "\n".join(parts)
        else:
            filled[name] = ",\n".join(part.rstrip().rstrip(",") for part in parts)
    return filled


def _render(file: SqlFile, fill: dict) -> str:
    """The file's text with its fill-ins written; a file that declares none is left as is."""
    if not file.fills and not file.slots:
        return file.body
    values = {f.name: _fill_value(file, f, fill.get(f.name, () if f.many else None))
              for f in file.fills}
    if file.slots:
        line_fills = []
        for var, fill_name in file.line_vars:
            names = values.get(fill_name)
            if not isinstance(names, Columns):
                raise CompositionError(f"{file.name}: line placeholder {{{var}}} reads {fill_name!r}, "
                                       "which is not a `list of` fill-in of the file")
            line_fills.append((var, tuple(names)))
        values.update(_slot_sections(*file.slots, tuple(line_fills)))
    try:
        return file.body.format_map(values)
    except KeyError as e:
        raise CompositionError(f"{file.name}: fill-in {{{e.args[0]}}} is not declared") from None


@dataclass(frozen=True)
class Query:
    """A composed query: its text (with `$name` placeholders), the parameters it binds, the
    files it was composed from (dependencies first) and the macro files it calls."""

    name: str
    sql: str
    params: dict = field(default_factory=dict)
    files: tuple[str, ...] = ()
    macros: tuple[str, ...] = ()

    def inline(self) -> str:
        """The text with every parameter written as a DuckDB literal (for pasting)."""
        return inline(self.sql, self.params)


def _collect(name: str, seen: dict[str, str], order: list[tuple[str, str]]) -> None:
    """Every dependency of `name`, depth first, each CTE once."""
    for cte, dep in load(name).with_:
        if cte in seen:
            if seen[cte] != dep:
                raise CompositionError(f"CTE {cte!r} is declared from both {seen[cte]} and {dep}")
            continue
        _collect(dep, seen, order)
        seen[cte] = dep
        order.append((cte, dep))


def compose(name: str, params: dict | None = None, /, **fill) -> Query:
    """sql/<name> with its dependencies as CTEs and its fill-ins written; the parameters
    kept are those the text names (a missing one is an error; extra ones are dropped:
    DuckDB rejects unused ones). `fill` applies to every file of the composition that
    declares the fill-in; a fill-in no file declares is an error (a typo would be silent)."""
    params = params or {}
    deps: list[tuple[str, str]] = []
    _collect(name, {}, deps)
    files = [dep for _, dep in deps] + [name]
    declared = {f.name for n in files for f in load(n).fills}
    unknown = set(fill) - declared
    if unknown:
        raise CompositionError(f"{name}: no file of the composition declares fill-in(s) {sorted(unknown)}")
    main = _render(load(name), fill).strip()
    if deps:
        heads = ",\n".join(f"{cte} AS (\n{_render(load(dep), fill).strip()}\n)" for cte, dep in deps)
        if _LEADING_WITH.match(main):
            main = f"WITH {heads},\n{_LEADING_WITH.sub('', main, count=1)}"
        else:
            main = f"WITH {heads}\n{main}"
    names = set(_PARAM.findall(main))
    missing = names - params.keys()
    if missing:
        raise CompositionError(f"{name} needs parameter(s) {sorted(missing)}")
    macros = tuple(dict.fromkeys(m for n in files for m in load(n).macros))
    return Query(name, main, {k: params[k] for k in sorted(names)}, tuple(files), macros)


# ----------------------------------------------------------------------------- literals

def literal(value) -> str:
    """A Python parameter value as the DuckDB literal that binds to the same type."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"CAST({value!r} AS DOUBLE)"  # a bare 0.05 would be a DECIMAL
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return f"TIMESTAMPTZ '{value.isoformat(sep=' ')}'"
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):  # a STRUCT
        return "{" + ", ".join(f"{literal(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no SQL literal for {type(value).__name__} {value!r}")


def inline(sql: str, params: dict) -> str:
    """`sql` with each `$name` replaced by the literal of params[name]."""
    return _PARAM.sub(lambda m: literal(params[m.group(1)]), sql)

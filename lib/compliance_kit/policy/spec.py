"""The policy spec: a human-reviewable YAML file that encodes a privacy policy row by row.

`load_spec(path)` reads and validates it and returns a `PolicySpec`. Every mistake
(missing field, unknown reference, unparseable duration, duplicate id, ...) raises
`PolicySpecError` with one message naming the file (and line), the row and the field,
e.g.::

    policy.yaml:212: retention_rules[4] (id 'ret_photo_id'): field 'trigger': unknown trigger 'acount_deleted' (known: account_deleted, ...)

The format is documented in docs/policy-spec.md.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictBool, ValidationError, field_validator, model_validator

from ..errors import PolicySpecError
from .durations import MAX_PARTS, MAX_YEARS, DurationError, split, to_iso

SPEC_VERSION = 1

CLOCK_SOURCES = ("accounts.deleted_at", "events", "requests", "records.created_at")
CONFIDENCE = ("high", "medium-high", "medium", "low-medium", "low")
UNITS = ("calendar_months", "calendar_days", "business_days", "hours", "without_delay", "none")
AMOUNT_UNITS = ("calendar_months", "calendar_days", "business_days", "hours")
ANY = "*"  # "any recipient" / "any destination" / "every request type"


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


class Source(_Row):
    """Where a row comes from: a heading of the page and a verbatim quote under it.
    `table`: the id of the page table the quote is taken from (see `tables`)."""

    section: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    table: Optional[str] = None


class PolicyMeta(_Row):
    id: str = Field(min_length=1)
    org: str = Field(min_length=1)
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    effective_date: dt.date
    source_file: str = Field(min_length=1)  # relative to the YAML file
    source: Source


class Part(_Row):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    last_updated: Optional[dt.date] = None
    notes: Optional[str] = None
    source: Source


class TableDecl(_Row):
    """A table of the page: which collections must encode each of its rows exactly once."""

    id: str = Field(min_length=1)
    section: str = Field(min_length=1)
    data_rows: int = Field(ge=0, le=1_000_000)
    encoded_by: list[Literal["purposes", "categories", "retention_rules", "processors", "transfers"]] = Field(min_length=1)


class Jurisdiction(_Row):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: Literal["global", "bloc", "country", "subdivision"]
    parents: list[str] = Field(default_factory=list)


class Controller(_Row):
    scope: str
    entity: str = Field(min_length=1)
    address: Optional[str] = None
    holiday_calendar: Optional[str] = None
    source: Source


class Category(_Row):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    information: str = Field(min_length=1)
    source: Source


class Purpose(_Row):
    id: str = Field(min_length=1)
    category: Optional[str]  # required key; null when no retention category fits
    information: str = Field(min_length=1)
    mandatory: StrictBool
    purposes: str = Field(min_length=1)
    legal_basis: str = Field(min_length=1)
    source: Source


class Trigger(_Row):
    id: str = Field(min_length=1)
    description: str = Field(min_length=1)
    clock_source: Literal[CLOCK_SOURCES]  # type: ignore[valid-type]


class RetentionRule(_Row):
    id: str = Field(min_length=1)
    rule_set: Literal["retention_table", "retention_text", "addendum", "recipient"]
    kind: Literal["erase_within", "retain_minimum"]
    category: Optional[str]  # required key; null: every category
    jurisdiction: str
    recipient: Optional[str] = None
    trigger: str
    max_delay: str           # ISO 8601 duration
    phrase: Optional[str] = None  # the policy's wording of the delay; must give max_delay
    earliest_of: Optional[str] = None
    legal_hold_exempt: StrictBool
    exception: Optional[str] = None
    notes: Optional[str] = None
    source: Source

    @field_validator("max_delay")
    @classmethod
    def _iso(cls, v: str) -> str:
        try:
            split(v)
        except DurationError as exc:
            raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _phrase(self) -> "RetentionRule":
        if self.phrase is not None:
            try:
                iso = to_iso(self.phrase)
            except DurationError as exc:
                raise ValueError(f"phrase: {exc}") from None
            if split(iso) != split(self.max_delay):
                raise ValueError(
                    f"phrase: {self.phrase!r} means {iso}, but max_delay is {self.max_delay}"
                )
        return self

    @property
    def delay_parts(self) -> tuple[int, int, int]:
        return split(self.max_delay)


class RequestType(_Row):
    id: str = Field(min_length=1)
    description: str = Field(min_length=1)


class JurisdictionRule(_Row):
    jurisdiction: str
    minimum_age: Optional[int] = Field(default=None, ge=0, le=30)
    minor_rule: Optional[str] = None
    transfer_consent_required: Optional[StrictBool] = None
    transfer_mechanism: Optional[Literal["consent", "scc"]] = None
    extra_retention: Optional[str] = None
    notes: Optional[str] = None
    basis: Literal["policy", "statute"]
    confidence: Literal[CONFIDENCE]  # type: ignore[valid-type]
    source: Optional[Source] = None

    @model_validator(mode="after")
    def _source(self) -> "JurisdictionRule":
        if self.basis == "policy" and self.source is None:
            raise ValueError("source: required when basis is 'policy'")
        return self


class Rights(_Row):
    jurisdiction: str
    request_types: list[str] = Field(min_length=1)
    source: Source


class DeadlineRule(_Row):
    id: str = Field(min_length=1)
    jurisdiction: str
    request_type: str
    deadline_kind: Literal["response", "acknowledgement"] = "response"
    unit: Literal[UNITS]  # type: ignore[valid-type]
    amount: Optional[int] = Field(default=None, ge=0)
    extension_unit: Optional[Literal[AMOUNT_UNITS]] = None  # type: ignore[valid-type]
    extension_amount: Optional[int] = Field(default=None, ge=0)
    extension_needs_notice: StrictBool
    clock_start: Literal["receipt", "identity_verified"]
    pause_for_identity: StrictBool
    roll_forward: StrictBool
    holiday_calendar: Optional[str] = None
    basis: Literal["policy", "statute"]
    citation: Optional[str] = None
    confidence: Literal[CONFIDENCE]  # type: ignore[valid-type]
    valid_from: dt.date
    notes: Optional[str] = None
    source: Optional[Source] = None
    # Issue 16: the clarification stop-the-clock (UK GDPR Art 12A), the source of the
    # rule's identity handling, and whether a lawyer should confirm the row.
    pause_for_clarification: StrictBool = False
    identity_citation: Optional[str] = None
    legal_review: StrictBool = False

    @property
    def identity_mode(self) -> str:
        """How identity checks meet the clock: `latest_of` (the clock starts at the later of
        receipt and the identity information received), `pause` (the clock stops while
        identity information asked for is outstanding), `none` (identity time does not
        affect the clock)."""
        if self.clock_start == "identity_verified":
            return "latest_of"
        return "pause" if self.pause_for_identity else "none"

    @model_validator(mode="after")
    def _consistent(self) -> "DeadlineRule":
        if self.clock_start == "identity_verified" and self.pause_for_identity:
            raise ValueError("pause_for_identity: the clock starts at identity verification (latest of "
                             "receipt and identity received); it cannot also pause for identity")
        if self.unit in AMOUNT_UNITS and self.amount is None:
            raise ValueError(f"amount: required when unit is {self.unit!r}")
        if self.unit not in AMOUNT_UNITS and self.amount is not None:
            raise ValueError(f"amount: must be empty when unit is {self.unit!r}")
        # bounded before anything reaches the store's INTEGER columns or SQL intervals
        for field, unit, amount in (("amount", self.unit, self.amount),
                                    ("extension_amount", self.extension_unit, self.extension_amount)):
            if amount is not None and unit in MAX_PARTS and amount > MAX_PARTS[unit]:
                raise ValueError(f"{field}: {amount} {unit} is longer than {MAX_YEARS} years, "
                                 f"the longest duration the kit accepts (at most {MAX_PARTS[unit]})")
        if (self.extension_unit is None) != (self.extension_amount is None):
            raise ValueError("extension_amount: give both extension_unit and extension_amount, or neither")
        if self.basis == "policy" and self.source is None:
            raise ValueError("source: required when basis is 'policy'")
        if self.basis == "statute" and not self.citation:
            raise ValueError("citation: required when basis is 'statute'")
        return self


class Processor(_Row):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    tasks: str = Field(min_length=1)
    jurisdiction: str
    source: Source


class Transfer(_Row):
    id: str = Field(min_length=1)
    source_scope: str
    recipient: str = Field(min_length=1)
    recipient_name: Optional[str] = None
    destination: str = Field(min_length=1)
    method: Optional[str] = None
    encrypted_required: StrictBool
    mechanism: Optional[Literal["consent", "scc"]] = None
    purpose: Optional[str] = None
    data_types: Optional[str] = None
    recipient_retention: Optional[str] = None
    categories: Union[Literal["all"], list[str]]
    source: Source


class Module(_Row):
    number: int = Field(ge=1, le=10_000)
    name: str = Field(min_length=1)
    last_updated: dt.date
    source: Source


class PolicySpec(_Row):
    spec_version: Literal[1]
    policy: PolicyMeta
    parts: list[Part] = Field(default_factory=list)
    tables: list[TableDecl] = Field(default_factory=list)
    jurisdictions: list[Jurisdiction] = Field(min_length=1)
    controllers: list[Controller] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    purposes: list[Purpose] = Field(default_factory=list)
    triggers: list[Trigger] = Field(default_factory=list)
    retention_rules: list[RetentionRule] = Field(default_factory=list)
    request_types: list[RequestType] = Field(default_factory=list)
    jurisdiction_rules: list[JurisdictionRule] = Field(default_factory=list)
    rights: list[Rights] = Field(default_factory=list)
    request_deadlines: list[DeadlineRule] = Field(default_factory=list)
    processors: list[Processor] = Field(default_factory=list)
    transfers: list[Transfer] = Field(default_factory=list)
    modules: list[Module] = Field(default_factory=list)

    # set by load_spec (private: a `path:` key in the YAML is an unknown field, not this)
    _path: Optional[Path] = PrivateAttr(default=None)
    _lines: dict = PrivateAttr(default_factory=dict)

    @property
    def path(self) -> Optional[Path]:
        """The YAML file the spec was read from."""
        return self._path

    @property
    def lines(self) -> dict:
        """(collection, index) -> line in the YAML file, for messages."""
        return self._lines

    # ---- helpers used by provenance / store -------------------------------------
    @property
    def source_path(self) -> Path:
        base = self.path.parent if self.path else Path(".")
        return base / self.policy.source_file

    def category_ids(self) -> list[str]:
        return [c.id for c in self.categories]

    def transfer_categories(self, t: Transfer) -> list[str]:
        return self.category_ids() if t.categories == "all" else list(t.categories)

    def sourced_rows(self):
        """Every (collection, index, row_id, source) in the spec that quotes the page."""
        yield "policy", None, self.policy.id, self.policy.source
        for name in SOURCED_COLLECTIONS:
            for i, row in enumerate(getattr(self, name)):
                src = getattr(row, "source", None)
                if src is not None:
                    yield name, i, row_key(name, row), src

    def where(self, collection: str, index: int | None, row_id: str | None = None) -> str:
        """'policy.yaml:123: retention_rules[4] (id 'x')' for messages."""
        return where(self.path, self.lines, collection, index, row_id)


SOURCED_COLLECTIONS = (
    "parts", "controllers", "categories", "purposes", "retention_rules", "jurisdiction_rules",
    "rights", "request_deadlines", "processors", "transfers", "modules",
)
ID_FIELDS = {
    "parts": "id", "tables": "id", "jurisdictions": "code", "controllers": "scope",
    "categories": "id", "purposes": "id", "triggers": "id", "retention_rules": "id",
    "request_types": "id", "jurisdiction_rules": "jurisdiction", "request_deadlines": "id",
    "processors": "id", "transfers": "id", "modules": "number",
}


def row_key(collection: str, row: Any) -> str | None:
    if isinstance(row, dict):
        get = row.get
    else:
        def get(k, default=None):
            return getattr(row, k, default)
    if collection == "rights":
        return f"{get('jurisdiction')}: {', '.join(get('request_types') or [])}"
    field = ID_FIELDS.get(collection)
    value = get(field) if field else None
    return None if value is None else str(value)


def where(path, lines: dict, collection: str, index: int | None, row_id: str | None = None) -> str:
    fname = str(path) if path else "<spec>"
    line = lines.get((collection, index))
    loc = f"{fname}:{line}" if line else fname
    if index is None:
        return f"{loc}: {collection}" + (f" (id {row_id!r})" if row_id is not None else "")
    label = ID_FIELDS.get(collection, "id")
    ident = f" ({label} {row_id!r})" if row_id is not None else ""
    return f"{loc}: {collection}[{index}]{ident}"


# ---------------------------------------------------------------------------------
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class SpecLoader(_BaseLoader):
    """SafeLoader where only true/false are booleans: `NO` (Norway), `yes`, `on` stay strings."""


SpecLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(self, node, deep=False):
    """A mapping whose key appears twice is an error naming the key and both lines (YAML
    says keys are unique; PyYAML would silently keep the last value)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base constructor says so
                break
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"duplicate key {key!r} (first at line {first.line + 1}); give each key once",
                    key_node.start_mark)
            seen[key] = key_node.start_mark
    return _BaseLoader.construct_mapping(self, node, deep=deep)


SpecLoader.construct_mapping = _construct_mapping


def _construct_timestamp(self, node):
    """A date YAML recognises by its shape but that does not exist (2022-02-30): a YAML
    error at its line, not the ValueError PyYAML lets out."""
    try:
        return _BaseLoader.construct_yaml_timestamp(self, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark) from None


SpecLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _load(text: str):
    """Parse once: (data, root node) so rows can be located by line."""
    loader = SpecLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, root


def _line_map(root) -> dict:
    """(collection, index) -> 1-based line of that row in the YAML, for messages."""
    lines: dict = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key, value in root.value:
        name = key.value
        lines[(name, None)] = key.start_mark.line + 1
        if isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value):
                lines[(name, i)] = item.start_mark.line + 1
    return lines


def _raise_validation(path: Path, raw: dict, lines: dict, exc: ValidationError) -> None:
    err = exc.errors()[0]
    loc = list(err["loc"])
    collection = str(loc[0]) if loc else "(top level)"
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    rest = loc[2:] if index is not None else loc[1:]
    # drop pydantic's union/literal branch tags from the location
    rest = [p for p in rest if not (isinstance(p, str) and (p.startswith("literal[") or p.startswith("list[")))]
    row_id = None
    if index is not None:
        seq = raw.get(collection) if isinstance(raw, dict) else None
        if isinstance(seq, list) and index < len(seq) and isinstance(seq[index], dict):
            row_id = row_key(collection, seq[index])
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if ":" in msg and not rest and err["type"] == "value_error":
        field, _, msg = msg.partition(":")
        rest = [field.strip()]
        msg = msg.strip()
    if err["type"] == "missing":
        msg = "missing (this field is required)"
    elif err["type"] == "extra_forbidden":
        msg = "unknown field (check the spelling; see docs/policy-spec.md)"
    elif "input" in err and not isinstance(err["input"], (dict, list)) and repr(err["input"]) not in msg:
        msg = f"{msg} (got {err['input']!r})"
    field = ".".join(str(p) for p in rest) if rest else None
    if index is None and field is None and loc:
        # a top-level key: `jurisdictions` missing, `spec_version: 2`, ...
        fname = f"{path}:{lines[(collection, None)]}" if (collection, None) in lines else str(path)
        raise PolicySpecError(f"{fname}: (top level): field {collection!r}: {msg}") from None
    head = where(path, lines, collection, index, row_id)
    raise PolicySpecError(f"{head}: field {field!r}: {msg}" if field else f"{head}: {msg}") from None


def load_spec(path: str | Path) -> PolicySpec:
    """Read and validate a policy spec. Raises PolicySpecError (one message) on any mistake."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PolicySpecError(f"{path}: no such policy spec file") from None
    except IsADirectoryError:
        raise PolicySpecError(f"{path}: a folder, not a policy spec file") from None
    except OSError as exc:
        raise PolicySpecError(f"{path}: cannot read the policy spec ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PolicySpecError(
            f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the policy spec as UTF-8") from None
    try:
        raw, root = _load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PolicySpecError(f"{path}{at}: not valid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise PolicySpecError(f"{path}: a policy spec is a YAML mapping (spec_version, policy, jurisdictions, ...)")
    lines = _line_map(root)
    try:
        spec = PolicySpec.model_validate(raw)
    except ValidationError as exc:
        error = exc
    else:
        error = None
    if error is not None:
        _raise_validation(path, raw, lines, error)
    spec._path = path
    spec._lines = lines
    validate_references(spec)
    return spec


def validate_references(spec: PolicySpec) -> None:
    """Cross-row checks: unique ids, and every reference to a jurisdiction, category,
    trigger, request type, recipient or table names something the spec defines."""

    def fail(collection: str, index: int | None, row_id, field: str, msg: str):
        raise PolicySpecError(f"{spec.where(collection, index, row_id)}: field {field!r}: {msg}")

    def known(values) -> str:
        values = sorted(values)
        shown = ", ".join(values[:20]) + (", ..." if len(values) > 20 else "")
        return f"(known: {shown})"

    # unique ids
    for collection, field in ID_FIELDS.items():
        seen: dict = {}
        for i, row in enumerate(getattr(spec, collection)):
            key = getattr(row, field)
            if key in seen:
                fail(collection, i, str(key), field,
                     f"duplicate {field} {key!r} (first used by {collection}[{seen[key]}])")
            seen[key] = i

    jur = {j.code for j in spec.jurisdictions}
    cats = set(spec.category_ids())
    trig = {t.id for t in spec.triggers}
    rtypes = {r.id for r in spec.request_types}
    tables = {t.id for t in spec.tables}
    recipients = {t.recipient for t in spec.transfers} - {ANY}

    roots = [j.code for j in spec.jurisdictions if not j.parents]
    for i, j in enumerate(spec.jurisdictions):
        for p in j.parents:
            if p not in jur:
                fail("jurisdictions", i, j.code, "parents", f"unknown jurisdiction {p!r} {known(jur)}")
            if p == j.code:
                fail("jurisdictions", i, j.code, "parents", "a jurisdiction cannot be its own parent")
    if len(roots) != 1:
        fail("jurisdictions", None, None, "parents",
             f"exactly one jurisdiction must have no parents (the root, e.g. GLOBAL); found {roots}")
    try:
        lineage(spec)
    except ValueError as exc:
        fail("jurisdictions", None, None, "parents", str(exc))

    def check_jur(collection, i, rid, field, value, allow_any=False):
        if allow_any and value == ANY:
            return
        if value not in jur:
            fail(collection, i, rid, field, f"unknown jurisdiction {value!r} {known(jur)}")

    for collection, i, rid, src in spec.sourced_rows():
        if src.table is not None and src.table not in tables:
            fail(collection, i, rid, "source.table", f"unknown table {src.table!r} {known(tables)}")

    for i, c in enumerate(spec.controllers):
        check_jur("controllers", i, c.scope, "scope", c.scope)
    for i, p in enumerate(spec.purposes):
        if p.category is not None and p.category not in cats:
            fail("purposes", i, p.id, "category", f"unknown category {p.category!r} {known(cats)}")
    groups: dict[str, list[RetentionRule]] = {}
    for i, r in enumerate(spec.retention_rules):
        if r.category is not None and r.category not in cats:
            fail("retention_rules", i, r.id, "category", f"unknown category {r.category!r} {known(cats)}")
        check_jur("retention_rules", i, r.id, "jurisdiction", r.jurisdiction)
        if r.trigger not in trig:
            fail("retention_rules", i, r.id, "trigger", f"unknown trigger {r.trigger!r} {known(trig)}")
        if r.recipient is not None and r.recipient not in recipients:
            fail("retention_rules", i, r.id, "recipient",
                 f"unknown recipient {r.recipient!r}: declare it in transfers {known(recipients)}")
        if r.rule_set == "recipient" and r.recipient is None:
            fail("retention_rules", i, r.id, "recipient", "required when rule_set is 'recipient'")
        if r.earliest_of:
            groups.setdefault(r.earliest_of, []).append(r)
    for key, members in groups.items():
        if len(members) < 2:
            i = spec.retention_rules.index(members[0])
            fail("retention_rules", i, members[0].id, "earliest_of",
                 f"{key!r} groups rules combined as 'whichever is earlier': it needs at least two rules")
    for i, r in enumerate(spec.jurisdiction_rules):
        check_jur("jurisdiction_rules", i, r.jurisdiction, "jurisdiction", r.jurisdiction)
    seen_rights: dict = {}
    for i, r in enumerate(spec.rights):
        rid = row_key("rights", r)
        check_jur("rights", i, rid, "jurisdiction", r.jurisdiction)
        for t in r.request_types:
            if t not in rtypes:
                fail("rights", i, rid, "request_types", f"unknown request type {t!r} {known(rtypes)}")
            if (r.jurisdiction, t) in seen_rights:
                fail("rights", i, rid, "request_types",
                     f"duplicate right {r.jurisdiction}/{t} (first in rights[{seen_rights[(r.jurisdiction, t)]}])")
            seen_rights[(r.jurisdiction, t)] = i
    for i, d in enumerate(spec.request_deadlines):
        check_jur("request_deadlines", i, d.id, "jurisdiction", d.jurisdiction)
        if d.request_type != ANY and d.request_type not in rtypes:
            fail("request_deadlines", i, d.id, "request_type",
                 f"unknown request type {d.request_type!r} {known(rtypes | {ANY})}")
    for i, p in enumerate(spec.processors):
        check_jur("processors", i, p.id, "jurisdiction", p.jurisdiction)
    for i, t in enumerate(spec.transfers):
        check_jur("transfers", i, t.id, "source_scope", t.source_scope)
        check_jur("transfers", i, t.id, "destination", t.destination, allow_any=True)
        if t.source_scope == ANY:
            fail("transfers", i, t.id, "source_scope", "must be a jurisdiction code, not '*'")
        if t.categories != "all":
            if not t.categories:
                fail("transfers", i, t.id, "categories", "list at least one category, or write 'all'")
            for c in t.categories:
                if c not in cats:
                    fail("transfers", i, t.id, "categories", f"unknown category {c!r} {known(cats)}")
    for i, m in enumerate(spec.modules):
        if m.number != i + 1:
            fail("modules", i, str(m.number), "number", f"modules are numbered 1, 2, 3, ... in order: expected {i + 1}")


def lineage(spec: PolicySpec) -> list[tuple[str, str, int]]:
    """The closure of the jurisdiction hierarchy: (code, ancestor, depth), depth 0 included.
    With several paths to one ancestor the shortest counts. Raises ValueError on a cycle."""
    parents = {j.code: list(j.parents) for j in spec.jurisdictions}
    out: list[tuple[str, str, int]] = []
    for code in parents:
        best: dict[str, int] = {code: 0}
        frontier = [code]
        depth = 0
        while frontier:
            depth += 1
            nxt = []
            for c in frontier:
                for p in parents.get(c, []):
                    if p == code:
                        raise ValueError(f"the hierarchy has a cycle through {code!r}")
                    if p not in best:
                        best[p] = depth
                        nxt.append(p)
            frontier = nxt
            if depth > len(parents):
                raise ValueError(f"the hierarchy has a cycle through {code!r}")
        out.extend((code, a, d) for a, d in best.items())
    return out

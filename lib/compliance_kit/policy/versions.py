"""Policy versions: a store keeps every version it has been built with (policy_history),
and two versions compare rule by rule (`diff`).

A build records the spec it writes (text, SHA-256, active) and carries over the versions
the store it replaces held, so rebuilding a store with a new policy keeps the old one to
compare with. A version is named by a YAML path, a policy id (its latest build in the
store), or `<policy_id>@<sha256 prefix>`.

`diff(old, new)` lists, per collection of the spec, the rows added, removed and changed
(keyed by id; rights per jurisdiction and request type), each with the old and the new
quote, so a reviewer sees the words behind every change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml
from pydantic import ValidationError

from .. import engines
from ..errors import PolicySpecError, UserError
from ..files import sha256_file
from .spec import PolicySpec, SpecLoader, load_spec

HISTORY_COLUMNS = ["policy_id", "version", "effective_date", "spec_file", "spec_sha256", "source_sha256",
                   "spec_text", "built_at", "active"]


def previous_history(db_path: str | Path) -> list[tuple]:
    """The policy_history rows of the store at `db_path` (none if there is no store or it
    predates the table)."""
    db_path = Path(db_path)
    if not db_path.exists():
        return []
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:  # losing the history silently would be worse than stopping
        raise UserError(f"{db_path}: cannot read the policy versions of the store being replaced "
                        f"({str(exc).splitlines()[0]}); close the program writing to it, or move it "
                        "away to start a new history") from None
    try:
        return [tuple(r.values()) for r in engines.of(con).query("policy_history_rows.sql").to_dicts()]
    except duckdb.Error:   # a store built before policy_history existed
        return []
    finally:
        con.close()


def record_history(con: duckdb.DuckDBPyConnection, spec: PolicySpec, spec_path: str | Path,
                   previous: list[tuple] = ()) -> None:
    """Fill policy_history: the versions of `previous` (another store's rows) inactive, and
    this spec active (its first build time kept when it was already there)."""
    spec_path = Path(spec_path)
    sha = sha256_file(spec_path)
    now = dt.datetime.now(dt.timezone.utc)
    rows = {}
    for r in previous:
        rec = dict(zip(HISTORY_COLUMNS, r))
        rows[(rec["policy_id"], rec["spec_sha256"])] = {**rec, "active": False}
    key = (spec.policy.id, sha)
    built_at = rows[key]["built_at"] if key in rows else now
    rows[key] = {"policy_id": spec.policy.id, "version": spec.policy.version,
                 "effective_date": spec.policy.effective_date, "spec_file": spec_path.as_posix(),
                 "spec_sha256": sha, "source_sha256": sha256_file(spec.source_path),
                 "spec_text": spec_path.read_text(encoding="utf-8"), "built_at": built_at, "active": True}
    placeholders = ", ".join("?" for _ in HISTORY_COLUMNS)
    con.executemany(f"INSERT INTO policy_history ({', '.join(HISTORY_COLUMNS)}) VALUES ({placeholders})",
                    [[r[c] for c in HISTORY_COLUMNS] for r in rows.values()])


def spec_from_text(text: str, label: str) -> PolicySpec:
    """A spec from stored text (no provenance check: the page is not needed to compare)."""
    try:
        raw = yaml.load(text, Loader=SpecLoader)  # noqa: S506 - SpecLoader is a SafeLoader
        return PolicySpec.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise PolicySpecError(f"{label}: the stored spec no longer validates ({str(exc).splitlines()[0]})") from None


def load_version(ref: str, db_path: str | Path | None = None) -> tuple[PolicySpec, str]:
    """(spec, label) for a YAML path, or a version the store at `db_path` holds."""
    if Path(ref).is_file():
        return load_spec(ref), ref
    if db_path is None or not Path(db_path).exists():
        raise UserError(f"{ref}: no such policy spec file (and no store to look the version up in: --db)")
    policy_id, _, prefix = ref.partition("@")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        found = engines.of(con).query("policy_history_text.sql",
                                      {"policy_id": policy_id, "sha_prefix": prefix}).to_dicts()
    except duckdb.Error:
        found = []
    finally:
        con.close()
    if not found:
        raise UserError(f"{ref}: neither a policy spec file nor a version held by {db_path} "
                        "(see `compliance-kit policy versions`)")
    row = found[0]  # rows come newest first: an id alone names its latest build
    return spec_from_text(row["spec_text"], f"{row['policy_id']}@{row['spec_sha256'][:12]}"), \
        f"{row['policy_id']}@{row['spec_sha256'][:12]}"


# ------------------------------------------------------------------------------ diff

COLLECTIONS = ("jurisdictions", "controllers", "categories", "purposes", "triggers", "retention_rules",
               "jurisdiction_rules", "rights", "request_deadlines", "processors", "transfers", "modules",
               "request_types", "parts", "tables")
KEYS = {"jurisdictions": "code", "controllers": "scope", "jurisdiction_rules": "jurisdiction",
        "modules": "number"}


@dataclass
class Change:
    collection: str
    key: str
    kind: str                           # added, removed, changed
    fields: dict = field(default_factory=dict)   # name -> (old, new), for changed rows
    old_quote: str | None = None
    new_quote: str | None = None

    def as_dict(self) -> dict:
        return {"collection": self.collection, "key": self.key, "kind": self.kind,
                "fields": {k: {"old": o, "new": n} for k, (o, n) in self.fields.items()},
                "old_quote": self.old_quote, "new_quote": self.new_quote}


def _rows(spec: PolicySpec, collection: str) -> dict[str, dict]:
    rows = {}
    for row in getattr(spec, collection):
        data = row.model_dump(mode="json")
        if collection == "rights":   # one right per (jurisdiction, request type)
            for t in data["request_types"]:
                rows[f"{data['jurisdiction']}: {t}"] = {**data, "request_types": [t]}
            continue
        rows[str(data[KEYS.get(collection, "id")])] = data
    return rows


def _quote(row: dict | None) -> str | None:
    source = (row or {}).get("source") or {}
    return source.get("quote")


def diff(old: PolicySpec, new: PolicySpec) -> list[Change]:
    """Rows added, removed and changed between two specs, collection by collection."""
    changes = []
    for collection in COLLECTIONS:
        a, b = _rows(old, collection), _rows(new, collection)
        for key in a.keys() - b.keys():
            changes.append(Change(collection, key, "removed", old_quote=_quote(a[key])))
        for key in b.keys() - a.keys():
            changes.append(Change(collection, key, "added", new_quote=_quote(b[key])))
        for key in a.keys() & b.keys():
            if a[key] != b[key]:
                fields = {f: (a[key].get(f), b[key].get(f)) for f in sorted(a[key].keys() | b[key].keys())
                          if a[key].get(f) != b[key].get(f)}
                changes.append(Change(collection, key, "changed", fields, _quote(a[key]), _quote(b[key])))
    order = {c: i for i, c in enumerate(COLLECTIONS)}
    kinds = {"removed": 0, "changed": 1, "added": 2}
    return sorted(changes, key=lambda c: (order[c.collection], kinds[c.kind], c.key))


def _short(value, n: int = 100) -> str:
    text = "null" if value is None else str(value)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def render_diff(changes: list[Change], old_label: str, new_label: str) -> str:
    """The diff as text for a terminal or a review comment."""
    if not changes:
        return f"{old_label} -> {new_label}: no rule changed"
    counts = {k: sum(1 for c in changes if c.kind == k) for k in ("added", "removed", "changed")}
    lines = [f"{old_label} -> {new_label}: " + ", ".join(f"{n} {k}" for k, n in counts.items())]
    for c in changes:
        lines.append(f"{c.kind:8} {c.collection}[{c.key}]")
        for name, (o, n) in c.fields.items():
            if name != "source":
                lines.append(f"           {name}: {_short(o)} -> {_short(n)}")
        if c.old_quote is not None:
            lines.append(f"           old quote: \u201c{_short(c.old_quote, 160)}\u201d")
        if c.new_quote is not None and (c.kind != "changed" or c.new_quote != c.old_quote):
            lines.append(f"           new quote: \u201c{_short(c.new_quote, 160)}\u201d")
        elif c.kind == "changed" and c.new_quote is not None:
            lines.append("           new quote: (the same)")
    return "\n".join(lines)

"""Link pseudonyms in a shared page back to raw ids: for holders of the key store only.

The run's manifest names its key (id and fingerprint); the key comes from the key store
(privacy/keys.py) and must have that fingerprint. Every identifier column of the store
is then pseudonymised again with it, streamed in batches (a store may hold 100M
records), and matched against the pseudonyms asked for.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from .keys import Key, KeyStore
from .pseudonyms import PSEUDONYM_LENGTH

# Every column of data_schema.sql that holds an identifier of a person's data.
# (records.account_id and requests.account_id hold accounts.account_id values.)
IDENTIFIER_COLUMNS = (
    ("accounts", "account_id"),
    ("records", "record_id"),
    ("events", "event_id"),
    ("events", "subject_id"),
    ("requests", "request_id"),
    ("transfers", "transfer_id"),
)
BATCH_ROWS = 100_000
MANIFEST_PLACES = ("internal/manifest.json", "manifest.json")   # newest layout first
_PSEUDONYM = re.compile(rf"^[0-9a-f]{{{PSEUDONYM_LENGTH}}}$")


@dataclass(frozen=True)
class Match:
    pseudonym: str
    column: str          # "table.column"
    identifier: str


def find_run(run: str | Path, out_dir: str | Path) -> Path:
    """A run folder: a path to one, or a run id under `out_dir`."""
    as_path = Path(run)
    if as_path.is_dir():
        return as_path
    name = str(run)
    if "/" not in name and name not in (".", "..") and (Path(out_dir) / name).is_dir():
        return Path(out_dir) / name
    raise UserError(f"no run {name!r}: give a run id under {out_dir} (see --out) or the path of a run folder")


def read_manifest(run_dir: Path) -> dict:
    for place in MANIFEST_PLACES:
        path = run_dir / place
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UserError(f"cannot read {path}: {exc}") from None
    raise UserError(f"{run_dir} has no manifest.json (nor internal/manifest.json): not a run folder")


def key_of_run(manifest: dict, store: KeyStore) -> Key:
    """The run's key from the store, checked against the manifest's fingerprint."""
    entry = manifest.get("pseudonymisation") or {}
    key_id, fp = entry.get("key_id"), entry.get("fingerprint")
    if not key_id or not fp:
        raise UserError(f"the manifest of run {manifest.get('run_id', '?')} names no key id and fingerprint "
                        f"(a run made before the key store cannot be re-identified this way)")
    return store.load(key_id, expected_fingerprint=fp)


def parse_pseudonyms(values) -> list[str]:
    """Pseudonyms as asked for, lower-cased, duplicates dropped, order kept."""
    out = []
    for value in values:
        p = str(value).strip().lower()
        if not _PSEUDONYM.match(p):
            raise UserError(f"{value!r} is not a pseudonym ({PSEUDONYM_LENGTH} hex characters)")
        if p not in out:
            out.append(p)
    if not out:
        raise UserError("name at least one pseudonym")
    return out


def _present_columns(con) -> list[tuple[str, str]]:
    rows = con.sql("SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main'").fetchall()
    have = {(t, c) for t, c in rows}
    return [tc for tc in IDENTIFIER_COLUMNS if tc in have]


def reidentify(con, secret: str, pseudonyms, columns=None, batch_rows: int = BATCH_ROWS) -> list[Match]:
    """Every (pseudonym, column, id) where HMAC(secret, id) gives one of `pseudonyms`.

    Streams each column in batches of `batch_rows`; the HMAC state keyed once and copied
    per id (keying costs as much as the hash itself). Matches come in column order."""
    nbytes = PSEUDONYM_LENGTH // 2
    wanted = {bytes.fromhex(p): p for p in pseudonyms}
    base = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
    found: dict[tuple[str, str, str], None] = {}   # ordered set: events repeat a subject
    for table, column in (columns if columns is not None else _present_columns(con)):
        result = con.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')
        label = f"{table}.{column}"
        while True:
            rows = result.fetchmany(batch_rows)
            if not rows:
                break
            for (value,) in rows:
                h = base.copy()
                h.update(str(value).encode("utf-8"))
                p = wanted.get(h.digest()[:nbytes])
                if p is not None:
                    found[(p, label, str(value))] = None
    order = {p: i for i, p in enumerate(pseudonyms)}
    return sorted((Match(*m) for m in found), key=lambda m: order[m.pseudonym])


def reidentify_run(run: str | Path, pseudonyms, keys_dir=None, db_path=None,
                   out_dir: str | Path = "reports") -> tuple[list[Match], list[str], Path]:
    """(matches, pseudonyms not found, the store searched) for a run's pseudonyms."""
    from ..store import connect

    wanted = parse_pseudonyms(pseudonyms)
    run_dir = find_run(run, out_dir)
    manifest = read_manifest(run_dir)
    key = key_of_run(manifest, KeyStore(keys_dir))
    db_text = db_path or (manifest.get("store") or {}).get("path")
    if not db_text or not Path(db_text).is_file():
        raise UserError(f"no store at {db_text or '(none named in the manifest)'}: pass --db PATH")
    db = Path(db_text)
    con = connect(db, read_only=True)
    try:
        matches = reidentify(con, key.secret, wanted)
    finally:
        con.close()
    seen = {m.pseudonym for m in matches}
    return matches, [p for p in wanted if p not in seen], db

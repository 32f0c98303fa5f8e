"""Pseudonymised identifiers for shared dashboards.

- `pseudonymise(series, salt=...)`: a keyed hash (HMAC-SHA256), short hex. The key
  comes from the private key store (privacy/keys.py), never from the reports folder:
  the runner takes a per-run (or per-job) key from it and hands it to the kernels as
  $COMPLIANCE_KIT_PSEUDONYM_KEY, never as a notebook parameter (parameters are written
  into the executed notebook). The run's manifest names only the key id and its
  fingerprint, so a case list can be linked back by whoever holds the key store
  (`compliance-kit reidentify`), and by nobody who only has the reports.
  Never show the raw id, and never a plain (unkeyed) hash of it: ids are guessable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

import polars as pl

KEY_ENV = "COMPLIANCE_KIT_PSEUDONYM_KEY"
PSEUDONYM_LENGTH = 12  # hex characters: 48 bits, collisions negligible at report scale

# Outside a run (an analyst's session) pseudonyms are stable within the process only.
_PROCESS_SALT = secrets.token_hex(32)


def run_salt() -> str:
    """The key of the current run ($COMPLIANCE_KIT_PSEUDONYM_KEY, set by the runner),
    else a per-process random one."""
    return os.environ.get(KEY_ENV) or _PROCESS_SALT


def pseudonym(value, salt: str) -> str | None:
    if value is None:
        return None
    digest = hmac.new(salt.encode("utf-8"), str(value).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_LENGTH]


def pseudonymise(series, salt: str | None = None):
    """Replace each identifier by HMAC-SHA256(salt, id), first 12 hex characters.

    Accepts a Polars Series (returns a Series of the same name), a Polars expression
    (returns an expression), or a plain iterable (returns a list). `salt=None` takes
    the run's salt (see `run_salt`). Nulls stay null.
    """
    key = salt if salt is not None else run_salt()
    if not isinstance(key, str) or not key:
        raise ValueError("pseudonymise: salt must be a non-empty string")
    fn = lambda v: pseudonym(v, key)  # noqa: E731
    if isinstance(series, pl.Expr):
        return series.cast(pl.String).map_elements(fn, return_dtype=pl.String)
    if isinstance(series, pl.Series):
        return series.cast(pl.String).map_elements(fn, return_dtype=pl.String,
                                                   skip_nulls=True).alias(series.name)
    return [fn(v) for v in series]

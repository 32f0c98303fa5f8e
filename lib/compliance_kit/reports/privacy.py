"""Privacy for shared dashboards: small-cell suppression and pseudonymised identifiers.

- `suppress_small_counts(df, columns, k)`: counts below `k` become the string "<k",
  so a reader of the HTML cannot single out a handful of people.
- `pseudonymise(series, salt=...)`: a keyed hash (HMAC-SHA256), short hex. The key
  (salt) is per run: the runner draws one, records it in the run's manifest.json (the
  evidence pack, not the shared HTML) and hands it to the kernels as
  $COMPLIANCE_KIT_SALT; so a case list can be linked back by whoever holds the
  manifest, while the same id gets a different pseudonym in another run.
  Never show the raw id, and never a plain (unkeyed) hash of it: ids are guessable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

import polars as pl

SALT_ENV = "COMPLIANCE_KIT_SALT"
PSEUDONYM_LENGTH = 12  # hex characters: 48 bits, collisions negligible at report scale

# Outside a run (an analyst's session) pseudonyms are stable within the process only.
_PROCESS_SALT = secrets.token_hex(16)


def run_salt() -> str:
    """The salt of the current run ($COMPLIANCE_KIT_SALT), else a per-process random one."""
    return os.environ.get(SALT_ENV) or _PROCESS_SALT


def suppress_small_counts(df: pl.DataFrame, columns, k: int, keep_zero: bool = False) -> pl.DataFrame:
    """Return `df` with counts below `k` in `columns` replaced by the string "<k".

    The named columns become strings (a table for people, not for further arithmetic:
    suppress last). Nulls stay null. `keep_zero=True` leaves 0 visible (an empty cell
    reveals nobody); by default every count below k is hidden, 0 included.
    """
    if isinstance(columns, str):
        columns = [columns]
    columns = list(columns)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, not {k!r}")
    if isinstance(df, pl.LazyFrame):
        df = df.collect()
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"suppress_small_counts: no column {missing} in {df.columns}")
    label = f"<{k}"
    exprs = []
    for c in columns:
        if not df.schema[c].is_numeric():
            raise TypeError(f"suppress_small_counts: column {c!r} is {df.schema[c]}, not a count")
        col = pl.col(c)
        small = col < k
        if keep_zero:
            small = small & (col != 0)
        exprs.append(
            pl.when(col.is_null()).then(pl.lit(None, dtype=pl.String))
            .when(small).then(pl.lit(label))
            .otherwise(col.cast(pl.Int64, strict=False).cast(pl.String)
                       if df.schema[c].is_integer() else col.cast(pl.String))
            .alias(c)
        )
    return df.with_columns(exprs)


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

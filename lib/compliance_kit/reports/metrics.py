"""Headline figures: a notebook hands them to the runner with `write_metrics`.

`metrics.json` maps a section (one per notebook: "retention", "requests", ...) to flat
figures with stable keys. Values are numbers or strings only, so the index and
`--fail-on` can read them without guessing. Writes merge into the file atomically
(temp file + rename, under an advisory lock), so a reader never sees half a file.
"""

from __future__ import annotations

import fcntl
import json
import math
import numbers
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _plain(name: str, value):
    """A JSON-safe number or string; numpy / polars scalars become Python ones."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"metric {name!r} is {value}: write a finite number (or leave it out)")
        return value
    if isinstance(value, str):
        return value
    raise TypeError(
        f"metric {name!r} is a {type(value).__name__}: metrics are numbers or strings only"
    )


def clean_figures(section: str, figures: dict) -> dict:
    """Validate a section name and its figures; return them as plain JSON values."""
    if not isinstance(section, str) or not _KEY.match(section):
        raise ValueError(f"metrics section {section!r} must be an identifier (letters, digits, _)")
    if not isinstance(figures, dict):
        raise TypeError(f"figures for {section!r} must be a dict, not {type(figures).__name__}")
    out = {}
    for key, value in figures.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(f"metric key {key!r} in {section!r} must be an identifier")
        out[key] = _plain(f"{section}.{key}", value)
    return out


@contextmanager
def locked(path: Path, on_wait=None):
    """An exclusive advisory lock on `path` (created if missing), held for the block.
    `on_wait(message)` is called once if another process holds it and we must wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(f"waiting for {path}: another run is publishing")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to a temp file beside `path`, fsync, then rename over it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_metrics(path: str | Path) -> dict:
    path = Path(path)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8") or "{}")


def merge_metrics(metrics_path: str | Path, sections: dict) -> dict:
    """Merge `{section: figures}` into the JSON file at `metrics_path`; return the whole."""
    path = Path(metrics_path)
    cleaned = {s: clean_figures(s, f) for s, f in sections.items()}
    with locked(path.with_name(f".{path.name}.lock")):
        current = read_metrics(path)
        for section, figures in cleaned.items():
            current.setdefault(section, {}).update(figures)
        atomic_write_text(path, json.dumps(current, indent=2, sort_keys=True) + "\n")
    return current


def write_metrics(metrics_path: str | Path | None, section: str, figures: dict) -> None:
    """Merge `{section: figures}` into the metrics JSON at `metrics_path` atomically.

    Figures must be numbers or strings (numpy/polars scalars are converted) and are
    checked either way. With `metrics_path=None` (an interactive session) nothing is
    written and nothing is shown: these are the exact figures, internal by design; the
    notebook shows its headline through the suppression policy (figures.headline_frame).
    Returns None, so the cell shows nothing in the report.
    """
    cleaned = clean_figures(section, figures)
    if metrics_path is not None:
        merge_metrics(metrics_path, {section: cleaned})

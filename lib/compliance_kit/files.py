"""File helpers shared by the loader, the generator, the policy store and the runner."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    """The file's SHA-256 as hex, read in 1 MiB blocks (inputs can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_file_started(path: str | Path) -> "Future[str]":
    """sha256_file in a thread of its own, started now: its `result()` is the hex digest
    (or raises what hashing raised). The loader hashes a file while DuckDB reads it:
    hashlib releases the GIL on large blocks, as DuckDB does while a query runs."""
    future: Future[str] = Future()

    def work() -> None:
        try:
            future.set_result(sha256_file(path))
        except BaseException as exc:  # handed to whoever waits for the result
            future.set_exception(exc)

    threading.Thread(target=work, name="sha256", daemon=True).start()
    return future

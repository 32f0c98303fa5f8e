"""The private key store: the HMAC keys behind pseudonyms, kept apart from every report.

A pseudonym is HMAC-SHA256(key, id). Ids are short and sequential, so whoever holds the
key can pseudonymise every possible id and reverse every pseudonym: the key must never
travel with a report. The store is a folder of its own (default `.keys/` in the working
directory, or $COMPLIANCE_KIT_KEYS, or `--keys DIR`), mode 0700, one file per key, mode
0600, and it may not lie inside the reports folder. A run's manifest names the key only
by id and fingerprint.

    .keys/
      run-20261031T061500Z-a1b2c3.key   a per-run key (the default lifetime)
      job-daily-20261031T061500Z.key    a per-job key, reused by every run of the job ...
      job-daily.current                 ... until `compliance-kit keys rotate daily`

A key is 32 random bytes from `secrets`, written (and used as the HMAC key) as 64 hex
characters. Deleting a key file makes the pseudonyms of its runs irreversible
(crypto-shredding). Docs: docs/sharing.md, "Keys and pseudonyms".
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError

KEYS_ENV = "COMPLIANCE_KIT_KEYS"
DEFAULT_KEYS = Path(".keys")
LIFETIMES = ("run", "job")
METHOD = "HMAC-SHA256 keyed by the key's 64 hex characters, over the id as UTF-8; first 12 hex"
KEY_SUFFIX = ".key"
CURRENT_SUFFIX = ".current"
KEY_BYTES = 32
# Domain separation: the fingerprint is a hash of the key that no pseudonym can equal.
FINGERPRINT_DOMAIN = b"compliance-kit pseudonym key fingerprint v1\x00"
FINGERPRINT_LENGTH = 16

_KEY_ID = re.compile(r"^(run|job)-[A-Za-z0-9][A-Za-z0-9_.-]*$")
_JOB = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_SECRET = re.compile(r"^[0-9a-f]{64}$")


def default_keys_dir() -> Path:
    """$COMPLIANCE_KIT_KEYS if set, else `.keys` relative to the working directory."""
    return Path(os.environ.get(KEYS_ENV) or DEFAULT_KEYS)


def fingerprint(secret: str) -> str:
    """Names a key without revealing it: SHA-256 over a domain prefix and the key, 16 hex."""
    return hashlib.sha256(FINGERPRINT_DOMAIN + secret.encode("ascii")).hexdigest()[:FINGERPRINT_LENGTH]


@dataclass(frozen=True)
class Key:
    key_id: str
    secret: str = field(repr=False)        # never in a repr, a log line or a traceback
    lifetime: str = "run"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.secret)

    def manifest_entry(self) -> dict:
        """What a run's manifest says about its key: a name, never the secret."""
        return {"key_id": self.key_id, "fingerprint": self.fingerprint,
                "lifetime": self.lifetime, "method": METHOD}


@dataclass(frozen=True)
class KeyInfo:
    """One key file as `keys list` shows it; `problem` says why it cannot be used."""
    key_id: str
    lifetime: str
    created: str
    fingerprint: str | None
    current_for: str | None = None
    problem: str | None = None


def check_job_name(job: str) -> str:
    if not isinstance(job, str) or not _JOB.match(job):
        raise UserError(f"job name {job!r} cannot name a key: use letters, digits, - and _")
    return job


def check_key_id(key_id: str) -> str:
    # A key id comes from a manifest, which anyone may have edited: it must not be a path.
    if not isinstance(key_id, str) or not _KEY_ID.match(key_id) or ".." in key_id:
        raise UserError(f"{key_id!r} is not a key id (run-<run id> or job-<job>-<time>)")
    return key_id


def check_lifetime(lifetime: str, job: str | None) -> str:
    if lifetime not in LIFETIMES:
        raise UserError(f"key_lifetime must be \"run\" or \"job\", not {lifetime!r}")
    if lifetime == "job":
        if not job:
            raise UserError("key_lifetime = \"job\" needs a job: run it with --schedule FILE JOB")
        check_job_name(job)
    return lifetime


def _is_within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _mode(st: os.stat_result) -> str:
    return oct(st.st_mode & 0o777)[2:].rjust(4, "0")


class KeyStore:
    """A folder of key files. `path` defaults to $COMPLIANCE_KIT_KEYS, else `.keys`."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path not in (None, "") else default_keys_dir()

    def __repr__(self) -> str:
        return f"KeyStore({str(self.path)!r})"

    # -- where the store may be ---------------------------------------------------------

    def check_outside(self, out_dir: str | Path) -> None:
        """Refuse a store inside the reports folder (symlinks resolved on both sides):
        whoever is handed the reports would be handed the keys."""
        keys, out = self.path.resolve(), Path(out_dir).resolve()
        if _is_within(keys, out):
            raise UserError(
                f"the key store {self.path} lies inside the reports folder {out_dir} ({keys}): keys must "
                f"never travel with reports; pass --keys DIR outside it (default {DEFAULT_KEYS}/ in the project)")

    def ensure(self) -> None:
        """Create the folder, mode 0700 (only its owner may list or read it)."""
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise UserError(f"the key store {self.path} is not a folder") from None
        except PermissionError:
            raise UserError(f"cannot create the key store {self.path}: permission denied") from None
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise UserError(f"cannot write to the key store {self.path}: permission denied")

    # -- keys ---------------------------------------------------------------------------

    def key_path(self, key_id: str) -> Path:
        return self.path / f"{check_key_id(key_id)}{KEY_SUFFIX}"

    def _pointer(self, job: str) -> Path:
        return self.path / f"job-{check_job_name(job)}{CURRENT_SUFFIX}"

    def _write_new(self, path: Path, text: str) -> None:
        # O_EXCL: never overwrite a key; 0o600 from the first byte: never readable by others.
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, text.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def create(self, key_id: str, lifetime: str) -> Key:
        """Draw a new key and write it; an existing key id is an error, never overwritten."""
        self.ensure()
        key = Key(check_key_id(key_id), secrets.token_hex(KEY_BYTES), lifetime)
        try:
            self._write_new(self.key_path(key_id), key.secret + "\n")
        except FileExistsError:
            raise UserError(f"key {key_id} already exists in {self.path}; keys are never overwritten") from None
        except PermissionError:
            raise UserError(f"cannot write a key to {self.path}: permission denied") from None
        return key

    def load(self, key_id: str, expected_fingerprint: str | None = None) -> Key:
        """Read a key; refuse one that group or others may read, or one whose fingerprint
        is not the expected one."""
        path = self.key_path(key_id)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise UserError(f"key {key_id} is not in the key store {self.path}: only a holder of the "
                            f"key store can re-identify (a deleted key cannot be recovered)") from None
        if st.st_mode & 0o077:
            fix = f"chmod 600 {path}"
            if self.path.stat().st_mode & 0o077:
                fix += f" && chmod 700 {self.path}"
            raise UserError(f"key file {path} may be read or changed by group or others "
                            f"(mode {_mode(st)}): run `{fix}`")
        try:
            secret = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read key file {path}: {exc}") from None
        if not _SECRET.match(secret):
            raise UserError(f"key file {path} is damaged: expected 64 hex characters")
        key = Key(key_id, secret, "job" if key_id.startswith("job-") else "run")
        if expected_fingerprint is not None and key.fingerprint != expected_fingerprint:
            raise UserError(f"key {key_id} in {self.path} has fingerprint {key.fingerprint}, but the run was "
                            f"made with {expected_fingerprint}: not the same key (another key store?)")
        return key

    @contextmanager
    def _locked(self):
        """Serialise job-key changes: two runs of one job must not both draw its first key."""
        self.ensure()
        fd = os.open(self.path / ".lock", os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _new_job_key(self, job: str) -> Key:
        while True:  # key ids carry the second; a second rotation within it waits for the next
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            key_id = f"job-{job}-{stamp}"
            if not self.key_path(key_id).exists():
                break
            time.sleep(0.2)
        key = self.create(key_id, "job")
        pointer = self._pointer(job)
        tmp = pointer.with_name(f".{pointer.name}.{os.getpid()}")
        tmp.unlink(missing_ok=True)
        self._write_new(tmp, key_id + "\n")
        os.replace(tmp, pointer)
        return key

    def current_job_key_id(self, job: str) -> str | None:
        try:
            return check_key_id(self._pointer(job).read_text(encoding="ascii").strip())
        except FileNotFoundError:
            return None

    def job_key(self, job: str) -> Key:
        """The job's current key, drawn on first use (or after its key file was deleted)."""
        check_job_name(job)
        with self._locked():
            key_id = self.current_job_key_id(job)
            if key_id is not None and self.key_path(key_id).exists():
                return self.load(key_id)
            return self._new_job_key(job)

    def rotate(self, job: str) -> tuple[Key, str | None]:
        """A new current key for `job`; the old key file stays, so older runs stay
        re-identifiable. Returns the new key and the previous key id."""
        check_job_name(job)
        with self._locked():
            previous = self.current_job_key_id(job)
            return self._new_job_key(job), previous

    def key_for_run(self, run_id: str, lifetime: str = "run", job: str | None = None) -> Key:
        """The key a run pseudonymises with: a new one per run, or its job's current one."""
        check_lifetime(lifetime, job)
        if lifetime == "job":
            return self.job_key(job)
        return self.create(f"run-{run_id}", "run")

    def list_keys(self) -> list[KeyInfo]:
        if not self.path.is_dir():
            return []
        current = {}
        for pointer in self.path.glob(f"job-*{CURRENT_SUFFIX}"):
            job = pointer.name[len("job-"):-len(CURRENT_SUFFIX)]
            try:
                current[pointer.read_text(encoding="ascii").strip()] = job
            except OSError:
                continue
        out = []
        for path in sorted(self.path.glob(f"*{KEY_SUFFIX}")):
            key_id = path.name[:-len(KEY_SUFFIX)]
            if not _KEY_ID.match(key_id):
                continue
            st = path.stat()
            created = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).isoformat(timespec="seconds")
            lifetime = "job" if key_id.startswith("job-") else "run"
            try:
                fp, problem = self.load(key_id).fingerprint, None
            except UserError as exc:
                fp, problem = None, str(exc)
            out.append(KeyInfo(key_id, lifetime, created, fp, current.get(key_id), problem))
        return out


def prepare_key_store(keys_dir: str | Path | None, out_dir: str | Path, lifetime: str = "run",
                      job: str | None = None) -> KeyStore:
    """Everything a run checks about its key before any work: the store lies outside the
    reports folder, can be written, and (per-job keys) the job's key loads."""
    store = KeyStore(keys_dir)
    check_lifetime(lifetime, job)
    store.check_outside(out_dir)
    store.ensure()
    if lifetime == "job":
        store.job_key(job)
    return store

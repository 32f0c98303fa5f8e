"""Ctrl-C and SIGTERM: exit 130 at any moment after the command starts.

A scheduler (systemd, cron's timeout, a CI runner) stops a command with SIGTERM, a
person with Ctrl-C (SIGINT). Both end the command with exit status 130, whenever they
come. The CLI installs the handler as its very first statement (`install()`, top of
compliance_kit/cli.py), before the imports that take most of the start-up time, so
there is no window in which SIGTERM kills the process with the default 143.

The handler has four behaviours, one per phase of a command:
- starting (from `install()` until the CLI's modules are imported): nothing has been
  written yet, so the process exits 130 at once (`os._exit`), even in the middle of an
  import;
- ready (`ready()`, at the end of the CLI's import): a KeyboardInterrupt, as Python's own
  SIGINT handler does, so a program that only imports the CLI (a test session) is
  interrupted as usual, and the CLI's `run_group` turns it into 130;
- running (`raising()`): the first signal is a KeyboardInterrupt in the main thread, so
  the command's cleanup runs (a build removes its temporary store, a run kills its
  kernels and removes its hidden folder); later signals are ignored until that cleanup
  ends, so a second Ctrl-C cannot cut it short;
- committing (`deferred()`): a signal that comes while a run is renamed into place and
  indexed waits for the end of that short step, and is then raised.

`was_interrupted()` tells the CLI that a signal came, whatever exception the
interruption became on its way up (DuckDB turns it into its own InterruptException).
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

EXIT_INTERRUPTED = 130
SIGNALS = (signal.SIGINT, signal.SIGTERM)

_STARTING, _READY, _RUNNING, _COMMITTING = "starting", "ready", "running", "committing"
_phase = _STARTING
_received: int | None = None     # the first signal received in this process, if any
_pending = False                  # a signal came during `deferred()`: raise at its end


def _handler(signum, frame):
    global _received, _pending
    first = _received is None
    if first:
        _received = signum
    if _phase == _STARTING:
        os.write(2, b"Aborted.\n")
        os._exit(EXIT_INTERRUPTED)
    if _phase == _READY:
        raise KeyboardInterrupt(signal.Signals(signum).name)
    if not first:
        return  # already stopping: let the cleanup finish
    if _phase == _COMMITTING:
        _pending = True
        return
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def install() -> None:
    """Handle SIGINT and SIGTERM from now on (phase "starting": exit 130 at once).
    Only the main thread may install signal handlers; elsewhere this does nothing."""
    if _main_thread():
        for sig in SIGNALS:
            signal.signal(sig, _handler)


def ready() -> None:
    """The CLI is imported: from now on a signal is a KeyboardInterrupt (see the module doc)."""
    global _phase
    if _phase == _STARTING:
        _phase = _READY


def was_interrupted() -> bool:
    return _received is not None


def reset() -> None:
    """Forget an earlier signal (for a process that runs several commands, e.g. tests)."""
    global _received, _pending
    _received, _pending = None, False


@contextmanager
def raising():
    """Within the block, SIGINT and SIGTERM raise KeyboardInterrupt in the main thread
    (once), so cleanup code runs. Outside the main thread the block runs unchanged."""
    global _phase
    if not _main_thread():
        yield
        return
    previous_phase = _phase
    if previous_phase in (_STARTING, _READY):
        reset()  # a new command (a process may run several: tests do)
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    _phase = _RUNNING
    for sig in SIGNALS:
        signal.signal(sig, _handler)
    try:
        yield
    finally:
        _phase = previous_phase
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def deferred():
    """A short step that must not be cut in half (a rename and the index): a signal that
    comes meanwhile is raised as KeyboardInterrupt once the step has ended. Only effective
    within `raising()` in the main thread."""
    global _phase, _pending
    if not _main_thread() or _phase != _RUNNING:
        yield
        return
    _phase = _COMMITTING
    try:
        yield
    finally:
        _phase = _RUNNING
        if _pending:
            _pending = False
            raise KeyboardInterrupt(signal.Signals(_received).name if _received else "signal")

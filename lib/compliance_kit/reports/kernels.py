"""The kernels of one run: started with the run's environment, their stderr in a log
file, and killed all at once when the run is interrupted.

Why a kernel manager of our own: a kernel's stderr (start-up warnings, a crash) would
otherwise go to the terminal running the reports, in the middle of the progress lines;
the pseudonymisation key must reach the kernels without being a papermill parameter
(parameters are written into the executed notebook) and without being set in this
process's environment (every thread and subprocess of the runner would inherit it); and
Ctrl-C / SIGTERM must be able to kill the kernels so the worker threads end.

Only public jupyter_client API is used. `start_kernel(**kw)` hands its keywords down
through the provisioner's `pre_launch` / `launch_kernel` to `subprocess.Popen` (its
docstring: "keyword arguments that are passed down to build the kernel_cmd and launching
the kernel (e.g. Popen kwargs)"), so `stderr=` and `env=` need no override of the private
`_async_launch_kernel` (which an earlier version replaced). nbclient calls the public
`cleanup_resources()` after every kernel, where the log closes. The provisioner's `pid`
is what `kill` signals. tests/test_reports_kernels.py checks all three on a real kernel.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path


class RunKernels:
    """The kernel managers of one run. `env` is added to each kernel's environment.

    `stopping` is set when the run is interrupted: a kernel that has not started yet
    never starts, and one that starts at that moment is killed as soon as it exists."""

    def __init__(self, env: dict[str, str] | None = None):
        self._env = dict(env or {})
        self._managers: set = set()
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def __repr__(self) -> str:  # never the environment: it holds the pseudonymisation key
        return f"RunKernels({len(self._managers)} kernel(s), stopping={self.stopping.is_set()})"

    def manager_class(self, log_path: Path, env: dict[str, str] | None = None) -> type:
        """A kernel manager class (papermill's `kernel_manager_class`) whose kernels write
        their stderr to `log_path`, get `env` (this kernel's own) on top of the run's
        environment, and belong to this run."""
        from jupyter_client.manager import AsyncKernelManager

        run = self
        own_env = dict(env or {})

        class RunKernelManager(AsyncKernelManager):
            async def start_kernel(self, **kw):
                if run.stopping.is_set():
                    raise RuntimeError("the run was interrupted")
                self._ck_log = open(log_path, "ab")
                kw["stderr"] = self._ck_log
                kw["env"] = {**kw.get("env", os.environ), **run._env, **own_env}
                run._add(self)  # before it starts: an interruption during start-up kills it too
                try:
                    await super().start_kernel(**kw)
                except BaseException:
                    if not self.has_kernel:  # nothing started, so nbclient will not clean up
                        self._forget()
                    raise
                if run.stopping.is_set():  # interrupted while this kernel started
                    run.kill()

            async def cleanup_resources(self, restart: bool = False):
                await super().cleanup_resources(restart=restart)
                if not restart:  # a restarted kernel keeps its manager, its log and its place
                    self._forget()

            def _forget(self):
                run._discard(self)
                log = getattr(self, "_ck_log", None)
                if log is not None:
                    log.close()

        return RunKernelManager

    def _add(self, manager) -> None:
        with self._lock:
            self._managers.add(manager)

    def _discard(self, manager) -> None:
        with self._lock:
            self._managers.discard(manager)

    def pids(self) -> list[int]:
        """The process ids of this run's kernels that have started."""
        with self._lock:
            managers = list(self._managers)
        provisioners = [getattr(km, "provisioner", None) for km in managers]
        return [pid for p in provisioners if (pid := getattr(p, "pid", None))]

    def kill(self) -> None:
        """SIGKILL every kernel of this run (their notebooks fail, their threads end)."""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass  # ended meanwhile (its pid maybe reused by another user's process): nothing to kill

    def stop(self) -> None:
        """No new kernel starts; kill those running."""
        self.stopping.set()
        self.kill()

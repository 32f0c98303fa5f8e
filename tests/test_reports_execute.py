"""The execute step's parts alone: the run's kernels (real ones: their stderr goes to the
log file, the run's environment reaches them, an interrupted run kills them), the failure
message, the progress line, and SIGTERM as Ctrl-C.

The kernel tests guard the jupyter_client API kernels.py relies on (public `start_kernel`
keywords reaching Popen, `cleanup_resources`, the provisioner's `pid`): if an upstream
release stops passing `stderr=` / `env=` through, or renames them, these fail."""

import asyncio
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from papermill.exceptions import PapermillExecutionError

from compliance_kit.reports.execute import NotebookResult, Progress, describe_failure, sigterm_interrupts
from compliance_kit.reports.kernels import RunKernels


def _start(manager):
    async def start():
        await manager.start_kernel()
    asyncio.run(start())


def _stop(manager):
    async def stop():
        if manager.has_kernel:
            await manager.shutdown_kernel(now=True)
        await manager.cleanup_resources()   # what nbclient calls after every kernel
    asyncio.run(stop())


def test_kernel_stderr_goes_to_the_log_and_the_run_env_to_the_kernel(tmp_path):
    log = tmp_path / "fx.kernel.log"
    kernels = RunKernels(env={"CK_TEST_MARKER": "run-key-42"})
    manager = kernels.manager_class(log)(kernel_name="python3")
    _start(manager)
    try:
        pid = manager.provisioner.pid
        assert kernels.pids() == [pid]
        stderr_target = os.readlink(f"/proc/{pid}/fd/2")
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    finally:
        _stop(manager)
    assert stderr_target == str(log)
    assert b"CK_TEST_MARKER=run-key-42" in environ
    assert "CK_TEST_MARKER" not in os.environ, "the run's environment is the kernels', not this process's"
    assert "run-key-42" not in repr(kernels)
    assert kernels.pids() == [] and manager._ck_log.closed


def test_an_interrupted_run_starts_no_kernel(tmp_path):
    log = tmp_path / "fx.kernel.log"
    kernels = RunKernels()
    kernels.stopping.set()
    manager = kernels.manager_class(log)(kernel_name="python3")
    with pytest.raises(RuntimeError, match="interrupted"):
        _start(manager)
    assert not manager.has_kernel and kernels.pids() == [] and not log.exists()


def test_stop_kills_the_running_kernels(tmp_path):
    kernels = RunKernels()
    managers = [kernels.manager_class(tmp_path / f"{i}.log")(kernel_name="python3") for i in range(2)]
    for manager in managers:
        _start(manager)
    processes = [manager.provisioner.process for manager in managers]
    try:
        kernels.stop()
        assert [p.wait(timeout=20) for p in processes] == [-signal.SIGKILL] * 2
    finally:
        for manager in managers:
            _stop(manager)
    assert kernels.stopping.is_set() and kernels.pids() == []


def _error(source="ratio = 1 / 0"):
    return PapermillExecutionError(cell_index=5, exec_count=3, source=source, ename="ZeroDivisionError",
                                   evalue="division by zero", traceback=[])


def test_failure_names_the_cell_of_the_source_notebook(tmp_path):
    source = tmp_path / "fx.ipynb"
    source.write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Title"},
                  {"cell_type": "code", "id": "b", "metadata": {}, "source": "x = 1", "outputs": [], "execution_count": None},
                  {"cell_type": "code", "id": "c", "metadata": {}, "source": "ratio = 1 / 0", "outputs": [], "execution_count": None}]}))
    assert describe_failure(_error(), source) == (
        "cell 3 (In [3]) `ratio = 1 / 0`: ZeroDivisionError: division by zero", 3)
    # the code is not in the source (edited during the run): papermill's index instead
    assert describe_failure(_error("y = 2 / 0"), source) == (
        "cell index 5 (In [3]) `y = 2 / 0`: ZeroDivisionError: division by zero", None)


@pytest.mark.parametrize("content", [None, "{not json", '{"cells": []}'])
def test_failure_when_the_source_cannot_be_read_any_more(tmp_path, content):
    source = tmp_path / "fx.ipynb"
    if content is not None:
        source.write_text(content)
    assert describe_failure(_error(), source) == (
        "cell index 5 (In [3]) `ratio = 1 / 0`: ZeroDivisionError: division by zero", None)


def test_failure_outside_a_cell():
    assert describe_failure(RuntimeError("Kernel died before replying to kernel_info\n"), Path("x.ipynb")) == (
        "RuntimeError: Kernel died before replying to kernel_info", None)


def test_progress_lines():
    lines = []
    progress = Progress(2, lines.append)
    progress.finished(NotebookResult("fx_counts", "ok", 1.26), Path("nb/fx_counts.ipynb"))
    progress.finished(NotebookResult("fx_accounts", "failed", 0.5, error="cell 2 (In [1]) `x`: E: e"),
                      Path("nb/fx_accounts.ipynb"))
    assert lines == ["[1/2] ok     fx_counts  1.3 s",
                     "[2/2] failed fx_accounts  0.5 s\n        fx_accounts.ipynb failed in cell 2 (In [1]) `x`: E: e"]


def test_sigterm_is_ctrl_c_within_the_block():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        with sigterm_interrupts():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)   # the handler interrupts this
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_handler_is_left_alone_outside_the_main_thread():
    seen = []

    def worker():
        with sigterm_interrupts():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [before]

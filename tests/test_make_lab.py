"""`make lab` runs as root and as a normal user: --allow-root only for root, on
notebooks/, with the store; and the very command it runs starts JupyterLab and prints
the URL."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _lab_command(uid: int) -> str:
    """The JupyterLab line `make lab` would run for a user of this uid (dry run)."""
    proc = subprocess.run(["make", "-n", "lab", f"UID_={uid}"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if "jupyter lab" in ln]
    assert len(lines) == 1, proc.stdout
    return lines[0]


def test_root_gets_allow_root_and_a_normal_user_does_not():
    as_root, as_user = _lab_command(0), _lab_command(1000)
    assert "--allow-root" in as_root and "--allow-root" not in as_user
    for line in (as_root, as_user):
        assert f"--ServerApp.root_dir='{ROOT / 'notebooks'}'" in line
        assert f"COMPLIANCE_KIT_DB='{ROOT / 'data' / 'compliance.duckdb'}'" in line


def test_make_lab_builds_the_store_first():
    proc = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True)
    out = proc.stdout
    assert "compliance-kit build" in out and out.index("compliance-kit build") < out.index("jupyter lab")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_when_up(url: str, seconds: float = 30) -> str:
    """The body at `url`, retried while the server (which prints its URL as it starts
    listening) still refuses connections."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.read().decode()
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "jupyter").exists(), reason="needs the project's .venv")
def test_the_lab_command_starts_for_this_user_and_prints_the_url(tmp_path):
    """The exact command of `make lab` for the current user (root in CI), on a free port."""
    line = _lab_command(os.getuid())
    argv = shlex.split(line)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    while "=" in argv[0] and not argv[0].startswith("-"):  # leading VAR=value assignments
        name, _, value = argv.pop(0).partition("=")
        env[name] = value
    port = _free_port()
    argv += [f"--port={port}", "--ServerApp.port_retries=0", "--no-browser", "--ServerApp.ip=127.0.0.1"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url, seen = None, []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and url is None:
            out = proc.stdout.readline()
            if not out and proc.poll() is not None:
                break
            seen.append(out)
            m = re.search(rf"(http://127\.0\.0\.1:{port}/lab\?token=\w+)", out)
            url = m.group(1) if m else None
        assert url, "no URL printed:\n" + "".join(seen)
        token = url.split("token=")[1]
        listing = _get_when_up(f"http://127.0.0.1:{port}/api/contents?token={token}")
        assert "retention_compliance.ipynb" in listing  # the root is notebooks/
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

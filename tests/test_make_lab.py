"""`make lab` runs as root and as a normal user: --allow-root only for root, on
notebooks/, with the store; and the very command it runs starts JupyterLab and prints
the URL. `make test`'s apt installs: apt-get as root, sudo for a normal user, else a
message saying what to install (apt-get and sudo faked, so nothing is installed)."""

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


# ----------------------------------------------------------------------------- make test's apt installs

def _fake_bin(folder: Path, names) -> Path:
    """A PATH folder whose commands (apt-get, sudo) only log how they were called."""
    folder.mkdir(exist_ok=True)
    log = folder / "calls.log"
    for name in names:
        script = folder / name
        if name == "sudo":
            script.write_text(f'#!/bin/sh\necho "sudo $*" >> {log}\nexec "$@"\n')
        else:
            script.write_text(f'#!/bin/sh\necho "{name} $*" >> {log}\n')
        script.chmod(0o755)
    return folder


def _make_chromium(path_dir: Path, uid: int) -> subprocess.CompletedProcess:
    # only the fake folder on PATH: `chromium` is missing, whatever this machine has
    return subprocess.run([shutil.which("make"), "-s", "chromium", f"UID_={uid}"], cwd=ROOT,
                          env={"PATH": str(path_dir), "HOME": os.environ.get("HOME", "/")},
                          capture_output=True, text=True)


def _calls(folder: Path) -> list[str]:
    log = folder / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_root_installs_with_apt_get_directly(tmp_path):
    folder = _fake_bin(tmp_path / "bin", ["apt-get"])
    proc = _make_chromium(folder, 0)
    assert proc.returncode == 0, proc.stderr
    assert _calls(folder) == ["apt-get update -qq", "apt-get install -y -qq --no-install-recommends chromium"]


def test_a_normal_user_installs_through_sudo(tmp_path):
    folder = _fake_bin(tmp_path / "bin", ["apt-get", "sudo"])
    proc = _make_chromium(folder, 1000)
    assert proc.returncode == 0, proc.stderr
    assert "with sudo" in proc.stdout
    assert _calls(folder)[:2] == ["sudo apt-get update -qq", "apt-get update -qq"]
    assert "sudo apt-get install -y -qq --no-install-recommends chromium" in _calls(folder)


def test_a_normal_user_without_sudo_is_told_what_to_install(tmp_path):
    folder = _fake_bin(tmp_path / "bin", ["apt-get"])
    proc = _make_chromium(folder, 1000)
    assert proc.returncode != 0
    assert "run as root, or install it first: apt-get install --no-install-recommends chromium" in proc.stderr
    assert _calls(folder) == []  # apt-get was not tried without root


def test_without_apt_get_the_message_names_the_package(tmp_path):
    folder = _fake_bin(tmp_path / "bin", [])
    proc = _make_chromium(folder, 0)
    assert proc.returncode != 0 and "no apt-get here; install chromium" in proc.stderr

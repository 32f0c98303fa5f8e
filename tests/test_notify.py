"""Delivery of runs (reports/notify.py) against real servers on 127.0.0.1: aiosmtpd for
SMTP, http.server for a chat webhook; and a closed port, where delivery fails and the
run's exit status does not move."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from compliance_kit.errors import UserError
from compliance_kit.reports.cards import cards_for
from compliance_kit.reports.new_report import create_report
from compliance_kit.reports.notify import (EXIT_DELIVERY, build_message, load_settings, parse_target)
from compliance_kit.reports.schedule import load_job
from conftest_reports import ROOT, fixture_store, run_cli, run_dirs  # noqa: F401


# ----------------------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on (bound, then closed): connections are refused."""
    return free_port()


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def webhook_server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
            self.send_response(500 if self.path == "/broken" else 200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def notify_cli(*args, env=None) -> subprocess.CompletedProcess:
    import os

    full = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-c", "from compliance_kit.cli import main; main()", "notify",
                           *map(str, args)], capture_output=True, text=True, env=full, timeout=120)


# ----------------------------------------------------------------------------- targets and settings

def test_targets():
    assert parse_target("mailto:dpo@example.com").address == "dpo@example.com"
    hook = parse_target("https://chat.example.com/hooks/T0/SECRET")
    assert hook.kind == "webhook" and "SECRET" not in hook.text  # messages never show a webhook's path
    for bad in ("mailto:not-an-address", "mailto:a@example.com?subject=x", "ftp://example.com/x", "dpo@example.com",
                "https://user:pw@chat.example.com/hook", "webhook:../x"):
        with pytest.raises(UserError):
            parse_target(bad, load_settings(env={}))


def test_webhook_names_and_smtp_settings_come_from_the_file_and_the_environment(tmp_path):
    config = tmp_path / "notify.toml"
    config.write_text('[smtp]\nhost = "mail.internal"\nport = 2525\nfrom = "reports@example.com"\n'
                      '[webhooks]\nteam = "https://chat.example.com/hooks/abc"\n')
    settings = load_settings(env={"COMPLIANCE_KIT_NOTIFY_CONFIG": str(config), "COMPLIANCE_KIT_SMTP_PORT": "587",
                                  "COMPLIANCE_KIT_SMTP_STARTTLS": "true"})
    assert (settings.host, settings.port, settings.starttls, settings.sender) == \
        ("mail.internal", 587, True, "reports@example.com")  # the environment wins over the file
    assert parse_target("webhook:team", settings).address == "https://chat.example.com/hooks/abc"
    with pytest.raises(UserError, match="no webhook 'other'"):
        parse_target("webhook:other", settings)
    config.write_text('[smtp]\npassword = "hunter2"\n')
    config.chmod(0o644)
    with pytest.raises(UserError, match="chmod 600"):
        load_settings(env={"COMPLIANCE_KIT_NOTIFY_CONFIG": str(config)})
    config.chmod(0o600)
    assert load_settings(env={"COMPLIANCE_KIT_NOTIFY_CONFIG": str(config)}).password == "hunter2"
    config.write_text('[smtp]\nhots = "typo"\n')
    with pytest.raises(UserError, match="unknown key"):
        load_settings(env={"COMPLIANCE_KIT_NOTIFY_CONFIG": str(config)})


def test_reports_toml_takes_targets_only(tmp_path):
    toml = tmp_path / "reports.toml"
    toml.write_text('[jobs.daily]\nnotify = ["mailto:dpo@example.com"]\n')
    assert load_job(toml, "daily").notify == ["mailto:dpo@example.com"]
    toml.write_text('[jobs.daily]\nsmtp_password = "hunter2"\n')
    with pytest.raises(UserError, match="unknown key"):
        load_job(toml, "daily")
    toml.write_text('[jobs.daily]\nnotify = { host = "smtp", password = "hunter2" }\n')
    with pytest.raises(UserError, match="never here"):
        load_job(toml, "daily")


# ----------------------------------------------------------------------------- the message

def _published(out: Path, run_id: str, start: str, metrics: dict, exit_status: int = 0, k: int = 5,
               fail_on=(), notebooks=None) -> Path:
    folder = out / run_id
    (folder / "internal").mkdir(parents=True)
    notebooks = notebooks or [{"name": "retention_compliance", "status": "ok", "error": None}]
    manifest = {"run_id": run_id, "job": "daily", "start": start, "exit_status": exit_status,
                "notebooks": notebooks,
                "parameters": {"as_of": "2026-10-31", "fail_on": list(fail_on),
                               "per_notebook": {nb["name"]: {"as_of": "2026-10-31", "k": k} for nb in notebooks}}}
    (folder / "internal" / "manifest.json").write_text(json.dumps(manifest))
    (folder / "internal" / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_the_message_follows_the_sharing_rules(tmp_path):
    before = {"retention": {"records_checked": 900, "overdue": 40, "overdue_rate": 40 / 900, "erased_late": 0}}
    now = {"retention": {"records_checked": 1000, "overdue": 3, "overdue_rate": 0.003, "erased_late": 12}}
    _published(tmp_path, "r1", "2026-11-01T06:00:00+00:00", before)
    fail_on = ["retention.overdue > 2", "retention.erased_late > 10"]
    run = _published(tmp_path, "r2", "2026-11-02T06:00:00+00:00", now, exit_status=4, fail_on=fail_on)
    message = build_message(run, reports_url="https://intranet.example.com/compliance/")
    text = message.text
    assert "THRESHOLD BREACHED" in text and "threshold breached" in message.subject
    # every card the pages show, as they show it (reports/cards.py): no figure computed here
    for card in cards_for("retention", now, before, 5, fail_on, since="the run as of 2026-10-31"):
        assert f"- {card.label}: {card.value_text}" in text
    assert "Records overdue for erasure: <5" in text
    # a breached threshold on a hidden figure is counted, not named: `> 2` would narrow it
    assert "retention.overdue > 2" not in text and "1 on a figure hidden under k" in text
    assert "retention.erased_late > 10 (now 12)" in text
    assert not re.search(r"(?<![\d<])3(?![\d,])", text.split("Run overview")[0].replace("2026-10-31", "")), text
    assert "Changes since the previous comparable run, as of 2026-10-31 (run r1)." in text
    assert "Records checked: 1,000 (up 100)" in text  # 900 -> 1000
    assert "Run overview: https://intranet.example.com/compliance/r2/index.html" in text


def test_a_failed_report_is_named_without_its_error(tmp_path):
    notebooks = [{"name": "retention_compliance", "status": "failed",
                  "error": "cell 4 (In [4]) `x`: KeyError: 'ACCT-00042'"}]
    run = _published(tmp_path, "r1", "2026-11-01T06:00:00+00:00", {}, exit_status=3, notebooks=notebooks)
    text = build_message(run).text
    assert "Failed: retention_compliance" in text
    assert "ACCT-00042" not in text and "KeyError" not in text
    assert f"Run overview: {(run / 'index.html').resolve()}" in text


# ----------------------------------------------------------------------------- end to end

def test_run_and_schedule_deliver_and_a_failed_delivery_keeps_the_exit_status(
        tmp_path, fixture_store, smtp_server, webhook_server):
    db, ids = fixture_store
    smtp_port, inbox = smtp_server
    base, received = webhook_server
    folder = tmp_path / "notebooks"
    folder.mkdir()
    create_report("held_records", folder)
    out = tmp_path / "reports"
    toml = tmp_path / "reports.toml"
    toml.write_text(f'[jobs.nightly]\nnotebooks = ["held_records"]\nas_of = "2026-10-31"\nnotebooks_dir = "{folder}"\n'
                    'notify = ["mailto:dpo@example.com", "webhook:team"]\n')
    working = {"COMPLIANCE_KIT_SMTP_HOST": "127.0.0.1", "COMPLIANCE_KIT_SMTP_PORT": str(smtp_port),
               "COMPLIANCE_KIT_WEBHOOK_TEAM": f"{base}/hook", "COMPLIANCE_KIT_NOTIFY_CONFIG": ""}

    proc = run_cli("run", "--schedule", toml, "nightly", "--db", db, "--out", out, env=working)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "notify: sent to 2 of 2 target(s)" in proc.stdout
    (run_dir,) = run_dirs(out)
    (rcpts, mail), = inbox.messages
    assert rcpts == ["dpo@example.com"]
    assert "job nightly: ok" in mail["Subject"]
    body = mail.get_content().replace("\r\n", "\n")  # SMTP line ends
    (path, content_type, payload), = received
    assert path == "/hook" and content_type == "application/json" and set(payload) == {"text"}
    assert payload["text"] == body  # one message, two channels
    assert f"Run overview: {(run_dir / 'index.html').resolve()}" in body
    metrics = json.loads((run_dir / "internal" / "metrics.json").read_text())
    for key, value in metrics["held_records"].items():
        assert key.replace("_", " ").capitalize() in body
    assert not any(i in body for i in ids["records"] + ids["accounts"])

    # the same job with both servers gone: the run is published, its exit status is the
    # report's, and each failed delivery is a warning on stderr
    closed = {**working, "COMPLIANCE_KIT_SMTP_PORT": str(closed_port()),
              "COMPLIANCE_KIT_WEBHOOK_TEAM": f"http://127.0.0.1:{closed_port()}/hook"}
    proc = run_cli("run", "--schedule", toml, "nightly", "--db", db, "--out", out, env=closed)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(run_dirs(out)) == 2
    assert proc.stderr.count("warning: notify") == 2 and "the run's exit status stands" in proc.stderr
    assert "notify: sent to 0 of 2 target(s)" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert len(inbox.messages) == 1 and len(received) == 1

    # resend by hand: exit 0 when delivered (the change since the first run is given) ...
    proc = notify_cli("latest", "--out", out, "--to", "webhook:team", env=working)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    resent = received[-1][2]["text"]
    assert f"Changes since the previous comparable run, as of 2026-10-31 (run {run_dir.name})." in resent
    assert "(no change)" in resent
    # ... and its own exit status, 6, when a delivery fails
    proc = notify_cli("latest", "--out", out, "--to", f"{base}/broken", "--to", "mailto:dpo@example.com",
                      env=working)
    assert proc.returncode == EXIT_DELIVERY, proc.stdout + proc.stderr
    assert "HTTP 500" in proc.stderr and "sent to 1 of 2" in proc.stdout


def test_a_bad_target_stops_the_run_before_it_starts(tmp_path, fixture_store):
    db, _ = fixture_store
    folder = tmp_path / "notebooks"
    folder.mkdir()
    create_report("held_records", folder)
    proc = run_cli("run", "held_records", "--notebooks", folder, "--as-of", "2026-10-31", "--db", db,
                   "--out", tmp_path / "reports", "--notify", "sms:+15550100")
    assert proc.returncode == 2 and "a target is mailto:" in proc.stderr, proc.stderr
    assert not (tmp_path / "reports").exists() or not run_dirs(tmp_path / "reports")


def test_a_run_folder_without_a_summary_is_a_warning_not_an_exception(tmp_path):
    from compliance_kit.reports.notify import deliver, load_settings, parse_target

    warnings = []
    results = deliver(tmp_path / "no-such-run", [parse_target("mailto:dpo@example.com")], load_settings(env={}),
                      echo=lambda m: None, warn=warnings.append)
    assert [r.ok for r in results] == [False]
    assert "not a published run" in warnings[0]

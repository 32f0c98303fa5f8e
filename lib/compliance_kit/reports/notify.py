"""Delivery of a published run: a short plain-text summary by e-mail (SMTP) or to a chat
webhook (JSON `{"text": ...}`, the shape Slack, Mattermost, Rocket.Chat and Teams'
incoming webhooks accept). `compliance-kit run --notify TARGET` and `notify = [...]` in a
reports.toml job; `compliance-kit notify RUN --to TARGET` sends (again) for a published run.

Targets:
- `mailto:dpo@example.com`: e-mail through the SMTP server of the settings below;
- `https://...` / `http://...`: a webhook URL given as is (no user:password in it);
- `webhook:NAME`: the URL kept in the settings (`[webhooks] NAME = "..."` or
  $COMPLIANCE_KIT_WEBHOOK_NAME), for webhook URLs that are secrets themselves.

Settings (never in reports.toml, which holds targets only): the TOML file named by
$COMPLIANCE_KIT_NOTIFY_CONFIG, else ~/.config/compliance-kit/notify.toml if present,
with `[smtp]` host, port, user, password, from, starttls, ssl, timeout; `[webhooks]`;
`[links] reports_url`. Environment variables override the file: COMPLIANCE_KIT_SMTP_HOST,
_PORT, _USER, _PASSWORD, _FROM, _STARTTLS, _SSL; COMPLIANCE_KIT_REPORTS_URL.

The message is built from the published run folder alone (internal/manifest.json and
internal/metrics.json): no figure is computed again. It holds the status, each report's
headline cards with their change since the previous comparable run (reports/cards.py,
reports/history.py), the --fail-on thresholds breached, and the path or URL of the run
overview. It follows the shared pages' rules (docs/sharing.md): values as a shared page
shows them (a count from 1 to k-1 reads "<k"), no identifiers, no error text (an error
message may quote data): a failed report is named, the overview says the rest.

A failed delivery never changes a run's exit status: `run` prints a warning on stderr and
keeps its code; `compliance-kit notify` exits 6 (EXIT_DELIVERY) when a delivery failed.
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import socket
import ssl
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Callable

from ..errors import UserError
from .failon import parse_threshold

EXIT_DELIVERY = 6   # `compliance-kit notify` only: a delivery failed (a run keeps its own code)
CONFIG_ENV = "COMPLIANCE_KIT_NOTIFY_CONFIG"
DEFAULT_CONFIG = Path("~/.config/compliance-kit/notify.toml")
ENV_PREFIX = "COMPLIANCE_KIT_SMTP_"
WEBHOOK_ENV_PREFIX = "COMPLIANCE_KIT_WEBHOOK_"
REPORTS_URL_ENV = "COMPLIANCE_KIT_REPORTS_URL"
OVERVIEW = "index.html"   # the run overview, in the run folder
TIMEOUT = 20.0
_ADDRESS = re.compile(r"^[^@\s<>,;:\"']+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_STATUS = {0: "ok", 3: "a report failed", 4: "threshold breached"}


# ----------------------------------------------------------------------------- targets

@dataclass(frozen=True)
class Target:
    kind: str        # "mail" or "webhook"
    address: str     # the e-mail address, or the webhook URL
    text: str        # as written, for messages (a webhook:NAME target never shows its URL)


def parse_target(text: str, settings: "Settings | None" = None) -> Target:
    """A --notify target; UserError (exit 2) saying what is accepted. A `webhook:NAME`
    is looked up in `settings` (loaded when not given)."""
    raw = str(text).strip()
    scheme = raw.split(":", 1)[0].lower() if ":" in raw else ""
    if scheme == "mailto":
        address = urllib.parse.unquote(raw.split(":", 1)[1])
        if "?" in address or not _ADDRESS.match(address):
            raise UserError(f"--notify {raw!r}: write mailto:name@example.com (one address, no ?subject=...)")
        return Target("mail", address, raw)
    if scheme in ("http", "https"):
        url = urllib.parse.urlsplit(raw)
        if not url.hostname:
            raise UserError(f"--notify {raw!r}: a webhook URL needs a host, e.g. https://chat.example.com/hooks/...")
        if url.username or url.password:
            raise UserError(f"--notify: a webhook URL with a user or password is a secret: keep it in the "
                            "notify settings and name it as webhook:NAME (docs/scheduling.md)")
        # shown without its path: a chat webhook's path is often its secret
        return Target("webhook", raw, f"{url.scheme}://{url.netloc}/...")
    if scheme == "webhook":
        name = raw.split(":", 1)[1]
        if not _NAME.match(name):
            raise UserError(f"--notify {raw!r}: webhook:NAME takes a name of letters, digits and _")
        url = (settings or load_settings()).webhooks.get(name)
        if not url:
            raise UserError(f"--notify {raw!r}: no webhook {name!r} in the notify settings "
                            f"([webhooks] {name} = \"https://...\", or ${WEBHOOK_ENV_PREFIX}{name.upper()})")
        target = parse_target(url)
        if target.kind != "webhook":
            raise UserError(f"--notify {raw!r}: the webhook {name!r} is not an http(s) URL")
        return Target("webhook", target.address, raw)
    raise UserError(f"--notify {raw!r}: a target is mailto:ADDRESS, an https:// (or http://) webhook URL, "
                    "or webhook:NAME")


# ----------------------------------------------------------------------------- settings

@dataclass
class Settings:
    host: str = "localhost"
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = TIMEOUT
    webhooks: dict = field(default_factory=dict)
    reports_url: str | None = None
    source: str = "defaults"


def _bool(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise UserError(f"notify setting {name}: write true or false, not {value!r}")


def _port(name: str, value) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = -1
    if not 0 < port < 65536:
        raise UserError(f"notify setting {name}: a port number (1-65535), not {value!r}")
    return port


SMTP_KEYS = {"host", "port", "user", "password", "from", "starttls", "ssl", "timeout"}


def load_settings(env: dict | None = None, config: str | Path | None = None) -> Settings:
    """The notify settings: the config file (see the module docstring), then the
    environment over it. UserError (exit 2) for a file that is not valid TOML or holds
    an unknown key."""
    env = os.environ if env is None else env
    settings = Settings()
    path = Path(config or env.get(CONFIG_ENV) or DEFAULT_CONFIG).expanduser()
    named = config is not None or bool(env.get(CONFIG_ENV))
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UserError(f"notify settings {path}: {exc}") from None
        unknown = set(data) - {"smtp", "webhooks", "links"}
        smtp = data.get("smtp", {})
        unknown |= {f"smtp.{k}" for k in smtp} - {f"smtp.{k}" for k in SMTP_KEYS}
        unknown |= {f"links.{k}" for k in data.get("links", {})} - {"links.reports_url"}
        if unknown:
            raise UserError(f"notify settings {path}: unknown key(s) {sorted(unknown)}")
        if smtp.get("password") and path.stat().st_mode & 0o077:
            raise UserError(f"notify settings {path} hold an SMTP password and others can read the file: "
                            f"chmod 600 {path} (or set COMPLIANCE_KIT_SMTP_PASSWORD instead)")
        settings.host = str(smtp.get("host", settings.host))
        if "port" in smtp:
            settings.port = _port("smtp.port", smtp["port"])
        settings.user = smtp.get("user")
        settings.password = smtp.get("password")
        settings.sender = smtp.get("from")
        settings.starttls = _bool("smtp.starttls", smtp.get("starttls", False))
        settings.ssl = _bool("smtp.ssl", smtp.get("ssl", False))
        try:
            settings.timeout = float(smtp.get("timeout", TIMEOUT))
        except (TypeError, ValueError):
            raise UserError(f"notify settings {path}: smtp.timeout is a number of seconds") from None
        settings.webhooks = {str(k): str(v) for k, v in data.get("webhooks", {}).items()}
        settings.reports_url = data.get("links", {}).get("reports_url")
        settings.source = str(path)
    elif named:
        raise UserError(f"notify settings: no file {path} (${CONFIG_ENV})")
    for key, attr in (("HOST", "host"), ("USER", "user"), ("PASSWORD", "password"), ("FROM", "sender")):
        if env.get(ENV_PREFIX + key):
            setattr(settings, attr, env[ENV_PREFIX + key])
    if env.get(ENV_PREFIX + "PORT"):
        settings.port = _port(ENV_PREFIX + "PORT", env[ENV_PREFIX + "PORT"])
    for key, attr in (("STARTTLS", "starttls"), ("SSL", "ssl")):
        if env.get(ENV_PREFIX + key):
            setattr(settings, attr, _bool(ENV_PREFIX + key, env[ENV_PREFIX + key]))
    for name, value in env.items():
        if name.startswith(WEBHOOK_ENV_PREFIX) and value:
            settings.webhooks[name[len(WEBHOOK_ENV_PREFIX):].lower()] = value
    if env.get(REPORTS_URL_ENV):
        settings.reports_url = env[REPORTS_URL_ENV]
    return settings


# ----------------------------------------------------------------------------- the message

@dataclass(frozen=True)
class Message:
    subject: str
    text: str


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def overview_location(run_dir: Path, reports_url: str | None = None) -> str:
    """The URL of the run overview under `reports_url` (where the reports folder is
    served), else its path on this machine."""
    run_dir = Path(run_dir)
    if reports_url:
        return reports_url.rstrip("/") + "/" + urllib.parse.quote(run_dir.name) + "/" + OVERVIEW
    return str((run_dir / OVERVIEW).resolve())


def _breaches(manifest: dict, metrics: dict, k: int) -> tuple[list[str], int]:
    """The --fail-on thresholds of the run that are breached, each with the value as a
    shared page shows it; and how many more are breached on a figure hidden under k.
    Those are not named: a breached `x > 3` beside a hidden x (1 to k-1) would give x
    away, so the message only counts them, as the cards give a hidden value no status."""
    from ..figures import shown_section

    if manifest.get("exit_status") != 4:   # thresholds are checked only when every report ran
        return [], 0
    lines, hidden = [], 0
    for text in (manifest.get("parameters") or {}).get("fail_on") or []:
        threshold = parse_threshold(text)
        if threshold.check(metrics) is None:
            continue
        figures = metrics.get(threshold.section)
        shown = ({s.key: s for s in shown_section(threshold.section, figures, k)}
                 if isinstance(figures, dict) else {})
        now = shown.get(f"{threshold.section}.{threshold.key}")
        if now is None or threshold.key not in figures:
            lines.append(f"{threshold.text} (not written)")
        elif now.hidden:
            hidden += 1
        else:
            lines.append(f"{threshold.text} (now {now.text})")
    return lines, hidden


def _section_title(section: str) -> str:
    from .cards import ANALYSES

    return ANALYSES.get(section, section.replace("_", " ").capitalize())


def build_message(run_dir: str | Path, reports_url: str | None = None) -> Message:
    """The summary of the published run in `run_dir` (module docstring)."""
    from .cards import cards_for
    from ..palette import STATUS_WORDS
    from .history import as_of_of, previous_comparable, run_k

    run_dir = Path(run_dir)
    manifest = _read(run_dir / "internal" / "manifest.json")
    if not manifest:
        raise UserError(f"{run_dir} is not a published run (no internal/manifest.json)")
    metrics = _read(run_dir / "internal" / "metrics.json")
    previous = previous_comparable(run_dir.parent, manifest)
    k = max(run_k(manifest), run_k(previous["manifest"]) if previous else 0)
    since = "the previous run"   # said once, above the figures

    code = manifest.get("exit_status")
    status = _STATUS.get(code, f"exit {code}")
    job = manifest.get("job")
    as_of = (manifest.get("parameters") or {}).get("as_of", "")
    if isinstance(as_of, list):
        as_of = ", ".join(map(str, as_of))
    notebooks = manifest.get("notebooks") or []
    ok = sum(nb.get("status") == "ok" for nb in notebooks)
    what = f"job {job}" if job else "report run"
    subject = f"compliance-kit {what}: {status}, as of {as_of}"

    lines = [f"compliance-kit {what}: {status.upper()}",
             f"As of {as_of}; {ok} of {len(notebooks)} report(s) ran; run {manifest.get('run_id', run_dir.name)}."]
    if previous:
        before = previous["manifest"]
        lines.append(f"Changes since the previous comparable run, as of {as_of_of(before)} "
                     f"(run {before.get('run_id', previous['folder'])}).")
    else:
        lines.append("No earlier comparable run (same job, reports and parameters): changes start next time.")
    if k > 1:
        lines.append(f"Counts from 1 to {k - 1} are shown as <{k}.")
    failed = [nb.get("name") for nb in notebooks if nb.get("status") != "ok"]
    if failed:
        lines.append("Failed: " + ", ".join(map(str, failed)) + " (the run overview says where).")
    from .cards import ANALYSES

    for section in [*(a for a in ANALYSES if a in metrics), *(m for m in metrics if m not in ANALYSES)]:
        cards = cards_for(section, metrics, previous["metrics"] if previous else None, k,
                          (manifest.get("parameters") or {}).get("fail_on"), since=since)
        if not cards:
            continue
        lines += ["", _section_title(section)]
        for card in cards:
            change = card.change_text.removesuffix(f" since {since}")
            verdict = {True: ", better", False: ", worse"}.get(card.better, "")
            details = "; ".join(x for x in (change + verdict if change else "",
                                            STATUS_WORDS[card.status] if card.status != "none" else "") if x)
            lines.append(f"- {card.label}: {card.value_text}" + (f" ({details})" if details else ""))
    breaches, hidden = _breaches(manifest, metrics, k)
    if hidden:
        breaches.append(f"{hidden} on a figure hidden under k (not named here; the run's internal "
                        "metrics.json has it)")
    if breaches:
        lines += ["", "Thresholds breached:"] + [f"- {b}" for b in breaches]
    lines += ["", f"Run overview: {overview_location(run_dir, reports_url)}"]
    return Message(subject, "\n".join(lines) + "\n")


# ----------------------------------------------------------------------------- delivery

@dataclass(frozen=True)
class Delivery:
    target: str
    ok: bool
    detail: str


def send_mail(to: str, message: Message, settings: Settings) -> None:
    sender = settings.sender or f"compliance-kit@{socket.getfqdn() or 'localhost'}"
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender if "<" in sender else formataddr(parseaddr(sender))
    mail["To"] = to
    mail.set_content(message.text)
    smtp_class = smtplib.SMTP_SSL if settings.ssl else smtplib.SMTP
    with smtp_class(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls and not settings.ssl:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(mail)


def post_webhook(url: str, message: Message, timeout: float = TIMEOUT) -> None:
    body = json.dumps({"text": message.text}).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "compliance-kit"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # 4xx/5xx raise HTTPError
        response.read()


def _why(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code} {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def deliver(run_dir: str | Path, targets: list[Target], settings: Settings,
            echo: Callable[[str], None] = print, warn: Callable[[str], None] = print) -> list[Delivery]:
    """Send the run's summary to every target; a failure is a warning (`warn`) and a
    Delivery with ok=False, never an exception.

    Every exception is caught here on purpose: the run is published and its exit status
    decided before delivery starts, and nothing that goes wrong afterwards (a mail server,
    a proxy, an unreadable run folder) may turn it into a traceback or another status."""
    results = []
    try:
        message = build_message(run_dir, settings.reports_url)
    except Exception as exc:  # noqa: BLE001 (see above)
        for target in targets:
            results.append(Delivery(target.text, False, _why(exc)))
            warn(f"warning: notify {target.text}: no summary to send ({_why(exc)})")
        message = None
    for target in targets if message is not None else ():
        try:
            if target.kind == "mail":
                send_mail(target.address, message, settings)
            else:
                post_webhook(target.address, message, settings.timeout)
        except Exception as exc:  # noqa: BLE001 (see above)
            results.append(Delivery(target.text, False, _why(exc)))
            warn(f"warning: notify {target.text}: not delivered ({_why(exc)})")
        else:
            results.append(Delivery(target.text, True, "sent"))
    sent = sum(r.ok for r in results)
    echo(f"notify: sent to {sent} of {len(results)} target(s)")
    return results


def prepare(texts, settings: Settings | None = None) -> tuple[list[Target], Settings]:
    """Targets and settings checked before a run starts (a mistake is exit 2, nothing ran)."""
    settings = settings or load_settings()
    targets = []
    for text in texts:
        target = parse_target(text, settings)
        if target not in targets:
            targets.append(target)
    return targets, settings

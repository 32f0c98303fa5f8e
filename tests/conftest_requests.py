"""Tiny hand-built stores for the request-turnaround tests: a jurisdiction hierarchy,
deadline rules and requests inserted row by row, so each test states its own inputs."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance_kit.store import connect, create_schema

JURISDICTIONS = [
    ("GLOBAL", "Global", "global", []),
    ("EEA", "European Economic Area", "bloc", ["GLOBAL"]),
    ("FR", "France", "country", ["EEA", "GLOBAL"]),
    ("NL", "Netherlands", "country", ["EEA", "GLOBAL"]),
    ("GB", "United Kingdom", "country", ["GLOBAL"]),
    ("US", "United States", "country", ["GLOBAL"]),
    ("US-CA", "California", "subdivision", ["US", "GLOBAL"]),
    ("KR", "South Korea", "country", ["GLOBAL"]),
    ("SG", "Singapore", "country", ["GLOBAL"]),
    ("ID", "Indonesia", "country", ["GLOBAL"]),
]

RULE_DEFAULTS = dict(
    request_type="*", deadline_kind="response", amount=None, extension_unit=None,
    extension_amount=None, extension_needs_notice=True, clock_start="receipt",
    pause_for_identity=False, roll_forward=False, holiday_calendar=None, basis="statute",
    citation=None, confidence="high", valid_from=dt.date(2000, 1, 1), notes=None,
    source_section=None, source_quote=None, pause_for_clarification=False,
)
RULE_COLUMNS = ["rule_id", "jurisdiction", "request_type", "deadline_kind", "unit", "amount",
                "extension_unit", "extension_amount", "extension_needs_notice", "clock_start",
                "pause_for_identity", "roll_forward", "holiday_calendar", "basis", "citation",
                "confidence", "valid_from", "notes", "source_section", "source_quote",
                "pause_for_clarification"]
REQUEST_COLUMNS = ["request_id", "account_id", "jurisdiction", "type", "channel", "received_at",
                   "id_requested_at", "id_verified_at", "extension_notified_at",
                   "extension_reason", "completed_at", "outcome", "denial_reason",
                   # optional contract columns (issue 16)
                   "extension_told_until", "clarification_requested_at", "clarification_received_at",
                   "denial_category"]


def ts(value: str) -> dt.datetime:
    """'2024-09-03' (noon UTC) or '2024-09-03 08:15' as an aware UTC datetime."""
    if len(value) == 10:
        value += " 12:00"
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc)


class TinyStore:
    def __init__(self, path):
        self.path = path
        self.con = connect(path)
        create_schema(self.con)
        for code, name, kind, ancestors in JURISDICTIONS:
            self.con.execute("INSERT INTO jurisdictions VALUES (?, ?, ?)", [code, name, kind])
            self.con.execute("INSERT INTO jurisdiction_lineage VALUES (?, ?, 0)", [code, code])
            for depth, anc in enumerate(ancestors, start=1):
                self.con.execute("INSERT INTO jurisdiction_lineage VALUES (?, ?, ?)", [code, anc, depth])
        # the request types a `types` filter may name (the contract reads them from the store)
        self.con.executemany("INSERT INTO request_types VALUES (?, ?)",
                             [(t, t) for t in ("access", "deletion", "correction", "portability", "restriction",
                                               "objection", "opt_out", "consent_withdrawal")])
        self._n = 0

    def controller(self, scope: str, calendar: str | None):
        self.con.execute(
            "INSERT INTO data_controllers VALUES (?, ?, NULL, ?, 'Controllers', 'quote')",
            [scope, f"entity for {scope}", calendar],
        )
        return self

    def rule(self, rule_id: str, jurisdiction: str, unit: str, **kw):
        row = {**RULE_DEFAULTS, "rule_id": rule_id, "jurisdiction": jurisdiction, "unit": unit, **kw}
        self.con.execute(
            f"INSERT INTO request_deadline_rules ({', '.join(RULE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(RULE_COLUMNS))})",
            [row[c] for c in RULE_COLUMNS],
        )
        return self

    def request(self, jurisdiction: str, received: str, type: str = "access", request_id=None,
                completed: str | None = None, **kw) -> str:
        self._n += 1
        rid = request_id or f"r{self._n:04d}"
        row = dict.fromkeys(REQUEST_COLUMNS)
        row.update(request_id=rid, account_id=f"a{self._n}", jurisdiction=jurisdiction, type=type,
                   channel=kw.pop("channel", "web"), received_at=ts(received),
                   completed_at=ts(completed) if completed else None,
                   outcome=kw.pop("outcome", "complied" if completed else None))
        for key, value in kw.items():
            stamp = key.endswith("_at") or key == "extension_told_until"
            row[key] = ts(value) if stamp and isinstance(value, str) else value
        self.con.execute(
            f"INSERT INTO requests ({', '.join(REQUEST_COLUMNS)}) VALUES ({', '.join('?' * len(REQUEST_COLUMNS))})",
            [row[c] for c in REQUEST_COLUMNS],
        )
        return rid

    def analyse(self, as_of="2030-01-01", **kw):
        from compliance_kit.analysis import requests as rq

        rq.prepare(self.con, as_of=as_of, **kw)
        return {r["request_id"]: r for r in rq.statuses(self.con).iter_rows(named=True)}


@pytest.fixture
def tiny(tmp_path):
    store = TinyStore(tmp_path / "tiny.duckdb")
    yield store
    store.con.close()

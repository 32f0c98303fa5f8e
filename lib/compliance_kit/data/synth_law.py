"""Hand-shaped requests and records that make the synthetic sample reach the law's shape
around the date arithmetic (issue 16; docs/data-contract.md, "Law cases"). A few rows per
chunk, each with its ground truth by construction:

| fault | what it reaches | truth |
|---|---|---|
| `law_before_policy` | a request received before the policy's date, under the statute alone | in time / late (two rows) |
| `law_local_day` | an early-morning receipt in a far-east zone at least 8 hours ahead (07:30 local, the UTC day before), answered at 20:00 local on the due day / 01:00 local the day after | in time (late under UTC days) / late |
| `law_identity_latest_of` | identity verified on the last day of a month, asked 20 days after receipt (UK: the month runs from verification) | in time (late under a pause model) |
| `law_clarification` | clarification asked and received (UK stop-the-clock), answered 45 days after receipt | in time, paused |
| `law_clarification_no_pause` | the same timings where clarification does not stop the clock (EEA) | late |
| `law_told_kept` / `law_told_broken` / `law_told_beyond_max` | told extensions: answered before the date told; after it but before the legal maximum; a date told beyond the maximum | in time / late / late + finding |
| `law_paused_and_extended` | identity pause (30 days) and an extension on one request | in time only with both |
| `law_unverifiable` | identity asked, never verified, closed as `unverifiable` | in time, paused (EEA) |
| `law_due_at_as_of_end` | received at local midnight so that the deadline ends exactly at the end of the as-of day | open in time (midnight stamps) |
| `law_due_before_as_of_end` | one day earlier | open late |

Each case is placed only where the policy has a rule of that shape (found by `find`,
through the jurisdiction lineage, never by code): a policy without a UK-like rule simply
gets no `law_identity_latest_of` row. Requests carry no account (account_id NULL), so they
start no retention clock. Every deadline is a margin of at least 5 days away, except the
local-day and midnight cases, whose point is the exact day (computed here with the zone
database: calendar days without roll-forward only).

Records: `ret_minimum_boundary`, one record per chunk whose erasure deadline falls between
30-day months and calendar months of a retention minimum (Indonesia: 1,800 days < deadline <
60 months after collection): `conflict` under calendar months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import duckdb

from .. import timezones

DAY_US = 86_400_000_000
HOUR_US = DAY_US // 24


@dataclass
class Shape:
    code: str
    rtype: str
    rules: list[dict]      # the candidate response rules (most specific level + type-specific)

    def same(self, key):
        return len({r[key] for r in self.rules}) == 1

    def all(self, key):
        return all(r[key] for r in self.rules)

    @property
    def r0(self):
        return self.rules[0]


def _candidates(con: duckdb.DuckDBPyConnection):
    """(code, type) -> Shape, for countries and subdivisions, as synth.read_policy reads
    them (every candidate a reading could pick, any date)."""
    cols = ["rule_id", "jurisdiction", "request_type", "unit", "amount", "extension_unit",
            "extension_amount", "extension_needs_notice", "clock_start", "pause_for_identity",
            "roll_forward", "basis", "valid_from", "pause_for_clarification"]
    rules = [dict(zip(cols, r)) for r in con.execute(
        f"SELECT {', '.join(cols)} FROM request_deadline_rules WHERE deadline_kind = 'response' "
        "ORDER BY rule_id").fetchall()]
    lineage: dict[str, dict[str, int]] = {}
    for code, anc, depth in con.execute("SELECT code, ancestor, depth FROM jurisdiction_lineage").fetchall():
        lineage.setdefault(code, {})[anc] = depth
    codes = [c for (c,) in con.execute(
        "SELECT code FROM jurisdictions WHERE kind IN ('country', 'subdivision') ORDER BY code").fetchall()]
    types = [t for (t,) in con.execute("SELECT request_type FROM request_types ORDER BY rowid").fetchall()]
    out = {}
    for code in codes:
        depth = lineage.get(code, {code: 0})
        for t in types:
            cands = [r for r in rules if r["jurisdiction"] in depth and r["request_type"] in (t, "*")]
            if not cands:
                continue
            best = min(depth[r["jurisdiction"]] for r in cands)
            cands = [r for r in cands if depth[r["jurisdiction"]] == best or r["request_type"] == t]
            out[(code, t)] = Shape(code, t, cands)
    return out


def _fixed(s: Shape) -> bool:
    return all(r["unit"] in ("calendar_days", "calendar_months", "business_days") and r["amount"]
               for r in s.rules)


def _shape_key(r):
    return (r["unit"], r["amount"], r["extension_unit"], r["extension_amount"], r["extension_needs_notice"],
            r["clock_start"], r["pause_for_identity"], r["roll_forward"], r["pause_for_clarification"])


def _homogeneous(s: Shape) -> bool:
    return len({_shape_key(r) for r in s.rules}) == 1


def _span(r) -> tuple[float, float]:
    a = r["amount"]
    return {"calendar_days": (a, a + 5), "calendar_months": (28 * a, 31 * a + 5),
            "business_days": (a, a * 7 / 5 + 10)}[r["unit"]]


def find(con: duckdb.DuckDBPyConnection, weights: dict[str, float]) -> dict:
    """The (code, type) each case uses, or no entry when the policy has no such rule. Among
    several fitting codes the heaviest (`weights`) is taken, then the first by code."""
    shapes = _candidates(con)
    pick = lambda pred, types=("access",): next(  # noqa: E731
        (s for s in sorted(shapes.values(), key=lambda s: (-weights.get(s.code, 0), s.code))
         if s.rtype in types and _fixed(s) and pred(s)), None)
    found = {}
    # a statute older than the policy's rule at the same level (the policy's promise starts later)
    found["before_policy"] = pick(lambda s: _homogeneous(s)
                                  and {r["basis"] for r in s.rules} == {"policy", "statute"}
                                  and min(r["valid_from"] for r in s.rules if r["basis"] == "statute")
                                  < min(r["valid_from"] for r in s.rules if r["basis"] == "policy") - timedelta(days=250))
    # far east: a zone at least 8 hours ahead of UTC, calendar days, no roll, no identity/extension
    def far_east(s):
        zone = timezones.zone_of_code(s.code)
        if not zone or not _homogeneous(s) or s.r0["unit"] != "calendar_days" or s.r0["roll_forward"]:
            return False
        off = datetime(2026, 1, 15, tzinfo=ZoneInfo(zone)).utcoffset().total_seconds() / 3600
        off_summer = datetime(2026, 7, 15, tzinfo=ZoneInfo(zone)).utcoffset().total_seconds() / 3600
        return off >= 8 and off == off_summer  # 07:30 local is then the UTC day before
    found["local_day"] = pick(far_east)
    found["latest_of"] = pick(lambda s: _homogeneous(s) and s.r0["clock_start"] == "identity_verified"
                              and s.r0["unit"] == "calendar_months")
    found["clarification"] = pick(lambda s: _homogeneous(s) and s.all("pause_for_clarification")
                                  and s.r0["unit"] == "calendar_months")
    found["no_clarification"] = pick(lambda s: _homogeneous(s) and not s.r0["pause_for_clarification"]
                                     and s.r0["unit"] == "calendar_months" and s.r0["pause_for_identity"])
    found["told"] = pick(lambda s: _homogeneous(s) and s.r0["extension_amount"]
                         and s.r0["unit"] == "calendar_days" and s.r0["amount"] >= 30
                         and s.r0["extension_amount"] >= 30 and not s.r0["pause_for_identity"])
    found["paused_and_extended"] = pick(lambda s: _homogeneous(s) and s.r0["pause_for_identity"]
                                        and s.r0["extension_amount"] and s.r0["unit"] == "calendar_months")
    found["unverifiable"] = found["paused_and_extended"]
    # midnight: a deletion promise in calendar days without roll-forward is the only rule
    def midnight(s):
        return (_homogeneous(s) and s.r0["unit"] == "calendar_days" and not s.r0["roll_forward"]
                and timezones.zone_of_code(s.code) is not None)
    found["midnight"] = pick(midnight, types=("deletion",))
    return {k: v for k, v in found.items() if v is not None}


def retention_boundary(con: duckdb.DuckDBPyConnection):
    """(code, category, trigger event, erase delay days, minimum months) for a record whose
    erasure deadline can fall between 30-day months and calendar months of a minimum:
    a retain_minimum on `collected` in months, and an erase_within rule in days on an
    event trigger for some category of that jurisdiction (through the lineage)."""
    rows = con.execute("""
        SELECT m.jurisdiction, e.category_id, e.trigger_event, e.delay_days, m.delay_months
        FROM retention_rules AS m
        JOIN jurisdiction_lineage AS l ON l.code = m.jurisdiction
        JOIN retention_rules AS e ON e.jurisdiction = l.ancestor
        WHERE m.kind = 'retain_minimum' AND m.trigger_event = 'collected' AND m.delay_months > 0
          AND m.delay_days = 0 AND m.delay_hours = 0 AND m.category_id IS NULL
          AND e.kind = 'erase_within' AND e.rule_set <> 'recipient' AND e.recipient IS NULL
          AND e.category_id IS NOT NULL AND e.delay_months = 0 AND e.delay_hours = 0
          AND e.trigger_event NOT IN ('account_deleted', 'deletion_requested', 'collected')
        ORDER BY m.jurisdiction, e.category_id LIMIT 1""").fetchall()
    return rows[0] if rows else None


# ------------------------------------------------------------------ building the rows

def _us(d: datetime) -> int:
    return int(d.timestamp() * 1_000_000)


def _local(zone: str, day: date, hh: int, mm: int = 0) -> int:
    """The instant of a local wall time (UTC when the zone is unknown)."""
    return _us(datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(zone)))


def _day_of(us: int) -> date:
    return datetime.fromtimestamp(us / 1_000_000, tz=timezone.utc).date()


def _month_end(d: date) -> date:
    nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    return min(d.replace(year=y, month=m, day=1) + timedelta(days=d.day - 1), _month_end(date(y, m, 1)))


def request_cases(found: dict, as_of_us: int) -> list[dict]:
    """The law-case request rows (contract columns plus the truth: expected_class, extended,
    extension_notice_late, paused, extension_told_beyond_max, fault)."""
    rows: list[dict] = []
    as_of = _day_of(as_of_us)
    D = DAY_US

    def add(shape, fault, expected, received, completed=None, *, paused=False, extended=False,
            beyond=False, **cols):
        row = dict(jurisdiction=shape.code, type=shape.rtype, received_at=received, completed_at=completed,
                   outcome=None if completed is None else "complied", fault=fault, expected_class=expected,
                   paused=paused, extended=extended, extension_notice_late=False,
                   extension_told_beyond_max=beyond)
        row.update(cols)
        rows.append(row)

    s = found.get("before_policy")
    if s:
        policy_from = min(r["valid_from"] for r in s.rules if r["basis"] == "policy")
        lo, hi = _span(s.r0)
        r = _us(datetime.combine(policy_from - timedelta(days=200), time(11), tzinfo=timezone.utc))
        add(s, "law_before_policy", "responded_in_time", r, r + int(max(1, lo / 3) * D))
        add(s, "law_before_policy", "responded_late", r + 3 * D, r + 3 * D + int((hi + 20) * D))

    s = found.get("local_day")
    if s:
        zone = timezones.zone_of_code(s.code)
        n = s.r0["amount"]
        x = as_of - timedelta(days=n + 100)
        received = _local(zone, x, 7, 30)           # 07:30 local: the UTC day before
        add(s, "law_local_day", "responded_in_time", received, _local(zone, x + timedelta(days=n), 20))
        add(s, "law_local_day", "responded_late", received, _local(zone, x + timedelta(days=n + 1), 1))

    s = found.get("latest_of")
    if s:
        v_day = _month_end(as_of - timedelta(days=150))          # verified on the last day of a month
        v = _us(datetime.combine(v_day, time(15), tzinfo=timezone.utc))
        r = v - 25 * D
        add(s, "law_identity_latest_of", "responded_in_time", r, v + 20 * D,
            id_requested_at=r + 20 * D, id_verified_at=v)

    s = found.get("clarification")
    if s:
        r = _us(datetime.combine(as_of - timedelta(days=180), time(11), tzinfo=timezone.utc))
        add(s, "law_clarification", "responded_in_time", r, r + 45 * D, paused=True,
            clarification_requested_at=r + 2 * D, clarification_received_at=r + 27 * D)
    s = found.get("no_clarification")
    if s:
        r = _us(datetime.combine(as_of - timedelta(days=180), time(11), tzinfo=timezone.utc))
        add(s, "law_clarification_no_pause", "responded_late", r, r + 45 * D,
            clarification_requested_at=r + 2 * D, clarification_received_at=r + 27 * D)

    s = found.get("told")
    if s:
        r = _us(datetime.combine(as_of - timedelta(days=220), time(19), tzinfo=timezone.utc))
        lo, hi = s.r0["amount"], s.r0["amount"] + s.r0["extension_amount"]
        told = r + (lo + 15) * D
        common = dict(extension_notified_at=r + 10 * D, extension_reason="complex request")
        add(s, "law_told_kept", "responded_in_time", r, told - 5 * D, extended=True,
            extension_told_until=told, **common)
        add(s, "law_told_broken", "responded_late", r, told + 15 * D, extended=True,
            extension_told_until=told, **common)
        add(s, "law_told_beyond_max", "responded_late", r, r + (hi + 10) * D, extended=True, beyond=True,
            extension_told_until=r + (hi + 30) * D, **common)

    s = found.get("paused_and_extended")
    if s:
        r = _us(datetime.combine(as_of - timedelta(days=200), time(8), tzinfo=timezone.utc))
        ext_months = s.r0["amount"] + s.r0["extension_amount"]      # months: 3 -> 84..98 days
        add(s, "law_paused_and_extended", "responded_in_time", r, r + (28 * ext_months + 30 - 10) * D,
            paused=True, extended=True, id_requested_at=r + HOUR_US, id_verified_at=r + 30 * D,
            extension_notified_at=r + 2 * D, extension_reason="volume of data")

    s = found.get("unverifiable")
    if s:
        r = _us(datetime.combine(as_of - timedelta(days=150), time(9), tzinfo=timezone.utc))
        add(s, "law_unverifiable", "responded_in_time", r, r + 10 * D, paused=True,
            id_requested_at=r + D, outcome="denied", denial_reason="identity could not be verified",
            denial_category="unverifiable")

    s = found.get("midnight")
    if s:
        zone = timezones.zone_of_code(s.code)
        n = s.r0["amount"]
        # received at local midnight n days before the as-of day: due the as-of day, whose end
        # (local midnight) is exactly the end of the as-of day there
        add(s, "law_due_at_as_of_end", "open_in_time", _local(zone, as_of - timedelta(days=n), 0))
        add(s, "law_due_before_as_of_end", "open_late", _local(zone, as_of - timedelta(days=n + 1), 0))
    return rows


def boundary_record(spec, as_of_us: int):
    """(created_us, event_us, expected_status) of the record of `retention_boundary`: created
    so that its erasure deadline falls 20 days before the minimum's end in calendar months
    (after the end in 30-day months), the event 30 days before as_of."""
    code, category, event, delay_days, months = spec
    as_of = _day_of(as_of_us)
    event_day = as_of - timedelta(days=30)
    deadline = event_day + timedelta(days=delay_days)
    target = deadline + timedelta(days=20)     # the minimum ends 20 days after the deadline
    created = _add_months(target, -months)
    while _add_months(created, months) < target:
        created += timedelta(days=1)
    while _add_months(created, months) > target + timedelta(days=1):
        created -= timedelta(days=1)
    assert created + timedelta(days=30 * months) < deadline, "not between 30-day and calendar months"
    return (_us(datetime.combine(created, time(12), tzinfo=timezone.utc)),
            _us(datetime.combine(event_day, time(12), tzinfo=timezone.utc)), "conflict")

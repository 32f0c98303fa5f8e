"""A realistic synthetic sample of the operational data, with ground truth.

Everything the sample must respect is read from the policy tables of a DuckDB store
(jurisdictions and their lineage, categories, retention rules, request deadline rules,
declared transfers and jurisdiction rules), never re-typed here. The generator then
injects known faults at known rates and writes, beside the data, which ids are faulty and
how (`ground_truth/`), computed BY CONSTRUCTION with safe margins so that the truth holds
whatever exact calendar arithmetic an analysis uses (docs/data-contract.md, "Synthetic
sample", documents each construction).

It works in chunks of accounts (numpy, vectorised per chunk; one RNG stream per chunk,
seeded by (seed, chunk index)) and streams each chunk to Parquet, so memory is bounded by
the chunk size whatever the number of accounts. Same seed + same chunk size -> the same
bytes.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from itertools import product
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import UserError
from ..files import sha256_file
from . import synth_law

DAY = 86_400_000_000  # microseconds
HOUR = DAY // 24
MARGIN = 15 * DAY     # the safety margin around every deadline

TABLES = ("accounts", "records", "events", "requests", "transfers")

# ------------------------------------------------------------------ knobs (documented)

# Fault rates. Each is the share of the records / requests / transfers ELIGIBLE for that
# fault (docs: "Synthetic sample"); one uniform draw per row against disjoint intervals.
RECORD_RATES = {"legal_hold": 0.015, "erased_late": 0.08, "overdue": 0.05}
REQUEST_RATES = {
    "paused": 0.06, "extended": 0.06, "extension_notice_late": 0.03,
    "responded_late": 0.08, "open_in_time": 0.04, "open_late": 0.03,
}
TRANSFER_RATES = {
    "undeclared_recipient": 0.03, "undeclared_destination": 0.03, "undeclared_category": 0.03,
    "missing_mechanism": 0.04, "unencrypted": 0.03,
}

# Realism weights. Codes the policy does not have are ignored; codes it has that are not
# listed get DEFAULT_WEIGHT (EEA members: EEA_WEIGHT).
JURISDICTION_WEIGHTS = {
    "DE": 10, "FR": 8, "NL": 4, "IE": 3, "ES": 4, "IT": 5, "PL": 3, "SE": 2, "BE": 2,
    "GB": 6, "US-CA": 9, "US": 6, "SG": 7, "JP": 7, "KR": 8, "ID": 6, "CN": 3, "HK": 4,
    "CA": 3, "BR": 3, "IN": 3, "MY": 2, "TH": 2, "PH": 2, "TR": 2, "AE": 1, "SA": 1,
    "VN": 1, "EG": 1, "MO": 1, "CH": 1,
}
DEFAULT_WEIGHT = 0.5
EEA_WEIGHT = 1.0
CATEGORY_WEIGHTS = {
    "account_data": 0, "transaction_records": 22, "usage_logs": 28, "credit_card": 6,
    "support_tickets": 10, "incident_logs": 6, "photo_id": 2, "tech_support_enquiry": 5,
    "enquiry_data": 3, "promotional_contact": 3, "marketing_data": 4, "covid_program": 1,
    "business_contact": 4,
}
# A handful of systems hold most records; each category has a main home and a long tail.
SYSTEMS = {
    "account_data": ("crm", "identity-svc"), "credit_card": ("billing-db", "payments-vault"),
    "transaction_records": ("billing-db", "finance-dwh"), "photo_id": ("kyc-vault", "identity-svc"),
    "usage_logs": ("logs-lake", "metrics-tsdb"), "support_tickets": ("ticketing", "crm"),
    "incident_logs": ("logs-lake", "siem"), "enquiry_data": ("crm", "web-forms"),
    "tech_support_enquiry": ("ticketing", "web-forms"), "promotional_contact": ("marketing-cloud", "crm"),
    "marketing_data": ("marketing-cloud", "crm"), "covid_program": ("programs-db", "crm"),
    "business_contact": ("crm", "marketing-cloud"),
}
TAIL_SYSTEMS = ("data-warehouse", "backup-archive", "legacy-erp", "ml-feature-store", "sms-gateway")
REQUEST_TYPE_WEIGHTS = {
    "access": 30, "deletion": 25, "correction": 8, "portability": 5, "restriction": 3,
    "objection": 5, "opt_out": 16, "consent_withdrawal": 8,
}
CHANNELS = ("web_form", "email", "portal", "phone")
CHANNEL_WEIGHTS = (45, 30, 15, 10)
# Probability that a record whose rules use an event trigger sees that event.
EVENT_PROBABILITY = {"enquiry_resolved": 0.7, "marketing_opt_out": 0.25, "program_ended": 0.8,
                     "registration_abandoned": 0.02, "contract_terminated": 0.05, "service_completed": 0.2,
                     "message_sent": 0.3}
DEFAULT_EVENT_PROBABILITY = 0.3
UNDECLARED_RECIPIENTS = ("shadow_analytics", "acme_adtech")
# Records held without an account (enquiries, leads): this many per account, these categories.
LEAD_SHARE = 0.3
LEAD_CATEGORIES = ("enquiry_data", "tech_support_enquiry", "promotional_contact", "marketing_data",
                   "business_contact")
UNDECLARED_DESTINATIONS = ("RU", "ZA", "AR")
# Seasonality: month-of-year and weekday factors for sign-ups, requests and transfers.
MONTH_FACTOR = (1.25, 1.05, 1.0, 0.95, 0.95, 0.85, 0.8, 0.8, 1.1, 1.15, 1.2, 0.9)
WEEKDAY_FACTOR = (1.2, 1.15, 1.1, 1.05, 1.0, 0.45, 0.4)  # Monday .. Sunday

HISTORY_DAYS = 1250  # accounts open up to ~3.4 years before as_of (keeps ID's 5-year minimum unambiguous)
REQUEST_DAYS = 730


# ------------------------------------------------------------------ policy facts

def open_policy(policy_path: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory store holding only the policy tables of `policy_path`."""
    from ..store import create_schema

    if not Path(policy_path).is_file():
        raise UserError(f"no policy spec at {policy_path}: pass --policy PATH")
    try:
        from ..policy.spec import load_spec
        from ..policy.store import write_policy
    except ImportError as exc:  # the policy encoder is another area's module
        raise UserError(f"cannot encode the policy: {exc}") from None
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    create_schema(con)
    write_policy(con, load_spec(policy_path), Path(policy_path))
    return con


def _span(unit: str, amount: float) -> tuple[float, float] | None:
    """(shortest, longest) length in days a deadline of `amount` `unit` can have, with
    slack for roll-forward to a working day and holidays."""
    if unit == "calendar_days":
        return amount, amount + 5
    if unit == "calendar_months":
        return 28 * amount, 31 * amount + 5
    if unit == "business_days":
        return amount, math.ceil(amount * 7 / 5) + 10
    if unit == "hours":
        return amount / 24, amount / 24 + 5
    return None


@dataclass
class RequestRule:
    lo: float          # days: the deadline is at least this far from the clock start
    hi: float          # days: and at most this far
    in_time: float     # a response within this many days of receipt is in time under any reading
    ext_lo: float | None
    ext_hi: float | None
    pause_ok: bool     # homogeneous rule that stops the clock for identity verification
    ext_ok: bool       # homogeneous rule with an extension
    ext_notice_ok: bool  # ... whose extension needs notice
    valid_from_us: int = 0  # receipts start after every candidate rule is in force


@dataclass
class Policy:
    codes: list[str]
    code_weights: np.ndarray
    categories: list[str]
    category_weights: np.ndarray
    triggers: list[str]                  # trigger slots used by erase_within rules
    erase_lo: np.ndarray                 # [code, category, trigger] days (nan: no rule)
    erase_hi: np.ndarray
    retain_lo: np.ndarray                # [code, category] days (nan: no minimum)
    retain_hi: np.ndarray
    request_types: list[str]
    request_rules: dict[tuple[int, int], RequestRule]  # (code idx, type idx) -> rule
    transfer_pool: dict[str, list[tuple]] = field(default_factory=dict)
    transfer_weights: dict[str, np.ndarray] = field(default_factory=dict)
    policy_id: str | None = None
    # issue 16: where the hand-shaped law cases go (synth_law.find), the retention-minimum
    # boundary record (synth_law.retention_boundary), transfer shapes that break both the
    # category and the mechanism rule
    law: dict = field(default_factory=dict)
    retention_boundary: tuple | None = None
    transfer_both: list = field(default_factory=list)


def read_policy(con: duckdb.DuckDBPyConnection) -> Policy:
    q = lambda sql, p=None: con.execute(sql, p or {}).fetchall()  # noqa: E731
    lineage: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for code, anc, depth in q("SELECT code, ancestor, depth FROM jurisdiction_lineage ORDER BY code, depth, ancestor"):
        lineage[code].append((anc, depth))
    codes = [c for (c,) in q("SELECT code FROM jurisdictions WHERE kind IN ('country', 'subdivision') ORDER BY code")]
    if not codes:
        raise UserError("the policy store has no country or subdivision jurisdictions to generate data for")
    for c in codes:
        if not lineage[c]:
            lineage[c] = [(c, 0)]
    weights = []
    for c in codes:
        in_eea = any(a == "EEA" for a, _ in lineage[c])
        weights.append(JURISDICTION_WEIGHTS.get(c, EEA_WEIGHT if in_eea else DEFAULT_WEIGHT))
    code_w = np.array(weights, float)
    code_w /= code_w.sum()

    categories = [c for (c,) in q("SELECT category_id FROM data_categories ORDER BY rowid")]
    cat_w = np.array([CATEGORY_WEIGHTS.get(c, 2) for c in categories], float)
    cat_w = cat_w / cat_w.sum() if cat_w.sum() > 0 else np.full(len(categories), 1 / len(categories))

    rules = q("""SELECT kind, category_id, jurisdiction, trigger_event, delay_months, delay_days, delay_hours
                 FROM retention_rules WHERE rule_set <> 'recipient' AND recipient IS NULL ORDER BY rule_id""")
    triggers = sorted({r[3] for r in rules if r[0] == "erase_within"})
    ci = {c: i for i, c in enumerate(categories)}
    ti = {t: i for i, t in enumerate(triggers)}
    E_lo = np.full((len(codes), len(categories), len(triggers)), np.nan)
    E_hi = E_lo.copy()
    R_lo = np.full((len(codes), len(categories)), np.nan)
    R_hi = R_lo.copy()
    for j, code in enumerate(codes):
        ancestors = {a for a, _ in lineage[code]}
        for kind, cat, scope, trig, months, days, hours in rules:
            if scope not in ancestors:
                continue
            lo = 28 * months + days + hours / 24
            hi = 31 * months + days + hours / 24 + 1
            cats = range(len(categories)) if cat is None else ([ci[cat]] if cat in ci else [])
            for c in cats:
                if kind == "erase_within":
                    t = ti[trig]
                    E_lo[j, c, t] = np.fmin(E_lo[j, c, t], lo)
                    E_hi[j, c, t] = np.fmax(E_hi[j, c, t], hi)
                else:
                    R_lo[j, c] = np.fmin(R_lo[j, c], lo)
                    R_hi[j, c] = np.fmax(R_hi[j, c], hi)

    request_types = [t for (t,) in q("SELECT request_type FROM request_types ORDER BY rowid")]
    drules = q("""SELECT jurisdiction, request_type, unit, amount, extension_unit, extension_amount,
                         extension_needs_notice, clock_start, pause_for_identity, valid_from
                  FROM request_deadline_rules WHERE deadline_kind = 'response' ORDER BY rule_id""")
    request_rules: dict[tuple[int, int], RequestRule] = {}
    for j, code in enumerate(codes):
        depth_of = dict(lineage[code])
        for k, rtype in enumerate(request_types):
            cands = [r for r in drules if r[0] in depth_of and r[1] in (rtype, "*")]
            if not cands:
                continue
            best = min(depth_of[r[0]] for r in cands)
            # the most specific level, plus type-specific rules from any level (a reading
            # that prefers the type over the jurisdiction): the truth must hold for both
            cands = [r for r in cands if depth_of[r[0]] == best or r[1] == rtype]
            spans = [_span(r[2], r[3]) if r[3] is not None else None for r in cands]
            if any(s is None for s in spans):
                continue  # 'without_delay' / 'none': no deadline to be late against
            lo = min(s[0] for s in spans)
            hi = max(s[1] for s in spans)
            homogeneous = len({r[2:9] for r in cands}) == 1
            r0 = cands[0]
            ext = _span(r0[4], r0[5]) if (r0[4] and r0[5]) else None
            in_time = max(min(20.0, lo - max(2.0, 0.25 * lo)), 0.3 * lo)
            ext_ok = homogeneous and ext is not None and (hi + 5) < (lo + ext[0] - 5)
            request_rules[(j, k)] = RequestRule(
                lo, hi, in_time, ext[0] if ext else None, ext[1] if ext else None,
                pause_ok=homogeneous and (bool(r0[8]) or r0[7] == "identity_verified"),
                ext_ok=ext_ok,
                ext_notice_ok=ext_ok and bool(r0[6]) and (hi + 15) < (lo + ext[0] - 5),
                # every candidate has the same bounds [lo, hi]: receipts start once the
                # earliest is in force (the statute before the policy's promise, issue 16)
                valid_from_us=_to_us(min(r[9] for r in cands)) + DAY,
            )
    policy_id = None
    try:
        rows = con.execute("SELECT policy_id FROM policy_versions LIMIT 1").fetchall()
        policy_id = rows[0][0] if rows else None
    except duckdb.Error:
        pass
    p = Policy(codes, code_w, categories, cat_w, triggers, E_lo, E_hi, R_lo, R_hi,
               request_types, request_rules, policy_id=policy_id)
    _transfer_pool(con, p, lineage)
    p.law = synth_law.find(con, JURISDICTION_WEIGHTS)
    p.retention_boundary = synth_law.retention_boundary(con)
    return p


def _transfer_pool(con, p: Policy, lineage) -> None:
    """Enumerate transfer shapes (source, recipient, destination, category, mechanism,
    encrypted) and classify each under six readings of the declarations; keep only shapes
    every reading classifies the same way, grouped by class."""
    flows = con.execute("""SELECT f.flow_id, f.source_scope, f.recipient, f.destination_country,
                                  f.encrypted_required, f.mechanism,
                                  list(c.category_id) FILTER (WHERE c.category_id IS NOT NULL)
                           FROM declared_transfers f LEFT JOIN declared_transfer_categories c USING (flow_id)
                           GROUP BY ALL ORDER BY f.flow_id""").fetchall()
    jrules = {j: (m, cr) for j, m, cr in con.execute(
        "SELECT jurisdiction, transfer_mechanism, transfer_consent_required FROM jurisdiction_rules").fetchall()}
    recipients = sorted({f[2] for f in flows if f[2] != "*"} | {"tencent_group"}) + list(UNDECLARED_RECIPIENTS)
    declared_dest = {f[3] for f in flows if f[3] != "*"}
    destinations = sorted(declared_dest) + [d for d in UNDECLARED_DESTINATIONS if d not in declared_dest]
    mechanisms = sorted({f[5] for f in flows if f[5]} | {m for m, _ in jrules.values() if m} | {"consent"})

    def required(code):
        for anc, _ in sorted(lineage[code], key=lambda x: x[1]):
            if anc in jrules:
                m, cr = jrules[anc]
                if m is not None or cr is not None:
                    return m or ("consent" if cr else None)
        return None

    classes = ["undeclared_recipient", "undeclared_destination", "undeclared_category",
               "missing_mechanism", "unencrypted", "declared"]

    def classify(fl, rule_mech, r, d, c, m, e, empty_any, mech_mode):
        best = 0
        for _, _, fr, fd, enc_req, fmech, cats in fl:
            if fr != "*" and fr != r:
                stage = 0
            elif fd != "*" and fd != d:
                stage = 1
            elif not ((cats and c in cats) or (empty_any and not cats)):
                stage = 2
            else:
                rule_ok = rule_mech is None or m == rule_mech
                flow_ok = fmech is None or m == fmech
                ok = {"both": rule_ok and flow_ok, "flow": flow_ok, "rule": rule_ok}[mech_mode]
                if not ok:
                    stage = 3
                elif enc_req and not e:
                    stage = 4
                else:
                    stage = 5
            best = max(best, stage)
        return classes[best]

    pool: dict[str, list[tuple]] = defaultdict(list)
    weights: dict[str, list[float]] = defaultdict(list)
    cache: dict[tuple, dict[str, list[tuple]]] = {}
    for j, code in enumerate(p.codes):
        ancestors = {a for a, _ in lineage[code]}
        fl = [f for f in flows if f[1] in ancestors]
        rule_mech = required(code)
        sig = (tuple(f[0] for f in fl), rule_mech)
        if sig not in cache:
            found: dict[str, list[tuple]] = defaultdict(list)
            for r, d, c, m, e in product(recipients, destinations, p.categories, [None, *mechanisms], (True, False)):
                seen = {classify(fl, rule_mech, r, d, c, m, e, ea, mm)
                        for ea in (False, True) for mm in ("both", "flow", "rule")}
                if len(seen) == 1:
                    found[seen.pop()].append((r, d, c, m, e))
            cache[sig] = found
        for cls, shapes in cache[sig].items():
            w = p.code_weights[j] / len(shapes)
            for s in shapes:
                pool[cls].append((code, *s))
                weights[cls].append(w)
        # undeclared_category shapes whose mechanism is wrong as well: with a category the
        # flows cover, every reading says missing_mechanism (issue 16: both rules broken)
        if (sig, "both") not in cache:
            both = []
            for (r, d, c, m, e) in cache[sig].get("undeclared_category", []):
                for c2 in p.categories:
                    seen = {classify(fl, rule_mech, r, d, c2, m, e, ea, mm)
                            for ea in (False, True) for mm in ("both", "flow", "rule")}
                    if seen == {"missing_mechanism"}:
                        both.append((r, d, c, m, e))
                        break
            cache[(sig, "both")] = both
        p.transfer_both.extend((code, *s) for s in cache[(sig, "both")])
    p.transfer_pool = dict(pool)
    p.transfer_weights = {k: np.array(v) / np.sum(v) for k, v in weights.items()}


def _request_arrays(p: Policy) -> dict[str, np.ndarray]:
    """The request rules as [jurisdiction, type] arrays (cached on the policy)."""
    cached = getattr(p, "_request_arrays", None)
    if cached is None:
        shape = (len(p.codes), len(p.request_types))
        cached = {name: np.zeros(shape, dtype) for name, dtype in (
            ("lo", float), ("hi", float), ("in_time", float), ("ext_lo", float), ("pause_ok", bool),
            ("ext_ok", bool), ("ext_notice_ok", bool), ("valid_from_us", np.int64))}
        for (j, k), r in p.request_rules.items():
            for name in cached:
                cached[name][j, k] = getattr(r, name) or 0
        p._request_arrays = cached
    return cached


# ------------------------------------------------------------------ sampling helpers

def _to_us(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()) * 1_000_000


def _day_weights(start_us: int, n_days: int) -> np.ndarray:
    days = (start_us // DAY) + np.arange(n_days)
    dt = days.astype("datetime64[D]")
    month = dt.astype("datetime64[M]").astype(int) % 12
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    w = np.array(MONTH_FACTOR)[month] * np.array(WEEKDAY_FACTOR)[weekday]
    w *= np.linspace(0.6, 1.4, n_days)  # growth: more activity lately
    return w / w.sum()


def _seasonal_times(rng, n, start_us, end_us) -> np.ndarray:
    """n instants in [start_us, end_us) following the month/weekday pattern."""
    n_days = max(int((end_us - start_us) // DAY), 1)
    day = rng.choice(n_days, size=n, p=_day_weights(start_us, n_days))
    hour = rng.choice(24, size=n, p=_HOUR_P)
    t = start_us + day * DAY + hour * HOUR + rng.integers(0, HOUR, size=n)
    return np.minimum(t, end_us - 1)


_HOUR_W = np.array([1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 8, 9, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1], float)
_HOUR_P = _HOUR_W / _HOUR_W.sum()


def _uniform_between(rng, lo, hi):
    lo = np.asarray(lo, np.int64)
    hi = np.asarray(hi, np.int64)
    return lo + (rng.random(lo.shape) * np.maximum(hi - lo, 0)).astype(np.int64)


# ------------------------------------------------------------------ schemas

TS = pa.timestamp("us", tz="UTC")
SCHEMAS = {
    "accounts": pa.schema([("account_id", pa.string()), ("jurisdiction", pa.string()),
                           ("created_at", TS), ("deleted_at", TS)]),
    "records": pa.schema([("record_id", pa.string()), ("account_id", pa.string()), ("category", pa.string()),
                          ("system", pa.string()), ("jurisdiction", pa.string()), ("created_at", TS),
                          ("erased_at", TS), ("legal_hold", pa.bool_())]),
    "events": pa.schema([("event_id", pa.string()), ("subject_id", pa.string()), ("event", pa.string()),
                         ("occurred_at", TS)]),
    "requests": pa.schema([("request_id", pa.string()), ("account_id", pa.string()), ("jurisdiction", pa.string()),
                           ("type", pa.string()), ("channel", pa.string()), ("received_at", TS),
                           ("id_requested_at", TS), ("id_verified_at", TS), ("extension_notified_at", TS),
                           ("extension_reason", pa.string()), ("completed_at", TS), ("outcome", pa.string()),
                           ("denial_reason", pa.string()),
                           # optional contract columns (issue 16)
                           ("extension_told_until", TS), ("clarification_requested_at", TS),
                           ("clarification_received_at", TS), ("denial_category", pa.string())]),
    "transfers": pa.schema([("transfer_id", pa.string()), ("occurred_at", TS), ("source_jurisdiction", pa.string()),
                            ("recipient", pa.string()), ("destination_country", pa.string()),
                            ("category", pa.string()), ("record_count", pa.int64()), ("bytes", pa.int64()),
                            ("mechanism", pa.string()), ("encrypted", pa.bool_())]),
}
TRUTH_SCHEMAS = {
    "records": pa.schema([("record_id", pa.string()), ("expected_status", pa.string()), ("fault", pa.string())]),
    "requests": pa.schema([("request_id", pa.string()), ("expected_class", pa.string()), ("extended", pa.bool_()),
                           ("extension_notice_late", pa.bool_()), ("paused", pa.bool_()), ("fault", pa.string()),
                           ("extension_told_beyond_max", pa.bool_())]),
    "transfers": pa.schema([("transfer_id", pa.string()), ("expected_classification", pa.string()),
                            ("fault", pa.string())]),
}


def _ts(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(values.astype(np.int64), type=pa.int64(), mask=None if valid is None else ~valid)
    return arr.cast(TS)


def _ids(prefix: str, start: int, n: int, width: int) -> pa.Array:
    """prefix + zero-padded numbers start .. start+n-1, built by Arrow (no Python loop)."""
    nums = pc.cast(pa.array(np.arange(start, start + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(nums, width, "0"), "")


def _take(values, idx) -> pa.Array:
    """values[idx] as an Arrow string array (values: a short list of names)."""
    return pa.array(list(values), pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))


# ------------------------------------------------------------------ one chunk

@dataclass
class Counters:
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    faults: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    eligible: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    status: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))


class _Chunk:
    def __init__(self, p: Policy, seed: int, index: int, first_account: int, n: int, as_of_us: int,
                 id_width: int):
        self.p, self.n, self.as_of = p, n, as_of_us
        self.rng = np.random.default_rng([seed, index])
        self.first = first_account
        self.index = index
        self.w = id_width
        self.end = as_of_us - DAY  # every generated instant is at least a day before as_of

    # accounts -------------------------------------------------------
    def accounts(self):
        rng, n, p = self.rng, self.n, self.p
        self.acc_j = rng.choice(len(p.codes), size=n, p=p.code_weights)
        self.acc_created = _seasonal_times(rng, n, self.as_of - HISTORY_DAYS * DAY, self.as_of - 60 * DAY)
        self.acc_ids = _ids("acc-", self.first, n, self.w)

    # requests -------------------------------------------------------
    def requests(self, c: Counters):
        rng, p = self.rng, self.p
        per_acc = rng.poisson(0.15, size=self.n)
        acc = np.repeat(np.arange(self.n), per_acc)
        m = len(acc)
        j = self.acc_j[acc]
        tw = np.array([REQUEST_TYPE_WEIGHTS.get(t, 3) for t in p.request_types], float)
        usable = np.zeros((len(p.codes), len(p.request_types)), bool)
        for (jj, kk) in p.request_rules:
            usable[jj, kk] = True
        probs = usable * tw
        ok = probs[j].sum(axis=1) > 0
        acc, j = acc[ok], j[ok]
        m = len(acc)
        cum = np.cumsum(probs[j], axis=1)
        cum /= cum[:, -1:]
        k = (rng.random((m, 1)) > cum).sum(axis=1)
        u = rng.random(m)
        ra = _request_arrays(p)
        lo, hi, itm, ext_lo = ra["lo"][j, k], ra["hi"][j, k], ra["in_time"][j, k], ra["ext_lo"][j, k]
        pause_ok, ext_ok, extn_ok = ra["pause_ok"][j, k], ra["ext_ok"][j, k], ra["ext_notice_ok"][j, k]
        valid_from = ra["valid_from_us"][j, k]

        names = list(REQUEST_RATES)
        edges = np.cumsum([REQUEST_RATES[x] for x in names])
        slot = np.searchsorted(edges, u, side="right")  # len(names): no fault
        fault = np.array(["none"] * m, dtype=object)
        eligible = {"paused": pause_ok, "extended": ext_ok, "extension_notice_late": extn_ok}
        for i, name in enumerate(names):
            el = eligible.get(name, np.ones(m, bool))
            c.eligible["requests"][name] += int(el.sum())
            fault[(slot == i) & el] = name

        D = lambda x: (np.asarray(x) * DAY).astype(np.int64)  # noqa: E731
        # the time each kind of request needs before as_of, and its shape relative to receipt
        lag_late = D(hi + 15 + np.minimum(rng.lognormal(2.3, 0.8, m), 90))
        counted = D(itm * rng.uniform(0.3, 1.0, m))
        ask = (counted * rng.uniform(0.05, 0.3, m)).astype(np.int64)
        pause = D(hi + 10) - counted + D(rng.uniform(0, 10, m))
        ext_done = D(rng.uniform(hi + 5, np.maximum(lo + ext_lo - 5, hi + 5)))
        notice_timely = (D(itm) * rng.uniform(0.2, 0.7, m)).astype(np.int64)
        notice_late = D(hi + rng.uniform(5, 12, m))
        late_notice_done = D(rng.uniform(hi + 15, np.maximum(lo + ext_lo - 5, hi + 15)))
        intime_done = (D(itm) * rng.uniform(0.1, 1.0, m)).astype(np.int64)
        need = np.select(
            [fault == "responded_late", fault == "paused", fault == "extended", fault == "extension_notice_late",
             fault == "open_late", fault == "open_in_time"],
            [lag_late, counted + pause, ext_done, late_notice_done, lag_late, np.zeros(m, np.int64)],
            intime_done) + DAY
        start = np.maximum(np.maximum(self.acc_created[acc] + HOUR, self.as_of - REQUEST_DAYS * DAY), valid_from)
        latest = self.end - need
        feasible = latest > start
        # not enough history for this shape: it becomes an ordinary in-time response
        fault[~feasible & (fault != "open_in_time")] = "none"
        need = np.where(feasible | (fault == "open_in_time"), need, D(itm) + DAY)
        latest = self.end - need
        fault[latest <= start] = "open_in_time"  # a rule only just in force: the request is still open
        received = _uniform_between(rng, start, np.maximum(latest, start + 1))
        # open in time: received within `in_time` days of as_of
        oit = fault == "open_in_time"
        received[oit] = self.as_of - (D(itm[oit]) * rng.uniform(0.05, 0.9, oit.sum())).astype(np.int64)
        ol = fault == "open_late"
        received[ol] = self.as_of - lag_late[ol] - D(rng.uniform(0, 5, ol.sum()))
        # weekend receipts drift to Monday (web forms are filled on weekdays)
        wd = ((received // DAY) + 3) % 7
        shift = np.where((wd >= 5) & (rng.random(m) < 0.5) & ~(oit | ol), (7 - wd) * DAY, 0)
        received = np.where(received + shift + need < self.end, received + shift, received)

        completed = received + intime_done
        id_req = np.full(m, 0, np.int64)
        id_ver = np.full(m, 0, np.int64)
        has_id = np.zeros(m, bool)
        notice = np.full(m, 0, np.int64)
        has_notice = np.zeros(m, bool)
        is_open = (fault == "open_in_time") | (fault == "open_late")
        f = fault == "responded_late"
        completed[f] = received[f] + lag_late[f]
        f = fault == "paused"
        has_id[f] = True
        id_req[f] = received[f] + ask[f]
        id_ver[f] = id_req[f] + pause[f]
        completed[f] = received[f] + counted[f] + pause[f]
        f = fault == "extended"
        has_notice[f] = True
        notice[f] = received[f] + notice_timely[f]
        completed[f] = received[f] + ext_done[f]
        f = fault == "extension_notice_late"
        has_notice[f] = True
        notice[f] = received[f] + notice_late[f]
        completed[f] = received[f] + late_notice_done[f]

        expected = np.where(is_open, np.where(fault == "open_late", "open_late", "open_in_time"),
                            np.where((fault == "responded_late") | (fault == "extension_notice_late"),
                                     "responded_late", "responded_in_time")).astype(object)
        types = np.array(p.request_types, dtype=object)[k]
        outcome_u = rng.random(m)
        deletion = types == "deletion"
        outcome = np.where(outcome_u < 0.86, "complied", np.where((outcome_u < 0.93) | deletion, "complied_in_part", "denied"))
        outcome = np.where((outcome == "denied") & deletion, "complied_in_part", outcome).astype(object)
        outcome[is_open] = None
        denial = np.where(outcome == "denied", rng.choice(
            ["manifestly unfounded", "identity could not be verified", "exemption: legal claims",
             "=HYPERLINK(\"https://example.invalid/appeal\",\"appeal\")"], size=m, p=[0.45, 0.35, 0.15, 0.05]),
            None).astype(object)
        reason = np.where(has_notice, rng.choice(["complex request", "numerous requests", "volume of data"], size=m),
                          None).astype(object)
        channel = rng.choice(len(CHANNELS), size=m, p=np.array(CHANNEL_WEIGHTS) / sum(CHANNEL_WEIGHTS))

        self.req_acc, self.req_received, self.req_completed = acc, received, completed
        self.req_open, self.req_types = is_open, types
        rid = _ids(f"req-{self.index:05d}-", 0, m, 7)
        # the denial as a contract category beside the free text (issue 16)
        category = {"manifestly unfounded": "manifestly_unfounded",
                    "identity could not be verified": "unverifiable",
                    "exemption: legal claims": "exemption"}
        denial_category = np.array([None if d is None else category.get(d, "other") for d in denial], dtype=object)
        self.requests_table = pa.table({
            "request_id": rid,
            "account_id": self.acc_ids.take(pa.array(acc)),
            "jurisdiction": _take(p.codes, j),
            "type": pa.array(types, pa.string()),
            "channel": _take(CHANNELS, channel),
            "received_at": _ts(received),
            "id_requested_at": _ts(id_req, has_id),
            "id_verified_at": _ts(id_ver, has_id),
            "extension_notified_at": _ts(notice, has_notice),
            "extension_reason": pa.array(reason, pa.string()),
            "completed_at": _ts(completed, ~is_open),
            "outcome": pa.array(outcome, pa.string()),
            "denial_reason": pa.array(denial, pa.string()),
            "extension_told_until": _ts(np.zeros(m, np.int64), np.zeros(m, bool)),
            "clarification_requested_at": _ts(np.zeros(m, np.int64), np.zeros(m, bool)),
            "clarification_received_at": _ts(np.zeros(m, np.int64), np.zeros(m, bool)),
            "denial_category": pa.array(denial_category, pa.string()),
        }, schema=SCHEMAS["requests"])
        fault_out = fault.copy()
        fault_out[fault == "open_in_time"] = "none"  # an open request in time is not a fault
        self.requests_truth = pa.table({
            "request_id": rid,
            "expected_class": pa.array(expected, pa.string()),
            "extended": pa.array(fault == "extended"),  # a valid extension: notice in time
            "extension_notice_late": pa.array(fault == "extension_notice_late"),
            "paused": pa.array(fault == "paused"),
            "fault": pa.array(fault_out, pa.string()),
            "extension_told_beyond_max": pa.array(np.zeros(m, bool)),
        }, schema=TRUTH_SCHEMAS["requests"])
        for name in names:
            c.faults["requests"][name] += int((fault == name).sum())
        for cls, cnt in zip(*np.unique(expected.astype(str), return_counts=True)):
            c.status["requests"][cls] += int(cnt)
        self._law_requests(c)

    def _law_requests(self, c: Counters):
        """Append the hand-shaped law cases (synth_law.request_cases) with their truth."""
        rows = synth_law.request_cases(self.p.law, self.as_of)
        if not rows:
            return
        n = len(rows)
        ids = _ids(f"req-{self.index:05d}-L", 0, n, 3)
        col = lambda k: [r.get(k) for r in rows]  # noqa: E731

        def stamps(k):
            vals = col(k)
            return _ts(np.array([v or 0 for v in vals], np.int64), np.array([v is not None for v in vals]))

        table = pa.table({
            "request_id": ids, "account_id": pa.nulls(n, pa.string()),
            "jurisdiction": pa.array(col("jurisdiction"), pa.string()),
            "type": pa.array(col("type"), pa.string()),
            "channel": pa.array(["email"] * n, pa.string()),
            "received_at": stamps("received_at"), "id_requested_at": stamps("id_requested_at"),
            "id_verified_at": stamps("id_verified_at"), "extension_notified_at": stamps("extension_notified_at"),
            "extension_reason": pa.array(col("extension_reason"), pa.string()),
            "completed_at": stamps("completed_at"), "outcome": pa.array(col("outcome"), pa.string()),
            "denial_reason": pa.array(col("denial_reason"), pa.string()),
            "extension_told_until": stamps("extension_told_until"),
            "clarification_requested_at": stamps("clarification_requested_at"),
            "clarification_received_at": stamps("clarification_received_at"),
            "denial_category": pa.array(col("denial_category"), pa.string()),
        }, schema=SCHEMAS["requests"])
        truth = pa.table({
            "request_id": ids,
            "expected_class": pa.array(col("expected_class"), pa.string()),
            "extended": pa.array(col("extended"), pa.bool_()),
            "extension_notice_late": pa.array(col("extension_notice_late"), pa.bool_()),
            "paused": pa.array(col("paused"), pa.bool_()),
            "fault": pa.array(col("fault"), pa.string()),
            "extension_told_beyond_max": pa.array(col("extension_told_beyond_max"), pa.bool_()),
        }, schema=TRUTH_SCHEMAS["requests"])
        self.requests_table = pa.concat_tables([self.requests_table, table])
        self.requests_truth = pa.concat_tables([self.requests_truth, truth])
        for r in rows:
            c.faults["requests"][r["fault"]] += 1
            c.status["requests"][r["expected_class"]] += 1

    # account deletion -------------------------------------------------
    def deletions(self):
        rng, n = self.rng, self.n
        deleted = np.zeros(n, bool)
        deleted_at = np.zeros(n, np.int64)
        # a completed deletion request closes the account (within two days)
        done = (self.req_types == "deletion") & ~self.req_open
        first_done = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first_done, self.req_acc[done], self.req_completed[done])
        has = first_done < np.iinfo(np.int64).max
        close = has & (rng.random(n) < 0.9)
        deleted[close] = True
        deleted_at[close] = np.minimum(first_done[close] + (rng.random(close.sum()) * 2 * DAY).astype(np.int64),
                                       self.end)
        # other accounts close on their own
        any_del_req = np.zeros(n, bool)
        any_del_req[self.req_acc[self.req_types == "deletion"]] = True
        other = ~deleted & ~any_del_req & (rng.random(n) < 0.2) & (self.acc_created + 30 * DAY < self.end)
        deleted[other] = True
        deleted_at[other] = _uniform_between(rng, self.acc_created[other] + 30 * DAY, self.end)
        self.deleted, self.deleted_at = deleted, deleted_at
        # the first deletion request of each account starts `deletion_requested` clocks
        first_req = np.full(n, np.iinfo(np.int64).max)
        dr = self.req_types == "deletion"
        np.minimum.at(first_req, self.req_acc[dr], self.req_received[dr])
        self.first_del_req = first_req
        self.accounts_table = pa.table({
            "account_id": self.acc_ids,
            "jurisdiction": _take(self.p.codes, self.acc_j),
            "created_at": _ts(self.acc_created),
            "deleted_at": _ts(deleted_at, deleted),
        }, schema=SCHEMAS["accounts"])

    # records + events -------------------------------------------------
    def records(self, c: Counters):
        rng, p, n = self.rng, self.p, self.n
        per = rng.integers(5, 16, size=n)
        acc = np.repeat(np.arange(n), per)
        m = len(acc)
        first_of_acc = np.zeros(m, bool)
        first_of_acc[np.concatenate([[0], np.cumsum(per)[:-1]])] = True
        cat = rng.choice(len(p.categories), size=m, p=p.category_weights)
        if "account_data" in p.categories:
            cat[first_of_acc] = p.categories.index("account_data")
        j = self.acc_j[acc]
        # each account's records are collected before it closes / asks for deletion
        stop = np.minimum(self.end, np.where(self.deleted[acc], self.deleted_at[acc], self.end))
        stop = np.minimum(stop, self.first_del_req[acc]) - HOUR
        begin = self.acc_created[acc]
        stop = np.maximum(stop, begin + 1)
        created = begin + ((stop - begin) * rng.random(m) ** 1.6).astype(np.int64)
        created[first_of_acc] = begin[first_of_acc]
        has_acc = np.ones(m, bool)
        # data held without an account: enquiries and marketing leads (account_id NULL)
        lead_cats = [p.categories.index(x) for x in LEAD_CATEGORIES if x in p.categories]
        n_leads = int(rng.binomial(n, LEAD_SHARE)) if lead_cats else 0
        if n_leads:
            acc = np.concatenate([acc, np.zeros(n_leads, np.int64)])
            cat = np.concatenate([cat, np.array(lead_cats)[rng.integers(0, len(lead_cats), n_leads)]])
            j = np.concatenate([j, rng.choice(len(p.codes), size=n_leads, p=p.code_weights)])
            created = np.concatenate([created, _seasonal_times(
                rng, n_leads, self.as_of - HISTORY_DAYS * DAY, self.as_of - 30 * DAY)])
            has_acc = np.concatenate([has_acc, np.zeros(n_leads, bool)])
            m += n_leads

        T = len(p.triggers)
        trig_time = np.full((m, T), -1, np.int64)
        slot = {t: i for i, t in enumerate(p.triggers)}
        has_rule = ~np.isnan(p.erase_lo[j, cat, :]) if T else np.zeros((m, 0), bool)
        event_rows = []
        for t, i in slot.items():
            if t == "account_deleted":
                on = has_rule[:, i] & self.deleted[acc] & has_acc
                trig_time[on, i] = self.deleted_at[acc][on]
            elif t == "deletion_requested":
                fdr = self.first_del_req[acc]
                on = has_rule[:, i] & (fdr < np.iinfo(np.int64).max) & has_acc
                trig_time[on, i] = fdr[on]
            elif t == "collected":
                on = has_rule[:, i]
                trig_time[on, i] = created[on]
            else:
                prob = EVENT_PROBABILITY.get(t, DEFAULT_EVENT_PROBABILITY)
                on = has_rule[:, i] & (rng.random(m) < prob)
                when = _uniform_between(rng, created, self.end)
                trig_time[on, i] = when[on]
                event_rows.append((t, np.flatnonzero(on), when[on]))
        triggered = trig_time >= 0
        any_trig = triggered.any(axis=1)
        lo = np.where(triggered, trig_time + (np.nan_to_num(p.erase_lo[j, cat, :]) * DAY).astype(np.int64),
                      np.iinfo(np.int64).max)
        hi = np.where(triggered, trig_time + (np.nan_to_num(p.erase_hi[j, cat, :]) * DAY).astype(np.int64),
                      np.iinfo(np.int64).min)
        d_min = lo.min(axis=1) if T else np.full(m, np.iinfo(np.int64).max)
        d_max = hi.max(axis=1) if T else np.full(m, np.iinfo(np.int64).min)
        t_first = np.where(triggered, trig_time, np.iinfo(np.int64).max).min(axis=1) if T else d_min

        has_min = ~np.isnan(p.retain_lo[j, cat])
        min_lo = created + (np.nan_to_num(p.retain_lo[j, cat]) * DAY).astype(np.int64)
        min_hi = created + (np.nan_to_num(p.retain_hi[j, cat]) * DAY).astype(np.int64)
        conflict = any_trig & has_min & (d_max < min_lo - MARGIN)
        clear = ~has_min | ~any_trig | (d_min > min_hi + MARGIN)
        ambiguous = ~conflict & ~clear

        u = rng.random(m)
        hold = (u < RECORD_RATES["legal_hold"]) | ambiguous
        past = any_trig & (d_max + MARGIN <= self.end) & ~conflict & ~ambiguous
        future = any_trig & (d_min - MARGIN >= self.as_of + DAY) & ~conflict & ~ambiguous
        a = RECORD_RATES["legal_hold"]
        late = past & ~hold & (u >= a) & (u < a + RECORD_RATES["erased_late"])
        a += RECORD_RATES["erased_late"]
        overdue = past & ~hold & (u >= a) & (u < a + RECORD_RATES["overdue"])
        c.eligible["records"]["legal_hold"] += m
        c.eligible["records"]["erased_late"] += int(past.sum())
        c.eligible["records"]["overdue"] += int(past.sum())

        # on-time erasure: well inside the strictest deadline (heavy-tailed lag, mostly quick)
        window = np.maximum(np.minimum(d_min, self.end) - t_first, 0)
        ontime_at = t_first + (window * 0.7 * rng.beta(1.1, 3.0, m)).astype(np.int64)
        late_at = d_max + MARGIN + (np.minimum(rng.lognormal(3.0, 0.9, m), 400) * DAY).astype(np.int64)
        late_at = np.where(late_at < self.end, late_at,
                           _uniform_between(rng, d_max + MARGIN, np.full(m, self.end)))
        keep_running = future & (rng.random(m) < 0.5)
        erase_ontime = any_trig & ~hold & ~late & ~overdue & ~keep_running & ~(conflict & (rng.random(m) < 0.4))
        erased = late | erase_ontime
        erased_at = np.where(late, late_at, ontime_at)

        status = np.full(m, "no_trigger", dtype=object)
        status[any_trig & erase_ontime] = "erased_on_time"
        status[keep_running] = "clock_running"
        status[overdue] = "overdue"
        status[late] = "erased_late"
        status[conflict] = "conflict"
        status[hold] = "on_legal_hold"
        erased &= ~hold
        fault = np.full(m, "none", dtype=object)
        fault[late] = "erased_late"
        fault[overdue] = "overdue"
        fault[hold] = "legal_hold"
        for name in ("legal_hold", "erased_late", "overdue"):
            c.faults["records"][name] += int((fault == name).sum())
        for cls, cnt in zip(*np.unique(status.astype(str), return_counts=True)):
            c.status["records"][cls] += int(cnt)

        names = sorted({s for x in p.categories for s in SYSTEMS.get(x, ("crm", "data-warehouse"))} | set(TAIL_SYSTEMS))
        sys_main = np.array([names.index(SYSTEMS.get(x, ("crm", "data-warehouse"))[0]) for x in p.categories])
        sys_alt = np.array([names.index(SYSTEMS.get(x, ("crm", "data-warehouse"))[1]) for x in p.categories])
        tail = np.array([names.index(x) for x in TAIL_SYSTEMS])
        su = rng.random(m)
        system = _take(names, np.where(su < 0.78, sys_main[cat], np.where(
            su < 0.93, sys_alt[cat], tail[rng.integers(0, len(tail), m)])))
        rec_ids = _ids(f"rec-{self.index:05d}-", 0, m, 8)
        self.records_table = pa.table({
            "record_id": rec_ids,
            "account_id": self.acc_ids.take(pa.array(np.where(has_acc, acc, -1), mask=~has_acc)),
            "category": _take(p.categories, cat),
            "system": system,
            "jurisdiction": _take(p.codes, j),
            "created_at": _ts(created),
            "erased_at": _ts(erased_at, erased),
            "legal_hold": pa.array(hold),
        }, schema=SCHEMAS["records"])
        self.records_truth = pa.table({
            "record_id": rec_ids,
            "expected_status": pa.array(status, pa.string()),
            "fault": pa.array(fault, pa.string()),
        }, schema=TRUTH_SCHEMAS["records"])
        if event_rows:
            ev_name = np.concatenate([np.full(len(ix), t, dtype=object) for t, ix, _ in event_rows])
            ev_rec = np.concatenate([ix for _, ix, _ in event_rows])
            ev_at = np.concatenate([w for _, _, w in event_rows])
            order = np.lexsort((ev_rec, ev_at))
            ev_name, ev_rec, ev_at = ev_name[order], ev_rec[order], ev_at[order]
        else:
            ev_name, ev_rec, ev_at = np.array([], object), np.array([], np.int64), np.array([], np.int64)
        self.events_table = pa.table({
            "event_id": _ids(f"evt-{self.index:05d}-", 0, len(ev_rec), 8),
            "subject_id": rec_ids.take(pa.array(ev_rec, pa.int64())),
            "event": pa.array(ev_name, pa.string()),
            "occurred_at": _ts(ev_at),
        }, schema=SCHEMAS["events"])
        self._boundary_record(c)

    def _boundary_record(self, c: Counters):
        """The retention-minimum boundary record (issue 16, synth_law.boundary_record): a lead
        whose erasure deadline falls between 30-day and calendar months of the minimum, with
        its event; appended after the random draws, so the rest of the sample is unchanged."""
        spec, p = self.p.retention_boundary, self.p
        if spec is None or spec[0] not in p.codes or spec[1] not in p.categories:
            return
        created, event_at, status = synth_law.boundary_record(spec, self.as_of)
        rid = pa.array([f"rec-{self.index:05d}-B0000001"], pa.string())
        self.records_table = pa.concat_tables([self.records_table, pa.table({
            "record_id": rid, "account_id": pa.nulls(1, pa.string()),
            "category": pa.array([spec[1]], pa.string()),
            "system": pa.array([SYSTEMS.get(spec[1], ("crm",))[0]], pa.string()),
            "jurisdiction": pa.array([spec[0]], pa.string()),
            "created_at": _ts(np.array([created])), "erased_at": _ts(np.array([0]), np.array([False])),
            "legal_hold": pa.array([False]),
        }, schema=SCHEMAS["records"])])
        self.records_truth = pa.concat_tables([self.records_truth, pa.table({
            "record_id": rid, "expected_status": pa.array([status], pa.string()),
            "fault": pa.array(["none"], pa.string()),
        }, schema=TRUTH_SCHEMAS["records"])])
        self.events_table = pa.concat_tables([self.events_table, pa.table({
            "event_id": pa.array([f"evt-{self.index:05d}-B0000001"], pa.string()), "subject_id": rid,
            "event": pa.array([spec[2]], pa.string()), "occurred_at": _ts(np.array([event_at])),
        }, schema=SCHEMAS["events"])])
        c.status["records"][status] += 1

    # transfers --------------------------------------------------------
    def transfers(self, c: Counters):
        rng, p = self.rng, self.p
        m = int(rng.poisson(self.n * 0.25))
        names = list(TRANSFER_RATES)
        edges = np.cumsum([TRANSFER_RATES[x] for x in names])
        slot = np.searchsorted(edges, rng.random(m), side="right")
        cls = np.array([*names, "declared"], dtype=object)[slot]
        # a class the policy makes impossible (no shape has it) falls back to 'declared'
        for name in names:
            pool = p.transfer_pool.get(name)
            c.eligible["transfers"][name] += m if pool else 0
            if not pool:
                cls[cls == name] = "declared"
        if "declared" not in p.transfer_pool:
            raise UserError("the policy declares no transfer the generator can reproduce as 'declared'")
        shape = np.empty(m, dtype=object)
        for name in [*names, "declared"]:
            idx = np.flatnonzero(cls == name)
            if len(idx) == 0:
                continue
            pool = p.transfer_pool[name]
            pick = rng.choice(len(pool), size=len(idx), p=p.transfer_weights[name])
            for i, k in zip(idx, pick):
                shape[i] = pool[k]
        # one undeclared_category transfer per chunk breaks the mechanism rule too (issue 16):
        # still undeclared_category (the category check comes first), so the rates hold
        first_cat = np.flatnonzero(cls == "undeclared_category")
        if len(first_cat) and p.transfer_both:
            shape[first_cat[0]] = p.transfer_both[self.index % len(p.transfer_both)]
        occurred = np.sort(_seasonal_times(rng, m, self.as_of - REQUEST_DAYS * DAY, self.end))
        count = np.maximum(1, rng.lognormal(4.5, 1.6, m)).astype(np.int64)
        size = (count * np.maximum(64, rng.lognormal(7.5, 1.0, m))).astype(np.int64)
        tid = _ids(f"trf-{self.index:05d}-", 0, m, 7)
        col = lambda i: [s[i] for s in shape]  # noqa: E731
        self.transfers_table = pa.table({
            "transfer_id": tid,
            "occurred_at": _ts(occurred),
            "source_jurisdiction": pa.array(col(0), pa.string()),
            "recipient": pa.array(col(1), pa.string()),
            "destination_country": pa.array(col(2), pa.string()),
            "category": pa.array(col(3), pa.string()),
            "record_count": pa.array(count, pa.int64()),
            "bytes": pa.array(size, pa.int64()),
            "mechanism": pa.array(col(4), pa.string()),
            "encrypted": pa.array(col(5), pa.bool_()),
        }, schema=SCHEMAS["transfers"])
        fault = np.where(cls == "declared", "none", cls).astype(object)
        self.transfers_truth = pa.table({
            "transfer_id": tid,
            "expected_classification": pa.array(cls, pa.string()),
            "fault": pa.array(fault, pa.string()),
        }, schema=TRUTH_SCHEMAS["transfers"])
        for name in names:
            c.faults["transfers"][name] += int((cls == name).sum())
        for k, cnt in zip(*np.unique(cls.astype(str), return_counts=True)):
            c.status["transfers"][k] += int(cnt)


# ------------------------------------------------------------------ the whole sample



OWN_NAMES = {f"{t}.parquet" for t in TABLES} | {"ground_truth", "manifest.json"}


def generate(
    out: str | Path,
    accounts: int,
    seed: int,
    as_of: str | date = "2026-10-31",
    chunk_size: int = 50_000,
    policy_con: duckdb.DuckDBPyConnection | None = None,
    policy_path: str | Path | None = None,
    force: bool = False,
    progress: bool | None = None,
) -> dict:
    """Write the sample to `out` (atomically: a temp folder renamed into place, manifest
    written last) and return the manifest."""
    if accounts < 1:
        raise UserError("--accounts must be at least 1")
    if chunk_size < 1:
        raise UserError("--chunk-size must be at least 1")
    try:
        as_of_d = as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of))
    except ValueError:
        raise UserError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise UserError(f"{out} exists and is not a folder")
        foreign = [x.name for x in out.iterdir() if x.name not in OWN_NAMES]
        if foreign and not force:
            raise UserError(f"{out} holds files that are not a sample ({', '.join(sorted(foreign)[:3])}); "
                            "choose another --out or pass --force to replace it")
    if policy_con is None:
        from ..paths import DEFAULT_POLICY
        policy_con = open_policy(policy_path or DEFAULT_POLICY)
    p = read_policy(policy_con)

    as_of_us = _to_us(as_of_d)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "ground_truth").mkdir(parents=True)
    counters = Counters()
    n_chunks = math.ceil(accounts / chunk_size)
    width = max(8, len(str(accounts)))
    writers = {}
    opts = dict(compression="zstd", compression_level=3, use_dictionary=True, write_statistics=True)
    try:
        for t in TABLES:
            writers[t] = pq.ParquetWriter(tmp / f"{t}.parquet", SCHEMAS[t], **opts)
        for t in TRUTH_SCHEMAS:
            writers["gt_" + t] = pq.ParquetWriter(tmp / "ground_truth" / f"{t}.parquet", TRUTH_SCHEMAS[t], **opts)
        show = sys.stderr.isatty() if progress is None else progress
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("synth"), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
                      TimeRemainingColumn(), disable=not show, transient=True) as bar:
            task = bar.add_task("synth", total=n_chunks)
            for i in range(n_chunks):
                n = min(chunk_size, accounts - i * chunk_size)
                ch = _Chunk(p, seed, i, i * chunk_size + 1, n, as_of_us, width)
                ch.accounts()
                ch.requests(counters)
                ch.deletions()
                ch.records(counters)
                ch.transfers(counters)
                for t in TABLES:
                    table = getattr(ch, f"{t}_table")
                    writers[t].write_table(table)
                    counters.rows[t] += table.num_rows
                for t in TRUTH_SCHEMAS:
                    writers["gt_" + t].write_table(getattr(ch, f"{t}_truth"))
                del ch
                bar.advance(task)
        for w in writers.values():
            w.close()
        writers.clear()
        files = sorted(x for x in tmp.rglob("*.parquet"))
        manifest = {
            "generator": "compliance-kit synth",
            "seed": seed,
            "accounts": accounts,
            "as_of": as_of_d.isoformat(),
            "chunk_size": chunk_size,
            "policy_id": p.policy_id,
            "rows": {t: counters.rows[t] for t in TABLES},
            "fault_rates": {"records": RECORD_RATES, "requests": REQUEST_RATES, "transfers": TRANSFER_RATES},
            "faults": {k: dict(sorted(v.items())) for k, v in sorted(counters.faults.items())},
            "eligible": {k: dict(sorted(v.items())) for k, v in sorted(counters.eligible.items())},
            "expected": {k: dict(sorted(v.items())) for k, v in sorted(counters.status.items())},
            "files": {x.relative_to(tmp).as_posix(): sha256_file(x) for x in files},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        # swap into place: the old folder (if any) leaves first, the complete one arrives whole
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        for w in writers.values():
            try:
                w.close()
            except Exception:  # noqa: BLE001 - cleanup after an error
                pass
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return manifest

"""The operational data contract as data: one place that says, per table and column, what
the loader accepts. docs/data-contract.md documents the same facts for people; the loader
generates its validation SQL from these definitions.

Allowed values that the policy defines (categories, jurisdictions, request types, trigger
events) are read from the policy tables of the store at load time, never listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column kinds: how a value is parsed and which checks apply.
ID = "id"          # text, trimmed, never empty
TEXT = "text"      # free text, kept verbatim (never evaluated: '=HYPERLINK(...)' stays a string)
TS = "ts"          # ISO 8601 timestamp WITH an offset or Z, stored as TIMESTAMPTZ in UTC
INT = "int"        # whole number (digits, optional sign), stored as BIGINT
BOOL = "bool"      # true/false, t/f, yes/no, y/n, 1/0 (any case)


@dataclass(frozen=True)
class Allowed:
    """Where the allowed values of a column come from."""

    reason: str          # quarantine reason when the value is not allowed
    subquery: str | None = None  # SELECT returning the allowed values (policy tables)
    values: tuple[str, ...] | None = None  # contract-defined enumeration (not policy facts)
    pattern: str | None = None   # regular expression the whole value must match
    source: str = ""     # for the docs


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool
    allowed: Allowed | None = None
    doc: str = ""
    # An optional column may be absent from a file: absent, every row reads NULL. Present,
    # it is checked like any other column. (Older files keep loading when the contract
    # gains a column; the header check still refuses unknown and repeated columns.)
    optional: bool = False


@dataclass(frozen=True)
class Order:
    """A logical-order check: `later` must not be before `earlier` (both timestamps)."""

    earlier: str
    later: str
    reason: str


@dataclass(frozen=True)
class Reference:
    column: str
    targets: tuple[tuple[str, str], ...]  # (table, key column): the value must exist in one of them
    reason: str
    # set: the value must name exactly one target row (found in two targets: this reason)
    ambiguous_reason: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple[Column, ...]
    orders: tuple[Order, ...] = ()
    non_negative: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def optional_column_names(self) -> list[str]:
        """Columns a file may leave out (absent = NULL in every row)."""
        return [c.name for c in self.columns if c.optional]


CATEGORY = Allowed("unknown_category", subquery="SELECT category_id FROM data_categories",
                   source="policy table `data_categories.category_id`")
JURISDICTION = Allowed("unknown_jurisdiction", subquery="SELECT code FROM jurisdictions",
                       source="policy table `jurisdictions.code`")
REQUEST_TYPE = Allowed("unknown_request_type", subquery="SELECT request_type FROM request_types",
                       source="policy table `request_types.request_type`")
EVENT = Allowed("unknown_event", subquery="SELECT trigger_event FROM retention_triggers",
                source="policy table `retention_triggers.trigger_event`")
# Recipients and destinations are checked for FORM only: a transfer to a recipient or a
# country the policy does not declare is a finding of the flows analysis, so it must load.
RECIPIENT = Allowed("bad_recipient_id", pattern=r"[a-z0-9][a-z0-9_.\-]*",
                    source="form only: lower-case id (`[a-z0-9][a-z0-9_.-]*`); compared with "
                           "`declared_transfers.recipient` by the flows analysis, not on load")
COUNTRY = Allowed("bad_country_code", pattern=r"[A-Z]{2}",
                  source="form only: ISO 3166 alpha-2 (two upper-case letters); compared with "
                         "`declared_transfers.destination_country` by the flows analysis")
MECHANISM = Allowed("bad_mechanism", pattern=r"[a-z0-9][a-z0-9_\-]*",
                    source="form only: lower-case id such as `consent`, `scc`, `adequacy`, `bcr`")
CHANNELS = ("web_form", "email", "portal", "phone", "post", "chat", "in_person", "other")
CHANNEL = Allowed("unknown_channel", values=CHANNELS, source="contract enumeration")
OUTCOMES = ("complied", "complied_in_part", "denied")
OUTCOME = Allowed("unknown_outcome", values=OUTCOMES, source="contract enumeration")
# Why a request was (partly) denied, as a category the analyses can count; the free-text
# `denial_reason` stays beside it. `unverifiable`: closed because the requester's identity
# could not be verified (the verification funnel counts these, docs/metrics-requests.md).
DENIAL_CATEGORIES = ("unverifiable", "exemption", "manifestly_unfounded", "excessive",
                     "no_data_held", "other")
DENIAL_CATEGORY = Allowed("unknown_denial_category", values=DENIAL_CATEGORIES, source="contract enumeration")

TABLES: tuple[Table, ...] = (
    Table(
        "accounts", "account_id",
        (
            Column("account_id", ID, True, doc="Unique account id."),
            Column("jurisdiction", ID, True, JURISDICTION, "Where the account holder is (most specific code known)."),
            Column("created_at", TS, True, doc="When the account was opened."),
            Column("deleted_at", TS, False, doc="When the account was deleted (starts `account_deleted` clocks); empty while it exists."),
        ),
        orders=(Order("created_at", "deleted_at", "deleted_before_created"),),
    ),
    Table(
        "records", "record_id",
        (
            Column("record_id", ID, True, doc="Unique record id (one stored item of the data inventory)."),
            Column("account_id", ID, False, doc="Owning account; empty for data held without an account (enquiries, leads)."),
            Column("category", ID, True, CATEGORY, "Retention category."),
            Column("system", TEXT, True, doc="System that holds the record (`billing-db`, `crm`, ...)."),
            Column("jurisdiction", ID, True, JURISDICTION, "Jurisdiction whose rules apply to the record."),
            Column("created_at", TS, True, doc="When the data was collected (`collected` clock)."),
            Column("erased_at", TS, False, doc="When the record was erased; empty while it is held."),
            Column("legal_hold", BOOL, True, doc="Held because applicable law requires it (suspends erasure)."),
        ),
        orders=(Order("created_at", "erased_at", "erased_before_created"),),
        references=(Reference("account_id", (("accounts", "account_id"),), "unknown_account"),),
    ),
    Table(
        "events", "event_id",
        (
            Column("event_id", ID, True, doc="Unique event id."),
            Column("subject_id", ID, True, doc="The record_id or account_id the event is about."),
            Column("event", ID, True, EVENT, "Trigger event that starts a retention clock."),
            Column("occurred_at", TS, True, doc="When it happened."),
        ),
        # An id that is both a record_id and an account_id would start the clock of that
        # record and of every record of that account: such an event is quarantined.
        references=(Reference("subject_id", (("records", "record_id"), ("accounts", "account_id")), "unknown_subject",
                              ambiguous_reason="ambiguous_subject"),),
    ),
    Table(
        "requests", "request_id",
        (
            Column("request_id", ID, True, doc="Unique request id."),
            Column("account_id", ID, False, doc="Account of the requester, if they have one."),
            Column("jurisdiction", ID, True, JURISDICTION, "Jurisdiction whose deadline applies."),
            Column("type", ID, True, REQUEST_TYPE, "Request type."),
            Column("channel", ID, True, CHANNEL, "How the request arrived."),
            Column("received_at", TS, True, doc="Receipt (the clock starts here unless the rule says identity verified)."),
            Column("id_requested_at", TS, False, doc="When identity information was asked for."),
            Column("id_verified_at", TS, False, doc="When identity was verified."),
            Column("extension_notified_at", TS, False, doc="When the requester was told of an extension; empty: not extended."),
            Column("extension_reason", TEXT, False, doc="Why it was extended (free text)."),
            Column("completed_at", TS, False, doc="Substantive response sent; empty while open."),
            Column("outcome", ID, False, OUTCOME, "Result; empty while open."),
            Column("denial_reason", TEXT, False, doc="Basis for a (partial) denial (free text)."),
            # Optional columns (issue 16): a file without them loads, every value NULL.
            Column("extension_told_until", TS, False,
                   doc="The date the requester was told the answer would come (with the extension notice); "
                       "the extended deadline is this date capped at the legal maximum. Empty: the legal maximum.",
                   optional=True),
            Column("clarification_requested_at", TS, False,
                   doc="When the controller asked the requester to clarify the request (UK stop-the-clock).",
                   optional=True),
            Column("clarification_received_at", TS, False,
                   doc="When the clarification arrived; empty while awaited.", optional=True),
            Column("denial_category", ID, False, DENIAL_CATEGORY,
                   "Why the request was (partly) denied, as a category: `unverifiable` = closed because "
                   "identity could not be verified.", optional=True),
        ),
        orders=(
            Order("received_at", "completed_at", "completed_before_received"),
            Order("id_requested_at", "id_verified_at", "verified_before_requested"),
            Order("clarification_requested_at", "clarification_received_at", "clarified_before_requested"),
            Order("received_at", "extension_told_until", "told_until_before_received"),
        ),
        references=(Reference("account_id", (("accounts", "account_id"),), "unknown_account"),),
    ),
    Table(
        "transfers", "transfer_id",
        (
            Column("transfer_id", ID, True, doc="Unique id of an observed transfer (batch)."),
            Column("occurred_at", TS, True, doc="When the data left."),
            Column("source_jurisdiction", ID, True, JURISDICTION, "Jurisdiction the data left from."),
            Column("recipient", ID, True, RECIPIENT, "Receiving party id."),
            Column("destination_country", ID, True, COUNTRY, "Country the data went to."),
            Column("category", ID, True, CATEGORY, "Category of the data sent."),
            Column("record_count", INT, True, doc="Number of records sent (>= 0)."),
            Column("bytes", INT, True, doc="Payload size in bytes (>= 0)."),
            Column("mechanism", ID, False, MECHANISM, "Transfer mechanism in place; empty: none."),
            Column("encrypted", BOOL, True, doc="Sent encrypted."),
        ),
        non_negative=("record_count", "bytes"),
    ),
)

TABLE_BY_NAME = {t.name: t for t in TABLES}
TABLE_NAMES = [t.name for t in TABLES]

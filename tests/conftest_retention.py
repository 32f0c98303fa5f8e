"""Hand-built stores for the retention tests: a small policy (the retention table's
account rules, the text's 10-day rules, a country overriding its bloc, Indonesia's
five-year minimum) and helpers to add accounts, records, events and requests.

Import from test files: `from conftest_retention import RetentionStore, retention_store`.
"""

from __future__ import annotations

import itertools

import pytest

from compliance_kit.store import connect, create_schema

CATEGORIES = [
    "account_data", "credit_card", "transaction_records", "photo_id", "usage_logs",
    "support_tickets", "incident_logs", "enquiry_data", "tech_support_enquiry",
    "promotional_contact", "marketing_data", "covid_program", "business_contact",
]

JURISDICTIONS = [
    ("GLOBAL", "Global", "global"), ("EEA", "European Economic Area", "bloc"),
    ("FR", "France", "country"), ("DE", "Germany", "country"), ("ID", "Indonesia", "country"),
    ("US", "United States", "country"), ("US-CA", "California", "subdivision"),
    ("KR", "Korea", "country"),
]
LINEAGE = [
    ("GLOBAL", "GLOBAL", 0), ("EEA", "EEA", 0), ("EEA", "GLOBAL", 1),
    ("FR", "FR", 0), ("FR", "EEA", 1), ("FR", "GLOBAL", 2),
    ("DE", "DE", 0), ("DE", "EEA", 1), ("DE", "GLOBAL", 2),
    ("ID", "ID", 0), ("ID", "GLOBAL", 1),
    ("US", "US", 0), ("US", "GLOBAL", 1),
    ("US-CA", "US-CA", 0), ("US-CA", "US", 1), ("US-CA", "GLOBAL", 2),
    ("KR", "KR", 0), ("KR", "GLOBAL", 1),
]

# (rule_id, rule_set, kind, category, jurisdiction, trigger, iso, months, days, hours, earliest_of)
RULES = [
    ("table_account_data", "retention_table", "erase_within", "account_data", "GLOBAL", "account_deleted", "P30D", 0, 30, 0, None),
    ("table_credit_card", "retention_table", "erase_within", "credit_card", "GLOBAL", "account_deleted", "P30D", 0, 30, 0, None),
    ("table_transaction_records", "retention_table", "erase_within", "transaction_records", "GLOBAL", "account_deleted", "P90D", 0, 90, 0, None),
    ("table_support_tickets", "retention_table", "erase_within", "support_tickets", "GLOBAL", "account_deleted", "PT24H", 0, 0, 24, None),
    ("table_usage_logs", "retention_table", "erase_within", "usage_logs", "GLOBAL", "account_deleted", "P30D", 0, 30, 0, None),
    ("table_enquiry_data", "retention_table", "erase_within", "enquiry_data", "GLOBAL", "enquiry_resolved", "P180D", 0, 180, 0, None),
    ("table_covid_program", "retention_table", "erase_within", "covid_program", "GLOBAL", "program_ended", "P90D", 0, 90, 0, None),
    ("text_deletion_requested", "retention_text", "erase_within", None, "GLOBAL", "deletion_requested", "P10D", 0, 10, 0, None),
    ("text_account_deleted", "retention_text", "erase_within", None, "GLOBAL", "account_deleted", "P10D", 0, 10, 0, None),
    ("text_registration_abandoned", "retention_text", "erase_within", None, "GLOBAL", "registration_abandoned", "P10D", 0, 10, 0, None),
    ("addendum_id_minimum", "addendum", "retain_minimum", None, "ID", "collected", "P5Y", 60, 0, 0, None),
    ("recipient_adyen", "recipient", "erase_within", "credit_card", "SG", "collected", "P7Y", 84, 0, 0, None),
]


class RetentionStore:
    """A store in `tmp_path` with the schema and a small policy; add operational rows."""

    def __init__(self, tmp_path, rules=RULES, lineage=LINEAGE):
        self.path = tmp_path / "retention.duckdb"
        self.con = connect(self.path)
        create_schema(self.con)
        self._ids = itertools.count(1)
        con = self.con
        con.executemany("INSERT INTO jurisdictions VALUES (?, ?, ?)", JURISDICTIONS)
        con.executemany("INSERT INTO jurisdiction_lineage VALUES (?, ?, ?)", lineage)
        con.executemany(
            "INSERT INTO data_categories VALUES (?, ?, ?, 'Data Retention', 'quote')",
            [(c, c.replace("_", " "), c) for c in CATEGORIES],
        )
        for rule in rules:
            self.add_rule(*rule)

    def add_rule(self, rule_id, rule_set, kind, category, jurisdiction, trigger, iso,
                 months, days, hours, earliest_of=None):
        self.con.execute(
            """INSERT INTO retention_rules (rule_id, rule_set, kind, category_id, jurisdiction,
               recipient, trigger_event, max_delay, delay_months, delay_days, delay_hours,
               earliest_of, legal_hold_exempt, exception, notes, source_section, source_quote)
               VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, true, NULL, NULL, 'Data Retention', 'quote')""",
            [rule_id, rule_set, kind, category, jurisdiction, trigger, iso, months, days, hours, earliest_of],
        )

    def account(self, jurisdiction="FR", created_at="2024-01-01 00:00:00+00", deleted_at=None,
                account_id=None) -> str:
        account_id = account_id or f"a{next(self._ids)}"
        self.con.execute("INSERT INTO accounts VALUES (?, ?, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ))",
                         [account_id, jurisdiction, created_at, deleted_at])
        return account_id

    def record(self, account_id, category="account_data", jurisdiction="FR", system="crm",
               created_at="2024-01-02 00:00:00+00", erased_at=None, legal_hold=False,
               record_id=None) -> str:
        record_id = record_id or f"r{next(self._ids)}"
        self.con.execute(
            "INSERT INTO records VALUES (?, ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), ?)",
            [record_id, account_id, category, system, jurisdiction, created_at, erased_at, legal_hold],
        )
        return record_id

    def event(self, subject_id, event, occurred_at) -> str:
        event_id = f"e{next(self._ids)}"
        self.con.execute("INSERT INTO events VALUES (?, ?, ?, CAST(? AS TIMESTAMPTZ))",
                         [event_id, subject_id, event, occurred_at])
        return event_id

    def request(self, account_id, received_at, type_="deletion", jurisdiction="FR") -> str:
        request_id = f"q{next(self._ids)}"
        self.con.execute(
            """INSERT INTO requests (request_id, account_id, jurisdiction, type, channel, received_at)
               VALUES (?, ?, ?, ?, 'web', CAST(? AS TIMESTAMPTZ))""",
            [request_id, account_id, jurisdiction, type_, received_at],
        )
        return request_id


@pytest.fixture
def retention_store(tmp_path):
    store = RetentionStore(tmp_path)
    yield store
    store.con.close()

"""Fixtures of the data area (imported by tests/test_data_*.py; the lead may wire them
into tests/conftest.py). A store with a small stand-in policy, and a tiny valid data set."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_kit.store import connect, create_schema

FIXTURES = Path(__file__).parent / "fixtures" / "data"
POLICY_ROWS = FIXTURES / "policy_rows.sql"

# A small valid data set, one CSV per table. Line numbers in the tests count the header as
# line 1, so the first data row is line 2.
VALID = {
    "accounts": """account_id,jurisdiction,created_at,deleted_at
acc-1,FR,2024-01-10T09:00:00Z,
acc-2,KR,2024-02-01T10:00:00+09:00,2025-03-01T00:00:00Z
acc-3,US-CA,2024-03-05T08:30:00-08:00,
""",
    "records": """record_id,account_id,category,system,jurisdiction,created_at,erased_at,legal_hold
rec-1,acc-1,account_data,crm,FR,2024-01-10T09:00:00Z,,false
rec-2,acc-2,credit_card,billing-db,KR,2024-02-02T00:00:00Z,2025-03-05T00:00:00Z,false
rec-3,,enquiry_data,crm,SG,2024-05-01T00:00:00Z,,true
""",
    "events": """event_id,subject_id,event,occurred_at
evt-1,rec-3,enquiry_resolved,2024-06-01T00:00:00Z
""",
    "requests": """request_id,account_id,jurisdiction,type,channel,received_at,id_requested_at,id_verified_at,extension_notified_at,extension_reason,completed_at,outcome,denial_reason
req-1,acc-1,FR,access,web_form,2024-06-01T10:00:00+02:00,,,,,2024-06-20T10:00:00+02:00,complied,
req-2,acc-2,KR,deletion,email,2025-02-20T00:00:00Z,2025-02-21T00:00:00Z,2025-02-22T00:00:00Z,,,,,
""",
    "transfers": """transfer_id,occurred_at,source_jurisdiction,recipient,destination_country,category,record_count,bytes,mechanism,encrypted
trf-1,2025-01-01T00:00:00Z,KR,adyen_sg,SG,credit_card,120,48000,consent,true
trf-2,2025-01-02T00:00:00Z,FR,shadow_analytics,RU,usage_logs,10,1000,,false
""",
}


def policy_store(db_path=":memory:"):
    """A store whose policy tables hold the stand-in policy rows (no operational data)."""
    con = connect(db_path)
    create_schema(con)
    con.execute(POLICY_ROWS.read_text(encoding="utf-8"))
    return con


def write_tables(folder: Path, tables: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in tables.items():
        path = folder / (name if "." in name else f"{name}.csv")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return folder


@pytest.fixture
def store():
    con = policy_store()
    yield con
    con.close()


@pytest.fixture
def valid_dir(tmp_path):
    return write_tables(tmp_path / "data", dict(VALID))

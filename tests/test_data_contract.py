"""The contract in code, the schema in SQL and the contract in docs say the same thing."""

from __future__ import annotations

import re
from pathlib import Path

from compliance_kit.data import contract

from conftest_data import policy_store

DOC = (Path(__file__).parent.parent / "docs" / "data-contract.md").read_text(encoding="utf-8")


def _section(table: str) -> str:
    start = DOC.index(f"\n### {table}")
    end = DOC.find("\n### ", start + 5)
    return DOC[start: end if end > 0 else None]


def test_every_column_is_documented_with_its_nullability():
    for t in contract.TABLES:
        text = _section(t.name)
        for c in t.columns:
            row = re.search(rf"^\| `{c.name}` \| (\w+) \| (yes|no) \|", text, re.M)
            assert row, f"{t.name}.{c.name} is not in docs/data-contract.md"
            assert (row.group(2) == "yes") == c.required, f"{t.name}.{c.name}"


def test_contract_matches_the_schema():
    con = policy_store()
    for t in contract.TABLES:
        cols = con.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = $t "
            "ORDER BY ordinal_position", {"t": t.name}).fetchall()
        assert [c for c, _ in cols] == t.column_names
        assert [n == "NO" for _, n in cols] == [c.required for c in t.columns], t.name


def test_every_quarantine_reason_is_documented():
    reasons = {"missing_value", "naive_timestamp", "unparseable_timestamp", "not_an_integer",
               "not_a_boolean", "negative_value", "duplicate_key"}
    for t in contract.TABLES:
        reasons |= {o.reason for o in t.orders} | {r.reason for r in t.references}
        reasons |= {c.allowed.reason for c in t.columns if c.allowed}
    missing = sorted(r for r in reasons if f"`{r}`" not in DOC)
    assert not missing

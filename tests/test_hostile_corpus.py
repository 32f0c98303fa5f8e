"""The hostile-input corpus (docs/hostile-inputs.md): every case of tests/hostile/cases.yaml
runs its command in this process, as the console script would, and must end with the exit
status and a message fragment it lists, never with a traceback. A case that loads data
must account for every row it read."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "hostile"))

import corpus  # noqa: E402

import duckdb  # noqa: E402

from compliance_kit.store import build_store  # noqa: E402
from conftest_data import VALID, write_tables  # noqa: E402

CASES = corpus.load_cases()


def test_the_corpus_covers_every_area_with_at_least_120_cases():
    areas = Counter(c.area for c in CASES)
    assert len(CASES) >= 120
    assert set(areas) == set(corpus.AREAS), areas
    assert all(n >= 10 for n in areas.values()), areas
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for c in CASES:
        assert c.id.startswith(c.area[:4]), c.id  # data-, policy-, param-, path-
        assert c.message.strip() and c.what.strip(), c.id


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """One store built from the small valid set: the `{store}` of every case that needs a
    built store but does not change it (run parameters, report paths)."""
    tmp = tmp_path_factory.mktemp("hostile-store")
    db = tmp / "compliance.duckdb"
    build_store(db, corpus.POLICY_DIR / "policy.yaml", data_dir=write_tables(tmp / "data", dict(VALID)))
    return db


def _accounting(db: Path) -> list[tuple]:
    """Tables whose rows read differ from rows loaded plus rows quarantined (none, when
    the load kept its invariant), and the quarantine table's own count per table."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("""
            SELECT l.table_name, l.rows_read, l.rows_loaded, l.rows_quarantined, coalesce(q.n, 0)
            FROM load_log l
            LEFT JOIN (SELECT table_name, count(*) AS n FROM quarantine GROUP BY ALL) q USING (table_name)
            WHERE l.rows_read <> l.rows_loaded + l.rows_quarantined OR l.rows_quarantined <> coalesce(q.n, 0)
        """).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(case, tmp_path, shared_store):
    outcome = corpus.run_case(case, tmp_path, store=shared_store)
    assert outcome.traceback is None, f"{case.id}: a traceback\n{outcome.traceback}"
    assert "Traceback (most recent call last)" not in outcome.output
    assert outcome.exit == case.exit, f"{case.id}: exit {outcome.exit}, expected {case.exit}\n{outcome.output[-2000:]}"
    said = re.sub(r"[ \t]+", " ", outcome.output)
    assert case.message in said, f"{case.id}: {case.message!r} not in\n{outcome.output[-2000:]}"
    if case.exit == 0 and case.argv[0] == "build":
        db = tmp_path / "store" / "compliance.duckdb"
        assert db.exists()
        assert _accounting(db) == []
    if case.exit != 0 and case.argv[0] == "build":
        assert not (tmp_path / "store" / "compliance.duckdb").exists(), "a failed build left a store"

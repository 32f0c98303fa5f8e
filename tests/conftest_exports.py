"""Export fixtures: a small synthetic sample built into a store (300 accounts, the bundled
policy), shared by the export tests. Import from test files:
`from conftest_exports import export_store, AS_OF`."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_kit.paths import DEFAULT_POLICY
from compliance_kit.store import build_store

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-10-31"


# California requests received in 2025 added to the sample (300 accounts hold few):
# (type, received, days to completion or None, outcome)
CA_REQUESTS_2025 = [
    ("access", "2025-02-03", 12, "complied"), ("access", "2025-03-10", 40, "complied_in_part"),
    ("portability", "2025-04-01", 20, "complied"), ("access", "2025-06-15", 9, "denied"),
    ("deletion", "2025-05-05", 6, "complied"), ("deletion", "2025-07-07", 30, "denied"),
    ("deletion", "2025-12-20", None, None), ("correction", "2025-08-08", 15, "complied"),
    ("opt_out", "2025-09-09", 3, "complied"), ("opt_out", "2025-10-10", 11, "complied"),
    ("restriction", "2025-11-11", 5, "complied"), ("objection", "2025-03-03", 8, "complied"),
]


def add_california_requests(data_dir: Path) -> None:
    import datetime as dt

    import polars as pl

    path = data_dir / "requests.parquet"
    existing = pl.read_parquet(path)
    template = existing.row(0, named=True)
    rows = []
    for i, (kind, received, days, outcome) in enumerate(CA_REQUESTS_2025):
        at = dt.datetime.fromisoformat(received + "T10:00:00+00:00")
        rows.append({**template, "request_id": f"req-ca-{i:03d}", "jurisdiction": "US-CA", "type": kind,
                     "received_at": at, "id_requested_at": None, "id_verified_at": None,
                     "extension_notified_at": None, "extension_reason": None,
                     "completed_at": None if days is None else at + dt.timedelta(days=days),
                     "outcome": outcome, "denial_reason": "unverified" if outcome == "denied" else None})
    pl.concat([existing, pl.DataFrame(rows, schema=existing.schema)]).write_parquet(path)


@pytest.fixture(scope="session")
def export_store(tmp_path_factory) -> Path:
    """The path of a store built from a 300-account synthetic sample (seed 18)."""
    from compliance_kit.data import synth

    base = tmp_path_factory.mktemp("export_sample")
    data_dir = base / "sample"
    synth.generate(data_dir, 300, seed=18, as_of=AS_OF, policy_path=ROOT / DEFAULT_POLICY, progress=False)
    add_california_requests(data_dir)
    db = base / "compliance.duckdb"
    build_store(db, ROOT / DEFAULT_POLICY, data_dir, echo=lambda *a, **k: None)
    return db

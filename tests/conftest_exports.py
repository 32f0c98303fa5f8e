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


@pytest.fixture(scope="session")
def export_store(tmp_path_factory) -> Path:
    """The path of a store built from a 300-account synthetic sample (seed 18)."""
    from compliance_kit.data import synth

    base = tmp_path_factory.mktemp("export_sample")
    data_dir = base / "sample"
    synth.generate(data_dir, 300, seed=18, as_of=AS_OF, policy_path=ROOT / DEFAULT_POLICY, progress=False)
    db = base / "compliance.duckdb"
    build_store(db, ROOT / DEFAULT_POLICY, data_dir, echo=lambda *a, **k: None)
    return db

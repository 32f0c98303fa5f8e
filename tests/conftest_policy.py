"""Policy-area fixtures and helpers (import them in tests/test_policy_*.py)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
POLICY_DIR = ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25"
POLICY_YAML = POLICY_DIR / "policy.yaml"
SOURCE_HTML = POLICY_DIR / "source.html"
CLI = ROOT / ".venv" / "bin" / "compliance-kit"
FIXTURES = ROOT / "tests" / "fixtures" / "policy"

# Every jurisdiction issue 2 names (addenda, the EEA/UK/Switzerland rights section,
# Japan/Korea/Macau for the access section) plus the root.
NAMED_JURISDICTIONS = [
    "GLOBAL", "KR", "US-CA", "BR", "CA", "EG", "FR", "IN", "ID", "JP", "MY", "PH", "SA",
    "SG", "TH", "TR", "AE", "VN", "EEA", "GB", "CH", "MO",
]


def raw_policy() -> dict:
    """The bundled policy YAML as plain data (a fresh copy each call)."""
    from compliance_kit.policy.spec import SpecLoader

    with open(POLICY_YAML, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=SpecLoader)  # noqa: S506 (SafeLoader subclass)


def write_spec(tmp_path: Path, raw: dict, name: str = "policy.yaml") -> Path:
    """Write a (mutated) spec to tmp_path, pointing at the bundled source page."""
    raw = copy.deepcopy(raw)
    raw["policy"]["source_file"] = str(SOURCE_HTML)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def policy_spec():
    from compliance_kit.policy.spec import load_spec

    return load_spec(POLICY_YAML)


@pytest.fixture(scope="session")
def policy_page():
    from compliance_kit.policy.extract import parse_page

    return parse_page(SOURCE_HTML)


@pytest.fixture(scope="session")
def policy_store(tmp_path_factory):
    """A store built from the bundled policy with compliance_kit.store.build_store."""
    from compliance_kit.store import build_store

    db = tmp_path_factory.mktemp("policy_store") / "compliance.duckdb"
    report = build_store(db, POLICY_YAML)
    return db, report

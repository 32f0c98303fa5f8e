"""Where things live by default, relative to the project root (the working directory)."""

from pathlib import Path

DEFAULT_POLICY = Path("data/policy/tencent-cloud/2022-05-25/policy.yaml")
DEFAULT_DB = Path("data/compliance.duckdb")
DEFAULT_SAMPLE = Path("data/sample")
DEFAULT_REPORTS = Path("reports")
NOTEBOOKS = Path("notebooks")

SQL_DIR = Path(__file__).parent / "sql"


def read_sql(name: str) -> str:
    """The text of lib/compliance_kit/sql/<name>: SQL lives in .sql files analysts can read."""
    return (SQL_DIR / name).read_text(encoding="utf-8")

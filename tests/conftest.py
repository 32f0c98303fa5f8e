"""Shared fixtures. Areas keep their own fixtures in tests/conftest_<area>.py, wired here."""

import os

from conftest_reports import TEST_KEYS

# Every run a test starts, in this process or a subprocess, keeps its pseudonymisation keys
# in a temporary key store: never in the project's .keys/ (docs/sharing.md).
os.environ["COMPLIANCE_KIT_KEYS"] = str(TEST_KEYS)

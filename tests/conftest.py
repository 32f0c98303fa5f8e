"""Shared fixtures. Areas keep their own fixtures in tests/conftest_<area>.py, wired here."""

import os

from conftest_reports import TEST_KEYS

# Every run a test starts, in this process or a subprocess, keeps its pseudonymisation keys
# in a temporary key store: never in the project's .keys/ (docs/sharing.md).
os.environ["COMPLIANCE_KIT_KEYS"] = str(TEST_KEYS)


def pytest_collection_modifyitems(config, items):
    """The scale-out module last: its cluster engine stops the shared local Spark session
    (pyspark allows no remote session beside a regular one) and its last test stops the
    cluster engine, so no other test may come after it, whatever order the files are given in."""
    def is_scale_out(item):
        return getattr(getattr(item, "module", None), "__name__", "") == "test_spark_scale_out"

    items[:] = ([item for item in items if not is_scale_out(item)]
                + [item for item in items if is_scale_out(item)])

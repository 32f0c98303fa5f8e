"""Shared fixtures. Areas keep their own fixtures in tests/conftest_<area>.py, wired here."""

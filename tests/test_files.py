"""compliance_kit.files: the file hash the loader records, computed beside the load."""

from __future__ import annotations

import hashlib

import pytest

from compliance_kit.files import sha256_file, sha256_file_started


def test_the_started_hash_is_the_files_hash(tmp_path):
    path = tmp_path / "f.bin"
    data = bytes(range(256)) * 9000  # more than one 1 MiB block
    path.write_bytes(data)
    assert sha256_file_started(path).result(timeout=60) == sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_a_failed_hash_raises_where_its_result_is_read(tmp_path):
    future = sha256_file_started(tmp_path / "missing.bin")
    with pytest.raises(FileNotFoundError):
        future.result(timeout=60)

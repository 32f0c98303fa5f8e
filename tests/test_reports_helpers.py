"""Library helpers the notebooks call: write_metrics, suppress_small_counts,
pseudonymise, resolve_db, validate_common."""

import json
import threading

import polars as pl
import pytest

from compliance_kit.errors import ParameterError, UserError
from compliance_kit.reports.metrics import write_metrics
from compliance_kit.reports.params import check_int, resolve_db, validate_common
from compliance_kit.privacy import pseudonymise, suppress_small_counts


def test_write_metrics_merges_sections(tmp_path):
    path = tmp_path / "metrics.json"
    write_metrics(path, "retention", {"overdue": 3, "rate": 0.25})
    write_metrics(path, "requests", {"late": 2, "label": "ok"})
    write_metrics(path, "retention", {"conflict": 1})
    assert json.loads(path.read_text()) == {
        "retention": {"overdue": 3, "rate": 0.25, "conflict": 1},
        "requests": {"late": 2, "label": "ok"},
    }
    assert not list(tmp_path.glob("*.tmp")), "temp files left behind"


def test_write_metrics_converts_numpy_and_polars_scalars(tmp_path):
    import numpy as np  # installed with pandas and pyarrow
    path = tmp_path / "m.json"
    df = pl.DataFrame({"n": [1, 2, 3]})
    write_metrics(path, "s", {"a": np.int64(4), "b": df["n"].sum(), "c": np.float64(0.5), "d": True})
    assert json.loads(path.read_text()) == {"s": {"a": 4, "b": 6, "c": 0.5, "d": 1}}


@pytest.mark.parametrize("figures", [{"x": [1, 2]}, {"x": {"y": 1}}, {"x": None}, {"x": float("nan")},
                                     {"bad key": 1}])
def test_write_metrics_rejects_non_scalars(tmp_path, figures):
    with pytest.raises((TypeError, ValueError)):
        write_metrics(tmp_path / "m.json", "s", figures)
    assert not (tmp_path / "m.json").exists()


def test_write_metrics_none_path_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert write_metrics(None, "s", {"a": 1}) is None
    assert list(tmp_path.iterdir()) == []


def test_write_metrics_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "m.json"
    threads = [threading.Thread(target=write_metrics, args=(path, f"s{i}", {"v": i})) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = json.loads(path.read_text())
    assert data == {f"s{i}": {"v": i} for i in range(12)}


def test_suppress_small_counts():
    df = pl.DataFrame({"cat": ["a", "b", "c", "d"], "n": [0, 4, 5, 120], "m": [7, None, 1, 9]})
    out = suppress_small_counts(df, ["n", "m"], 5)
    # counts 1..k-1 are hidden; zero singles out nobody and stays (docs/sharing.md)
    assert out["n"].to_list() == ["0", "<5", "5", "120"]
    assert out["m"].to_list() == ["7", None, "<5", "9"]
    assert out["cat"].to_list() == df["cat"].to_list()


def test_suppress_small_counts_rejects_bad_input():
    df = pl.DataFrame({"cat": ["a"], "n": [1]})
    with pytest.raises(ValueError):
        suppress_small_counts(df, ["n"], 0)
    with pytest.raises(KeyError):
        suppress_small_counts(df, ["missing"], 5)
    with pytest.raises(TypeError):
        suppress_small_counts(df, ["cat"], 5)


def test_pseudonymise_is_keyed_short_and_stable():
    s = pl.Series("id", ["ACC-1", "ACC-2", None, "ACC-1"])
    a = pseudonymise(s, salt="run-1")
    b = pseudonymise(s, salt="run-2")
    assert a.name == "id"
    assert a[0] == a[3] and a[0] != a[1] and a[2] is None
    assert all(len(v) == 12 and int(v, 16) >= 0 for v in a.drop_nulls())
    assert a[0] != b[0], "another salt must give another pseudonym"
    assert "ACC" not in "".join(a.drop_nulls())
    import hashlib
    assert a[0] != hashlib.sha256(b"ACC-1").hexdigest()[:12], "must be keyed, not a plain hash"


def test_pseudonymise_uses_the_run_salt(monkeypatch):
    monkeypatch.setenv("COMPLIANCE_KIT_PSEUDONYM_KEY", "abc")
    assert pseudonymise(["x"]) == pseudonymise(["x"], salt="abc")
    df = pl.DataFrame({"id": ["x"]})
    assert df.select(pseudonymise(pl.col("id")))["id"][0] == pseudonymise(["x"], salt="abc")[0]


def test_resolve_db(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPLIANCE_KIT_DB", raising=False)
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "notebooks").mkdir()
    db = root / "data" / "compliance.duckdb"
    db.write_bytes(b"")
    monkeypatch.chdir(root / "notebooks")
    assert resolve_db(None) == db.resolve()
    other = tmp_path / "other.duckdb"
    other.write_bytes(b"")
    monkeypatch.setenv("COMPLIANCE_KIT_DB", str(other))
    assert resolve_db(None) == other.resolve()
    assert resolve_db(str(db)) == db.resolve()
    with pytest.raises(UserError, match="no store"):
        resolve_db(str(tmp_path / "missing.duckdb"))
    monkeypatch.delenv("COMPLIANCE_KIT_DB")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match="compliance.duckdb"):
        resolve_db(None)


def test_validate_common():
    parsed = validate_common(as_of="2026-10-31", k=5, chart_renderer="svg")
    assert parsed["as_of"].isoformat() == "2026-10-31" and parsed["k"] == 5
    for bad, word in [({"as_of": "2026-02-30"}, "as_of"), ({"as_of": "31/10/2026"}, "as_of"),
                      ({"as_of": "2026-10-31", "k": 0}, "k"), ({"as_of": "2026-10-31", "k": "5"}, "k"),
                      ({"as_of": "2026-10-31", "k": True}, "k"),
                      ({"as_of": "2026-10-31", "chart_renderer": "vega"}, "chart_renderer")]:
        with pytest.raises(ParameterError, match=word):
            validate_common(**bad)
    with pytest.raises(ParameterError, match="window_days"):
        check_int("window_days", -1, minimum=1)

"""The engine against the synthetic sample's ground truth: on a generated sample built
into a store with the bundled policy, every record's verdict equals the generator's
expected status; every injected fault is found and nothing is flagged that was not
injected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from compliance_kit.analysis import retention as R
from compliance_kit.paths import DEFAULT_POLICY
from compliance_kit.store import build_store, connect

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / DEFAULT_POLICY
CLI = Path(sys.executable).parent / "compliance-kit"

# the retention fault the generator injects -> the status that must reveal it
FAULT_STATUS = {"erased_late": "erased_late", "overdue": "overdue", "legal_hold": "on_legal_hold"}
FLAGS = {"erased_late", "overdue"}  # the statuses that accuse us of a breach


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    if not POLICY.exists() or not CLI.exists():
        pytest.fail(f"needs the bundled policy ({POLICY}) and the compliance-kit command ({CLI})")
    folder = tmp_path_factory.mktemp("retention_sample")
    data = folder / "sample"
    subprocess.run([str(CLI), "synth", "--out", str(data), "--accounts", "300", "--seed", "11"],
                   check=True, capture_output=True, text=True, cwd=ROOT)
    db = folder / "store.duckdb"
    build_store(db, POLICY, data_dir=data)
    manifest = json.loads((data / "manifest.json").read_text())
    con = connect(db, read_only=True)
    got = R.record_status(con, manifest["as_of"])
    truth = pl.read_parquet(data / "ground_truth" / "records.parquet")
    yield {"con": con, "got": got, "truth": truth, "as_of": manifest["as_of"],
           "expected": manifest["expected"]["records"]}
    con.close()


def test_every_record_gets_its_expected_status(sample):
    got, truth = sample["got"], sample["truth"]
    assert got.height == truth.height
    both = truth.join(got.select("record_id", "status", "rule_id", "deadline"), on="record_id",
                      how="full", coalesce=True)
    mismatched = both.filter(pl.col("status").ne_missing(pl.col("expected_status")))
    assert mismatched.height == 0, f"{mismatched.height} records differ:\n{mismatched.head(20)}"


def test_every_injected_fault_is_found_and_nothing_else_is_flagged(sample):
    both = sample["truth"].join(sample["got"].select("record_id", "status"), on="record_id")
    injected = both.filter(pl.col("fault") != "none")
    assert injected.height > 0, "the sample injected no retention fault"
    assert set(injected["fault"]) <= set(FAULT_STATUS), f"unknown faults {set(injected['fault'])}"
    missed = injected.filter(pl.col("status") != pl.col("fault").replace_strict(FAULT_STATUS))
    assert missed.height == 0, f"faults not found:\n{missed}"
    false_alarms = both.filter(pl.col("status").is_in(FLAGS), pl.col("fault") == "none")
    assert false_alarms.height == 0, f"flagged without an injected fault:\n{false_alarms}"


def test_the_metric_cube_agrees_with_the_manifest(sample):
    run = R.evaluate(sample["con"], sample["as_of"])
    counts = dict(R.status_counts(run, "all").select("status", "n").iter_rows())
    expected = {k: v for k, v in sample["expected"].items() if v}
    assert {k: v for k, v in counts.items() if v} == expected
    figures = R.headline(run)
    assert figures["records_checked"] == sample["truth"].height
    assert figures["overdue"] == sample["expected"].get("overdue", 0)

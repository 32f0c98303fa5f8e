"""On synthetic samples, every transfer's classification equals the generator's ground
truth (ground_truth/transfers.parquet), and the roll-ups agree with it."""

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from compliance_kit.analysis import flows
from compliance_kit.store import build_store, connect

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25" / "policy.yaml"
CK = Path(sys.executable).parent / "compliance-kit"


@pytest.fixture(scope="module", params=[(300, 11), (2000, 7)], ids=lambda p: f"accounts{p[0]}-seed{p[1]}")
def sample(request, tmp_path_factory):
    accounts, seed = request.param
    base = tmp_path_factory.mktemp(f"flows_gt_{accounts}_{seed}")
    out = base / "sample"
    subprocess.run([str(CK), "synth", "--out", str(out), "--accounts", str(accounts),
                    "--seed", str(seed), "--policy", str(POLICY)],
                   check=True, cwd=ROOT, capture_output=True, text=True)
    db = base / "compliance.duckdb"
    build_store(db, POLICY, data_dir=out)
    con = connect(db, read_only=True)
    truth = pl.read_parquet(out / "ground_truth" / "transfers.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    yield con, truth, manifest
    con.close()


def test_every_transfer_classified_as_the_ground_truth(sample):
    con, truth, _ = sample
    got = flows.classify_transfers(con)
    assert got.height == truth.height > 0
    assert got["transfer_id"].n_unique() == got.height
    joined = truth.join(got.select("transfer_id", "classification", "flow_id", "rule_broken"),
                        on="transfer_id", how="full", coalesce=True)
    assert joined["classification"].null_count() == 0, "transfers missing from the analysis"
    assert joined["expected_classification"].null_count() == 0, "transfers missing from the truth"
    wrong = joined.filter(pl.col("classification") != pl.col("expected_classification"))
    assert wrong.height == 0, wrong.head(20)


def test_the_sample_exercises_every_class(sample):
    _, truth, _ = sample
    # Otherwise the test above could pass while checking nothing but 'declared'.
    assert set(truth["expected_classification"]) == set(flows.CLASSIFICATIONS)


def test_matched_flow_and_rule_are_consistent_with_the_class(sample):
    con, _, _ = sample
    got = flows.classify_transfers(con)
    matched = got["classification"].is_in(["missing_mechanism", "unencrypted", "declared"])
    assert got.filter(matched)["flow_id"].null_count() == 0
    assert got.filter(~matched)["flow_id"].null_count() == got.filter(~matched).height
    declared = got["classification"] == "declared"
    assert got.filter(declared)["rule_broken"].null_count() == got.filter(declared).height
    assert got.filter(~declared)["rule_broken"].null_count() == 0
    flow_ids = set(flows.declared_flows(con)["flow_id"])
    assert set(got["flow_id"].drop_nulls()) <= flow_ids


def test_rollups_agree_with_the_truth(sample):
    con, truth, _ = sample
    m = flows.metric_set(con)
    transfers = con.sql("SELECT transfer_id, record_count, bytes FROM transfers").pl()
    t = truth.join(transfers, on="transfer_id")
    expected = dict(t.group_by("expected_classification").len().iter_rows())
    got = dict(zip(m.breakdown["classification"], m.breakdown["transfers"]))
    assert got == {c: expected.get(c, 0) for c in flows.CLASSIFICATIONS}
    h = m.headline
    assert h["transfers"] == t.height
    assert h["records"] == t["record_count"].sum()
    assert h["bytes"] == t["bytes"].sum()
    declared = t.filter(pl.col("expected_classification") == "declared")
    assert h["share_declared_records"] == pytest.approx(declared["record_count"].sum() / t["record_count"].sum())
    assert h["share_declared_bytes"] == pytest.approx(declared["bytes"].sum() / t["bytes"].sum())
    assert h["undeclared_transfers"] == t.filter(pl.col("expected_classification").str.starts_with("undeclared")).height
    assert h["nonconforming_transfers"] == t.filter(
        pl.col("expected_classification").is_in(["missing_mechanism", "unencrypted"])).height
    assert m.volumes["records"].sum() == h["records"]
    assert m.findings["transfers"].sum() == h["undeclared_transfers"] + h["nonconforming_transfers"]


def test_as_of_of_the_sample_keeps_every_transfer(sample):
    con, truth, manifest = sample
    assert flows.metric_set(con, as_of=manifest["as_of"]).headline["transfers"] == truth.height

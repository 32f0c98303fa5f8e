"""On a synthetic sample, the engine's findings equal the generator's ground truth:
class per request (every request of the sample has a fixed deadline), and the extended,
late-notice and paused flags. The sample comes from `compliance-kit synth` and the real
policy (data/policy/...), loaded with compliance_kit.store.build_store."""

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from compliance_kit.analysis import requests as rq
from compliance_kit.paths import DEFAULT_POLICY
from compliance_kit.store import build_store, connect

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).parent / "compliance-kit"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("requests_gt") / "sample"
    subprocess.run([str(CLI), "synth", "--out", str(out), "--accounts", "300", "--seed", "11"],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    db = out.parent / "store.duckdb"
    build_store(db, ROOT / DEFAULT_POLICY, data_dir=out)
    as_of = json.loads((out / "manifest.json").read_text())["as_of"]
    con = connect(db, read_only=True)
    rq.prepare(con, as_of=as_of)
    truth = pl.read_parquet(out / "ground_truth" / "requests.parquet")
    yield con, truth, rq.statuses(con)
    con.close()


def test_every_request_is_analysed(sample):
    con, truth, status = sample
    assert truth.height > 0
    assert set(status["request_id"]) == set(truth["request_id"])


def fixed(truth, status):
    """The truth joined to the findings, for requests with a fixed deadline."""
    joined = truth.join(status, on="request_id", how="left", suffix="_found").sort("request_id")
    return joined.filter(pl.col("deadline_status") == "fixed")


def test_requests_without_a_fixed_deadline_are_explained(sample):
    # The generator draws requests for every (jurisdiction, type) with a fixed rule but does
    # not look at valid_from: a request received before its rule came into force (Vietnam's
    # rules apply from 2026-01-01) has no rule on its day of receipt. Anything else without a
    # fixed deadline would be an engine error.
    con, truth, status = sample
    other = status.filter(pl.col("deadline_status") != "fixed")
    for row in other.iter_rows(named=True):
        assert row["deadline_status"] == "no_rule", row
        later = con.sql(
            """SELECT count(*) FROM request_deadline_rules AS d
               JOIN jurisdiction_lineage AS l ON l.ancestor = d.jurisdiction AND l.code = $j
               WHERE d.request_type IN ($t, '*') AND d.valid_from > $day""",
            params={"j": row["jurisdiction"], "t": row["type"], "day": row["received_date"]},
        ).fetchall()[0][0]
        assert later > 0, row
    assert fixed(truth, status).height >= 0.9 * truth.height


def test_classes_equal_the_ground_truth(sample):
    _, truth, status = sample
    joined = fixed(truth, status)
    wrong = joined.filter(pl.col("class") != pl.col("expected_class"))
    assert wrong.height == 0, wrong.select("request_id", "jurisdiction", "type", "fault",
                                           "expected_class", "class", "due_date").to_dicts()
    # and the sample holds more than one class, so the comparison can fail
    assert truth["expected_class"].n_unique() > 1


@pytest.mark.parametrize("flag", ["extended", "extension_notice_late", "paused"])
def test_flags_equal_the_ground_truth(sample, flag):
    _, truth, status = sample
    joined = fixed(truth, status)
    wrong = joined.filter(pl.col(flag) != pl.col(f"{flag}_found"))
    assert wrong.height == 0, wrong.select("request_id", "fault", flag, f"{flag}_found").to_dicts()


def test_headline_counts_equal_the_truths_counts(sample):
    con, truth, status = sample
    head = rq.headline(con)
    measured = fixed(truth, status)
    counts = dict(measured.group_by("expected_class").len().iter_rows())
    for cls in rq.CLASSES:
        assert head[cls] == counts.get(cls, 0), cls
    assert head["received"] == measured.height
    assert head["no_fixed_deadline"] == truth.height - measured.height
    assert head["extension_notice_late"] == measured["extension_notice_late"].sum()

"""`compliance-kit export fides` / `import fides`: the mapping tables (data/fides/mapping.yaml)
against fideslang's taxonomy, the manifest against fideslang 3.1.4's schema, and the round
trip export -> import -> policy spec."""

from __future__ import annotations

import copy
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from compliance_kit.cli import cli
from compliance_kit.errors import PolicySpecError
from compliance_kit.exports import fides
from compliance_kit.exports.mapping import load_mapping
from compliance_kit.paths import DEFAULT_POLICY
from compliance_kit.policy.provenance import check_provenance, unfilled_fields
from compliance_kit.policy.spec import load_spec
from compliance_kit.policy.store import write_policy
from compliance_kit.store import create_schema

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / DEFAULT_POLICY


@pytest.fixture(scope="module")
def spec():
    return load_spec(POLICY)


@pytest.fixture(scope="module")
def con(spec):
    con = duckdb.connect(":memory:")
    create_schema(con)
    write_policy(con, spec, POLICY)
    yield con
    con.close()


@pytest.fixture(scope="module")
def manifest(con):
    return fides.export_manifest(con)


# ------------------------------------------------------------------ mapping tables

def test_every_mapping_target_is_in_fideslangs_taxonomy():
    mapping, keys = load_mapping(), fides.taxonomy_keys()
    assert mapping["fideslang_version"] == keys["fideslang_version"]
    assert set(mapping["data_uses"].values()) <= set(keys["data_use"])
    for targets in mapping["data_categories"].values():
        assert set(targets) <= set(keys["data_category"]), targets
    for targets in mapping["data_subjects"].values():
        assert set(targets) <= set(keys["data_subject"]), targets


def test_the_mapping_covers_the_bundled_policy_and_reads_back_unambiguously(spec):
    mapping = load_mapping()
    assert set(mapping["data_uses"]) == {p.id for p in spec.purposes}
    assert set(mapping["data_categories"]) == set(spec.category_ids())
    assert set(mapping["data_subjects"]) == set(spec.category_ids())
    sets = [tuple(sorted(v)) for v in mapping["data_categories"].values()]
    assert len(set(sets)) == len(sets), "two categories map to the same fideslang categories"
    assert all(fides._legal_basis(p.legal_basis, mapping) for p in spec.purposes)


# ------------------------------------------------------------------ export

def test_the_manifest_validates_against_fideslang(manifest):
    assert fides.validate_manifest(manifest) == []


def test_validation_catches_an_unknown_category_and_a_schema_error(manifest):
    broken = copy.deepcopy(manifest)
    broken["system"][0]["privacy_declarations"][0]["data_categories"].append("user.not_a_category")
    del broken["system"][1]["fides_key"]
    problems = fides.validate_manifest(broken)
    assert any("user.not_a_category" in p for p in problems)
    assert any("fides_key" in p for p in problems)


def test_declarations_map_purposes_to_uses_categories_subjects_and_iso_retention(manifest, spec):
    mapping = load_mapping()
    (main,) = [s for s in manifest["system"] if "Controller" in s["responsibility"]]
    table = {r.category: r.max_delay for r in spec.retention_rules if r.rule_set == "retention_table"}
    declarations = {d["name"]: d for d in main["privacy_declarations"]}
    assert set(declarations) == {p.id for p in spec.purposes}
    for p in spec.purposes:
        d = declarations[p.id]
        assert d["data_use"] == mapping["data_uses"][p.id]
        assert d["data_categories"] == mapping["data_categories"][p.category]
        assert d["data_subjects"] == mapping["data_subjects"][p.category]
        assert d["retention_period"] == table[p.category]          # ISO 8601, e.g. P30D
    recipients = {t.recipient for t in spec.transfers if t.recipient != "*"} | {p.id for p in spec.processors}
    assert {f["fides_key"] for f in main["egress"]} == recipients
    assert main["legal_basis_for_transfers"] == ["Consent", "SCCs"]


# ------------------------------------------------------------------ import and round trip

@pytest.fixture(scope="module")
def imported(manifest, tmp_path_factory):
    spec_dict, unmapped = fides.import_manifest(manifest)
    path = tmp_path_factory.mktemp("fides") / "policy.yaml"
    path.write_text(fides.skeleton_yaml(spec_dict, unmapped, "manifest.yml"), encoding="utf-8")
    return load_spec(path), unmapped, path


def test_round_trip_keeps_what_maps(imported, spec):
    back, _, _ = imported
    assert {c.id for c in back.categories} == set(spec.category_ids())
    assert {(p.id, p.category) for p in back.purposes} == {(p.id, p.category) for p in spec.purposes}
    table = {(r.category, r.trigger, r.max_delay) for r in spec.retention_rules if r.rule_set == "retention_table"}
    assert {(r.category, r.trigger, r.max_delay) for r in back.retention_rules} == table

    def flows(s):
        return {(t.id, t.source_scope, t.recipient, t.destination, t.mechanism, t.encrypted_required,
                 tuple(sorted(s.transfer_categories(t)))) for t in s.transfers}

    assert flows(back) == flows(spec)
    assert {(p.id, p.jurisdiction) for p in back.processors} == {(p.id, p.jurisdiction) for p in spec.processors}
    assert back.controllers[0].entity in {c.entity for c in spec.controllers}


def test_round_trip_lists_what_does_not_map(imported):
    _, unmapped, path = imported
    assert any("request deadlines" in u for u in unmapped)
    assert any("modules" in u for u in unmapped)
    head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert all(f"# - {u}" in head for u in unmapped)


def test_an_unknown_category_set_is_listed_not_guessed(manifest):
    changed = copy.deepcopy(manifest)
    changed["system"][0]["privacy_declarations"][0]["data_categories"] = ["user.contact.email"]
    spec_dict, unmapped = fides.import_manifest(changed)
    assert spec_dict["purposes"][0]["category"] is None
    assert any("match no category" in u for u in unmapped)


def test_policy_check_refuses_the_skeleton_until_every_todo_is_filled(imported, tmp_path):
    back, _, path = imported
    todo = unfilled_fields(back)
    assert "policy.source.quote" in todo and "purposes[0].source.quote" in todo
    assert f"# {len(todo)} values read 'TODO" in path.read_text(encoding="utf-8")
    with pytest.raises(PolicySpecError, match=r"fields still read 'TODO'"):
        check_provenance(back)
    result = CliRunner().invoke(cli, ["policy", "check", "--policy", str(path)])
    assert result.exit_code != 0 and "TODO" in str(result.exception)
    assert unfilled_fields(load_spec(POLICY)) == []   # a filled spec passes this step


def test_cli_round_trip(tmp_path):
    db = tmp_path / "store.duckdb"
    disk = duckdb.connect(str(db))
    create_schema(disk)
    write_policy(disk, load_spec(POLICY), POLICY)
    disk.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "fides", "--out", str(tmp_path / "m.yml"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert fides.validate_manifest(yaml.safe_load((tmp_path / "m.yml").read_text())) == []
    result = runner.invoke(cli, ["import", "fides", str(tmp_path / "m.yml"), "--out", str(tmp_path / "p.yaml")])
    assert result.exit_code == 0, result.output
    assert "did not map" in result.output
    assert unfilled_fields(load_spec(tmp_path / "p.yaml"))

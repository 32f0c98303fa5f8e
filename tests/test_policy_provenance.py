"""Provenance: every quote is on the page, every table row is encoded exactly once, and
changing ANY quote of the spec makes the check fail naming that row."""

import subprocess

import pytest

from compliance_kit.errors import PolicySpecError
from compliance_kit.policy.provenance import check_provenance
from compliance_kit.policy.spec import load_spec

from conftest_policy import CLI, POLICY_YAML, policy_page, raw_policy, write_spec  # noqa: F401


def test_bundled_spec_passes(policy_page):
    spec = load_spec(POLICY_YAML)
    report = check_provenance(spec, policy_page)
    assert report.tables == {"how_we_use": 14, "data_retention": 13, "kr_delegatees": 4, "kr_overseas": 5}
    assert report.rows_checked == len(list(spec.sourced_rows()))


def _mutated(quote: str) -> str:
    """A small edit a reviewer could miss: one character changed in the middle."""
    mid = len(quote) // 2
    ch = quote[mid]
    return quote[:mid] + ("x" if ch != "x" else "y") + quote[mid + 1:]


def test_mutating_any_quote_fails_naming_that_row(policy_page):
    spec = load_spec(POLICY_YAML)
    rows = list(spec.sourced_rows())
    assert len(rows) > 150
    for collection, index, row_id, src in rows:
        original = src.quote
        src.quote = _mutated(original)
        try:
            with pytest.raises(PolicySpecError) as info:
                check_provenance(spec, policy_page)
        finally:
            src.quote = original
        msg = str(info.value)
        label = collection if index is None else f"{collection}[{index}]"
        assert f": {label}" in msg, msg
        assert repr(row_id) in msg, msg
        assert "source.quote" in msg or "phrase" in msg or "verbatim" in msg, msg
    check_provenance(spec, policy_page)  # every quote restored: passes again


def test_quote_from_another_section_is_refused(policy_page):
    spec = load_spec(POLICY_YAML)
    spec.modules[0].source.section = "Data Retention"
    with pytest.raises(PolicySpecError, match=r"modules\[0\].*source.quote.*occurs elsewhere"):
        check_provenance(spec, policy_page)


def test_unknown_section_is_refused(policy_page):
    spec = load_spec(POLICY_YAML)
    spec.parts[1].source.section = "NORTH KOREA"
    with pytest.raises(PolicySpecError, match=r"parts\[1\] \(id 'addendum_kr'\): field 'source.section'"):
        check_provenance(spec, policy_page)


def test_undeclared_table_is_refused(policy_page):
    spec = load_spec(POLICY_YAML)
    del spec.tables[3]
    with pytest.raises(PolicySpecError, match=r"table 4 of the page .*Overseas Transfer.* not declared"):
        check_provenance(spec, policy_page)


def test_verbatim_field_checked_against_its_row(policy_page):
    spec = load_spec(POLICY_YAML)
    spec.transfers[0].recipient_retention = "5 years"
    with pytest.raises(PolicySpecError, match=r"transfers\[0\] \(id 'kr_adyen_sg'\): field 'recipient_retention'"):
        check_provenance(spec, policy_page)


def test_changed_quote_in_the_yaml_fails_the_cli(tmp_path):
    raw = raw_policy()
    raw["retention_rules"][7]["source"]["quote"] = raw["retention_rules"][7]["source"]["quote"].replace("180", "120")
    path = write_spec(tmp_path, raw)
    out = subprocess.run([str(CLI), "policy", "check", "--policy", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "retention_rules[7] (id 'ret_enquiry_data')" in out.stderr


def test_module_name_must_be_in_its_quote(policy_page):
    spec = load_spec(POLICY_YAML)
    spec.modules[4].name = "Anti-DDoS Basic"
    with pytest.raises(PolicySpecError, match=r"modules\[4\] \(number '5'\): field 'name'"):
        check_provenance(spec, policy_page)

"""The policy spec loads, and every kind of bad input gives one clear error naming the
file, the row and the field, both from the library and from the CLI (no traceback)."""

import subprocess

import pytest

from compliance_kit.errors import PolicySpecError, UserError
from compliance_kit.policy.provenance import check_provenance
from compliance_kit.policy.spec import load_spec

from conftest_policy import CLI, NAMED_JURISDICTIONS, POLICY_YAML, policy_spec, raw_policy, write_spec  # noqa: F401


def test_bundled_spec_loads(policy_spec):
    s = policy_spec
    assert s.policy.id == "tencent-cloud/2022-05-25"
    assert len(s.purposes) == 14
    assert [c.id for c in s.categories] == [
        "account_data", "credit_card", "transaction_records", "photo_id", "usage_logs",
        "support_tickets", "incident_logs", "enquiry_data", "tech_support_enquiry",
        "promotional_contact", "marketing_data", "covid_program", "business_contact",
    ]
    table_rules = [r for r in s.retention_rules if r.rule_set == "retention_table"]
    assert [r.category for r in table_rules] == [c.id for c in s.categories]
    assert len(s.processors) == 4
    assert len([t for t in s.transfers if t.source_scope == "KR"]) == 5
    assert len(s.modules) == 39
    assert {r.jurisdiction for r in s.jurisdiction_rules} >= set(NAMED_JURISDICTIONS)
    eea = [j.code for j in s.jurisdictions if "EEA" in j.parents]
    assert len(eea) == 30 and "NO" in eea  # Norway stays a string, not YAML 1.1 `false`


def test_retention_rows_as_the_issue_reads_them(policy_spec):
    rules = {r.id: r for r in policy_spec.retention_rules}
    assert (rules["ret_support_tickets"].trigger, rules["ret_support_tickets"].max_delay) == ("account_deleted", "PT24H")
    assert rules["ret_enquiry_data"].trigger == "enquiry_resolved"
    assert rules["ret_enquiry_data"].max_delay == "P180D"
    assert rules["ret_enquiry_data"].exception == "consent_to_retain"
    assert (rules["ret_marketing_data"].trigger, rules["ret_marketing_data"].max_delay) == ("marketing_opt_out", "P0D")
    assert "no grace period" in rules["ret_marketing_data"].notes
    assert (rules["ret_covid_program"].trigger, rules["ret_covid_program"].max_delay) == ("program_ended", "P90D")
    text = {r.trigger: r.max_delay for r in policy_spec.retention_rules if r.rule_set == "retention_text"}
    assert text == {"deletion_requested": "P10D", "account_deleted": "P10D", "registration_abandoned": "P10D"}
    indo = rules["ret_id_minimum"]
    assert (indo.kind, indo.jurisdiction, indo.trigger, indo.max_delay) == ("retain_minimum", "ID", "collected", "P5Y")
    fz = [r for r in policy_spec.retention_rules if r.recipient == "frensworkz"]
    assert len(fz) == 2 and len({r.earliest_of for r in fz}) == 1 and fz[0].earliest_of
    assert rules["ret_rcpt_image_frame_sms"].trigger == "message_sent"
    assert rules["ret_rcpt_salesforce"].trigger == "contract_terminated"


def test_statute_rows_are_marked(policy_spec):
    statute = [d for d in policy_spec.request_deadlines if d.basis == "statute"]
    assert statute and all(d.citation and d.source is None for d in statute)
    assert all(d.source is not None for d in policy_spec.request_deadlines if d.basis == "policy")
    eg = [d for d in statute if d.jurisdiction == "EG"]
    assert eg and all(d.confidence == "low" for d in eg)


# --- bad input ------------------------------------------------------------------------
def _del(path):
    def f(raw):
        *head, last = path
        node = raw
        for k in head:
            node = node[k]
        del node[last]
    return f


def _set(path, value):
    def f(raw):
        *head, last = path
        node = raw
        for k in head:
            node = node[k]
        node[last] = value
    return f


BAD = {
    # case: (mutation, fragments the one-line message must contain)
    "missing_field": (_del(["retention_rules", 5, "trigger"]),
                      ["retention_rules[5]", "'ret_support_tickets'", "field 'trigger'", "missing"]),
    "unknown_trigger": (_set(["retention_rules", 2, "trigger"], "account_closed"),
                        ["retention_rules[2]", "'ret_transaction_records'", "field 'trigger'", "unknown trigger 'account_closed'"]),
    "unparseable_duration": (_set(["retention_rules", 0, "max_delay"], "thirty days"),
                             ["retention_rules[0]", "'ret_account_data'", "field 'max_delay'", "ISO 8601"]),
    "unparseable_phrase": (_set(["retention_rules", 1, "phrase"], "thirty (31) days"),
                           ["retention_rules[1]", "'ret_credit_card'", "field 'phrase'", "disagree"]),
    "duplicate_id": (_set(["purposes", 1, "id"], "use_account"),
                     ["purposes[1]", "'use_account'", "field 'id'", "duplicate"]),
    "unknown_category": (_set(["purposes", 0, "category"], "acount_data"),
                         ["purposes[0]", "'use_account'", "field 'category'", "unknown category 'acount_data'"]),
    "unknown_jurisdiction": (_set(["transfers", 5, "source_scope"], "XX"),
                             ["transfers[5]", "'eea_cn_scc'", "field 'source_scope'", "unknown jurisdiction 'XX'"]),
    "unknown_field": (_set(["categories", 0, "nmae"], "Account"),
                      ["categories[0]", "'account_data'", "field 'nmae'", "unknown field"]),
    "not_a_boolean": (_set(["purposes", 4, "mandatory"], "yes"),
                      ["purposes[4]", "'use_transactions'", "field 'mandatory'", "valid boolean"]),
    "not_a_number": (_set(["jurisdiction_rules", 7, "minimum_age"], "eighteen"),
                     ["jurisdiction_rules[7]", "'BR'", "field 'minimum_age'", "integer"]),
    "statute_without_citation": (_del(["request_deadlines", 6, "citation"]),
                                 ["request_deadlines[6]", "'dl_eea_statute'", "field 'citation'", "required when basis is 'statute'"]),
    "quote_not_found": (_set(["processors", 1, "source", "quote"], "Image Frame Investment (HK) Limited SMS Sendings"),
                        ["processors[1]", "'image_frame_hk'", "field 'source.quote'", "not found"]),
    "table_row_unencoded": (_del(["processors", 3]),
                            ["tables[2]", "'kr_delegatees'", "field 'encoded_by'", "row 4", "Third Party Resellers"]),
    "table_row_encoded_twice": (_set(["purposes", 1, "source", "quote"], "Location, Name, Email Address, IP Address"),
                                ["purposes[1]", "'use_verification_contact'", "field 'source.quote'", "more than once"]),
}


def _check(path):
    spec = load_spec(path)
    check_provenance(spec)


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_file_row_and_field(case, tmp_path):
    mutate, fragments = BAD[case]
    raw = raw_policy()
    mutate(raw)
    path = write_spec(tmp_path, raw, f"{case}.yaml")
    with pytest.raises(PolicySpecError) as info:
        _check(path)
    msg = str(info.value)
    assert isinstance(info.value, UserError)
    assert "\n" not in msg
    assert msg.startswith(f"{path}:"), msg  # the file, with the line of the row
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"


@pytest.mark.parametrize("case", sorted(BAD))
def test_cli_check_bad_input_one_line_no_traceback(case, tmp_path):
    mutate, fragments = BAD[case]
    raw = raw_policy()
    mutate(raw)
    path = write_spec(tmp_path, raw, f"{case}.yaml")
    out = subprocess.run([str(CLI), "policy", "check", "--policy", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr + out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert str(path) in lines[0] and fragments[0] in lines[0] and fragments[2] in lines[0]


def test_cli_check_good_spec_prints_counts():
    out = subprocess.run([str(CLI), "policy", "check", "--policy", str(POLICY_YAML)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "processing_purposes 14" in out.stdout and "modules 39" in out.stdout
    assert "how_we_use 14 rows" in out.stdout and "kr_overseas 5 rows" in out.stdout
    assert "minimum_vs_erasure" in out.stdout and "different_erasure_delays" in out.stdout


@pytest.mark.parametrize("text, fragment", [
    ("spec_version: 1\npolicy: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "a YAML mapping"),
])
def test_not_a_spec(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicySpecError, match=fragment) as info:
        load_spec(path)
    assert str(path) in str(info.value)


def test_missing_file():
    with pytest.raises(PolicySpecError, match="no such policy spec file"):
        load_spec("/nonexistent/policy.yaml")


@pytest.mark.parametrize("text, fragment", [
    ("spec_version: 1\n", "(top level): field 'policy': missing"),
    ("spec_version: 2\npolicy: {}\njurisdictions: []\n", "(top level): field 'spec_version'"),
])
def test_top_level_mistakes(tmp_path, text, fragment):
    path = tmp_path / "top.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicySpecError) as info:
        load_spec(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_hierarchy_cycle_is_refused(tmp_path):
    raw = raw_policy()
    raw["jurisdictions"][1]["parents"] = ["FR"]  # EEA under France, France under EEA
    path = write_spec(tmp_path, raw)
    with pytest.raises(PolicySpecError, match=r"jurisdictions: field 'parents': .*cycle"):
        load_spec(path)

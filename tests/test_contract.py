"""Parameter contracts (compliance_kit.contract): every parameter of every report, declared
once, is checked before any kernel starts, through -p and through a schedule job; the
notebooks check with the same call; jurisdiction codes mean the same in every analysis;
"the end of the as-of day" has one definition; `compliance-kit params` prints the contracts
and the README's tables are its output.

The bad values are derived from each parameter's kind, so a parameter added to a contract
is covered here without touching this file (a new kind fails `bad_values` until it has a
case)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from compliance_kit.analysis import CONTRACTS, REPORTS
from compliance_kit.analysis import flows
from compliance_kit.analysis import requests as rq
from compliance_kit.analysis import retention as R
from compliance_kit.contract import (AsOf, AsOfDate, Choice, CodeList, Codes, Integer, OptionalDate,
                                     StoreLookup, Text)
from compliance_kit.errors import ParameterError, UserError
from compliance_kit.paths import SQL_DIR
from compliance_kit.reports import runner
from compliance_kit.reports.inspect import RUNNER_PARAMETERS, inspect_parameters
from compliance_kit.store import connect
from conftest_reports import ROOT, run_cli

DEMO_STORE = ROOT / "data" / "compliance.duckdb"
NOTEBOOKS = ROOT / "notebooks"
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def store():
    con = connect(DEMO_STORE, read_only=True)
    yield con
    con.close()


# --------------------------------------------------------------------------- the as-of day

def test_the_end_of_the_as_of_day_is_the_next_midnight_utc_exclusive():
    day = AsOf.parse("2026-10-31")
    assert day.day == dt.date(2026, 10, 31) and str(day) == "2026-10-31"
    assert day.end == dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    assert day.end_us == 1793491200000000
    assert AsOf.parse(dt.date(2024, 2, 28)).end == dt.datetime(2024, 2, 29, tzinfo=dt.timezone.utc)
    assert AsOf.parse(dt.date(2024, 12, 31)).end.year == 2025
    assert AsOf.parse(day) is day
    today = dt.datetime.now(dt.timezone.utc).date()
    assert AsOf.parse("today").day == today and AsOf.parse(" Yesterday ").day == today - dt.timedelta(days=1)


@pytest.mark.parametrize("bad", ["2026-10-32", "20261031", "2026-1-5", "31/10/2026", "", None, 20261031,
                                 dt.datetime(2026, 10, 31, 12)])
def test_as_of_refuses_what_is_not_a_day(bad):
    with pytest.raises(ParameterError, match="parameter as_of must be a date written YYYY-MM-DD"):
        AsOf.parse(bad)


def test_every_sql_file_bounds_instants_by_as_of_end():
    # One definition: no file computes its own end of day from $as_of, nor binds the old
    # microsecond instant; every file that reads the as-of moment reads $as_of_end.
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(SQL_DIR.glob("*.sql"))}
    code = {name: "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
            for name, text in texts.items()}
    assert not [n for n, t in code.items() if "$as_of_us" in t]
    assert not [n for n, t in code.items() if re.search(r"\$as_of::DATE\s*\+", t)]
    assert not [n for n, t in code.items() if "rq_midnight($as_of" in t]
    users = {n for n, t in code.items() if "$as_of_end" in t}
    assert {"retention_status.sql", "retention_cube.sql", "requests_in_scope.sql", "flows_scope.sql"} <= users


# --------------------------------------------------------------------------- kinds and contracts

def test_codes_are_case_insensitive_canonical_and_checked(store):
    kind = Codes("jurisdictions")
    lookup = StoreLookup(store)
    assert kind.parse(["eea", "Fr", "FR"], lookup) == ("EEA", "FR")
    assert isinstance(kind.parse("us-ca", lookup), CodeList)
    assert Codes("types").parse(["ACCESS"], lookup) == ("access",)
    assert Codes("systems").parse(["CRM"], lookup) == ("crm",)
    assert kind.parse(None, lookup) is None
    from compliance_kit.contract import Invalid

    with pytest.raises(Invalid, match=r"unknown code\(s\) \['EEAA'\]; allowed: AE, AT"):
        kind.parse(["EEAA"], lookup)
    with pytest.raises(Invalid, match="empty list"):
        kind.parse([], lookup)


def test_a_long_allowed_list_is_shortened(store):
    with pytest.raises(ParameterError) as err:
        R.CONTRACT.validate({"jurisdictions": ["XX"]}, StoreLookup(store))
    assert "parameter jurisdictions has unknown code(s) ['XX']" in str(err.value)
    assert "in all; `compliance-kit params` lists them" in str(err.value)
    assert len(str(err.value)) < 300


def test_validate_gives_an_immutable_typed_object_that_displays_nothing(store):
    p = R.CONTRACT.validate({"as_of": "2026-10-31", "jurisdictions": ["eea"], "horizon": 7,
                             "unrelated_global": object()}, StoreLookup(store))
    assert p.as_of == AsOf(dt.date(2026, 10, 31)) and p.jurisdictions == ("EEA",) and p.horizon == 7
    assert p.reading == "strictest" and p.k == 5  # defaults for what is not given
    with pytest.raises(AttributeError):
        p.k = 1
    with pytest.raises(AttributeError, match="no parameter 'rule_set'"):
        p.rule_set
    assert p._ipython_display_() is None


def test_check_returns_the_plain_values_to_inject(store):
    injected = R.CONTRACT.check({"jurisdictions": "eea,kr", "horizon": "7", "as_of": "2026-10-31", "nope": 1},
                                {"jurisdictions": True, "horizon": True, "as_of": True}, StoreLookup(store))
    assert injected == {"jurisdictions": ["EEA", "KR"], "horizon": 7, "as_of": "2026-10-31"}
    # typed values (a schedule job) are checked as they are, not converted
    with pytest.raises(ParameterError, match="parameter horizon of retention_compliance must be a whole number"):
        R.CONTRACT.check({"horizon": "7"}, {}, StoreLookup(store))


@pytest.mark.parametrize("report", list(REPORTS))
def test_each_notebook_declares_exactly_its_contract(report):
    nb = inspect_parameters(NOTEBOOKS / f"{report}.ipynb")
    assert nb.contract == report
    contract = CONTRACTS[report]
    assert {p.name: p.default for p in contract.params} == {n: p.default for n, p in nb.parameters.items()}
    source = (NOTEBOOKS / f"{report}.ipynb").read_text(encoding="utf-8")
    assert ".CONTRACT.validate(globals(), StoreLookup(con))" in source
    for old in ("validate_common", "check_str_list", "check_int", "check_choice", "parse_date",
                "REQUEST_TYPES", "check_engine_parameters", "check_jurisdictions", "check_sources"):
        assert old not in source, f"{report}: {old} (an ad hoc check) is back"


def test_the_committed_schedule_jobs_satisfy_the_contracts(store):
    from compliance_kit.reports.schedule import load_job

    for name in ("daily", "weekly"):
        job = load_job(ROOT / "reports.toml", name)
        for report in job.notebooks:
            CONTRACTS[report].check(job.parameters, {}, StoreLookup(store))


# --------------------------------------------------------------------------- bad values, up front

def bad_values(param) -> list[tuple[str, object]]:
    """(as written after -p NAME=, as a TOML value) pairs the contract must refuse."""
    kind = param.kind
    if isinstance(kind, AsOfDate):
        return [("31/10/2026", "31/10/2026")]
    if isinstance(kind, OptionalDate):
        return [("2026-13-01", "2026-13-01")]
    if isinstance(kind, Integer):
        out = [("five", "five")]
        if kind.minimum is not None:
            out.append((str(kind.minimum - 1), kind.minimum - 1))
        if kind.maximum is not None:
            out.append((str(kind.maximum + 1), kind.maximum + 1))
        return out
    if isinstance(kind, Choice):
        return [("bogus", "bogus")]
    if isinstance(kind, Codes):
        return [('["NO-SUCH-CODE"]', ["NO-SUCH-CODE"]), ('{"a": 1}', {"a": 1}), ("[]", [])]
    if isinstance(kind, Text):
        return [("", "")]
    raise AssertionError(f"no bad value for the kind {type(kind).__name__}: add one to bad_values")


CASES = [(report, p.name, cli, toml) for report in REPORTS for p in CONTRACTS[report].params
         for cli, toml in bad_values(p)]


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def _run_in_process(args, monkeypatch) -> tuple[int, str]:
    """`compliance-kit ARGS` in this process (fast: one import for all cases), with kernel
    start-up and run folders booby-trapped. Returns (exit code, error message)."""
    from compliance_kit.cli import cli

    def refuse(*_a, **_k):
        raise AssertionError("a kernel or a run folder was started despite a bad parameter")

    monkeypatch.setattr(runner, "RunKernels", refuse)
    monkeypatch.setattr(runner, "open_run_folder", refuse)
    try:
        cli.main(args=[str(a) for a in args], standalone_mode=False)
    except UserError as exc:
        return exc.exit_code, str(exc)
    return 0, ""


def _nothing_published(out: Path) -> bool:
    return not out.exists() or not any(out.iterdir())  # no run, no hidden temp folder


@pytest.mark.parametrize("report, name, cli_text, toml_value", CASES,
                         ids=[f"{r}-{n}-{c!r}" for r, n, c, _ in CASES])
def test_a_bad_value_through_p_exits_2_before_any_kernel(tmp_path, monkeypatch, report, name, cli_text, toml_value):
    out = tmp_path / "out"
    args = ["run", report, "--db", DEMO_STORE, "--out", out, "--notebooks", NOTEBOOKS]
    if name == "as_of":
        args += ["--as-of", cli_text]
    else:
        args += ["--as-of", "2026-10-31", "-p", f"{name}={cli_text}"]
    code, message = _run_in_process(args, monkeypatch)
    assert code == 2, message
    assert name in message, message
    if name not in RUNNER_PARAMETERS:
        # ... and the value (as given, or the codes it names), and what is allowed
        assert any(v in message for v in (repr(toml_value), repr(cli_text), "'NO-SUCH-CODE'", "empty list")), message
        assert any(w in message for w in ("must be", "allowed:", "pass None")), message
    assert _nothing_published(out)


@pytest.mark.parametrize("report, name, cli_text, toml_value", CASES,
                         ids=[f"{r}-{n}-{c!r}" for r, n, c, _ in CASES])
def test_a_bad_value_in_a_schedule_job_exits_2_before_any_kernel(tmp_path, monkeypatch, report, name, cli_text,
                                                                  toml_value):
    out = tmp_path / "out"
    job = {"notebooks": [report], "notebooks_dir": str(NOTEBOOKS), "out": str(out), "db": str(DEMO_STORE),
           "as_of": "2026-10-31"}
    parameters = {}
    if name == "as_of":
        job["as_of"] = toml_value
    else:
        parameters[name] = toml_value
    text = "[jobs.x]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in job.items())
    text += "[jobs.x.parameters]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in parameters.items())
    (tmp_path / "reports.toml").write_text(text, encoding="utf-8")
    code, message = _run_in_process(["run", "--schedule", tmp_path / "reports.toml", "x"], monkeypatch)
    assert code == 2, message
    assert name in message, message
    assert _nothing_published(out)


@pytest.mark.parametrize("param", ["reading=bogus", "horizon=-5", 'jurisdictions={"a":1}', 'jurisdictions=["EEAA"]'])
def test_the_values_of_issue_13_exit_2_from_the_command(tmp_path, param):
    # the real command in a subprocess: exit 2 and a one-line message, no run folder
    out = tmp_path / "out"
    proc = run_cli("run", "retention_compliance", "request_turnaround", "--as-of", "2026-10-31",
                   "--db", DEMO_STORE, "--out", out, "--notebooks", NOTEBOOKS, "-p", param)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    name = param.split("=")[0]
    assert f"parameter {name} of " in proc.stderr and "Traceback" not in proc.stderr
    assert _nothing_published(out)


def test_a_notebook_without_a_contract_keeps_the_inspection_checks(tmp_path, monkeypatch):
    fixtures = ROOT / "tests" / "fixtures" / "reports" / "notebooks"
    assert inspect_parameters(fixtures / "fx_counts.ipynb").contract is None
    code, message = _run_in_process(["run", "fx_counts", "--notebooks", fixtures, "--as-of", "2026-10-31",
                                     "--db", DEMO_STORE, "--out", tmp_path / "o", "-p", "k=five"], monkeypatch)
    assert code == 2 and "parameter k of fx_counts.ipynb must be a whole number" in message


# --------------------------------------------------------------------------- codes in every analysis

# Each analysis's jurisdiction parameter, and its headline figures for a scope.
def _retention(con, codes):
    p = R.CONTRACT.validate({"jurisdictions": codes}, StoreLookup(con))
    return R.headline(R.evaluate(con, p.as_of, jurisdictions=p.jurisdictions))


def _requests(con, codes):
    p = rq.CONTRACT.validate({"jurisdictions": codes}, StoreLookup(con))
    rq.prepare(con, p.as_of, jurisdictions=p.jurisdictions)
    return rq.headline(con)


def _flows(con, codes):
    p = flows.CONTRACT.validate({"source_jurisdictions": codes}, StoreLookup(con))
    return flows.metric_set(con, as_of=p.as_of, source_jurisdictions=p.source_jurisdictions).headline


ANALYSES = {"retention": _retention, "requests": _requests, "flows": _flows}


@pytest.mark.parametrize("analysis", list(ANALYSES))
def test_lower_case_codes_give_the_same_figures_as_upper_case(store, analysis):
    run = ANALYSES[analysis]
    upper = run(store, ["EEA", "KR"])
    assert run(store, ["eea", "kr"]) == upper
    assert run(store, ["Eea", "KR", "kr"]) == upper  # a repeat counts once
    assert upper != run(store, None)  # the filter filters


@pytest.mark.parametrize("analysis", list(ANALYSES))
@pytest.mark.parametrize("codes", [["EEAA"], ["eea", "XX"]])
def test_an_unknown_code_is_a_parameter_error_in_every_analysis(store, analysis, codes):
    with pytest.raises(ParameterError, match=r"unknown code\(s\)"):
        ANALYSES[analysis](store, codes)


def test_library_callers_get_the_same_code_handling(store):
    # plain lists handed to the library go through the contract's parser too
    assert R.headline(R.evaluate(store, "2026-10-31", jurisdictions=["eea"])) == _retention(store, ["EEA"])
    assert flows.metric_set(store, as_of="2026-10-31", source_jurisdictions=["eea"]).headline == _flows(store, ["EEA"])
    assert rq.check_jurisdictions(store, ["eea", "us-ca"]) == ["EEA", "US-CA"]
    for call in (lambda: R.evaluate(store, "2026-10-31", jurisdictions=["EEAA"]),
                 lambda: flows.metric_set(store, source_jurisdictions=["EEAA"]),
                 lambda: rq.check_jurisdictions(store, ["EEAA"])):
        with pytest.raises(ParameterError, match="EEAA"):
            call()


# --------------------------------------------------------------------------- compliance-kit params

def test_params_prints_every_report_from_its_contract():
    from click.testing import CliRunner

    from compliance_kit.cli import cli

    result = CliRunner().invoke(cli, ["params"])
    assert result.exit_code == 0, result.output
    for report in REPORTS:
        assert f"### {report}\n" in result.output
        for p in CONTRACTS[report].params:
            assert f"| `{p.name}` |" in result.output
    assert "| `reading` | choice | \"strictest\" | one of strictest, retention_table, retention_text |" in result.output
    one = CliRunner().invoke(cli, ["params", "request_turnaround", "--db", str(DEMO_STORE)])
    assert one.exit_code == 0 and "### retention_compliance" not in one.output
    assert "consent_withdrawal, correction, deletion" in one.output  # the store's request types
    bad = CliRunner().invoke(cli, ["params", "nope"])
    assert bad.exit_code != 0 and "no parameter contract for 'nope'" in str(bad.exception)


def test_the_readme_tables_are_the_params_output():
    from click.testing import CliRunner

    from compliance_kit.cli import cli

    output = CliRunner().invoke(cli, ["params"]).output
    begin, end = "<!-- compliance-kit params: begin -->\n", "<!-- compliance-kit params: end -->"
    assert begin in README and end in README
    documented = README[README.index(begin) + len(begin):README.index(end)]
    assert documented == output, "README.md's parameter tables differ from `compliance-kit params`: paste its output"

"""The validated loader: a corpus of malformed inputs, each with its exact outcome (a clear
error, or the quarantined rows with their reason), and the row accounting on every case."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from compliance_kit.data import contract
from compliance_kit.data.loader import load_operational
from compliance_kit.errors import DataValidationError, UserError

from conftest_data import VALID, policy_store, store, valid_dir, write_tables  # noqa: F401


def replace(table, old, new):
    def mutate(t):
        assert old in t[table], f"fixture drift: {old!r} not in {table}"
        t[table] = t[table].replace(old, new, 1)
    return mutate


def append(table, line):
    def mutate(t):
        t[table] = t[table] + line + "\n"
    return mutate


def drop(table):
    def mutate(t):
        del t[table]
    return mutate


def put(name, content):
    def mutate(t):
        t[name] = content
    return mutate


def both(*mutations):
    def mutate(t):
        for m in mutations:
            m(t)
    return mutate


def _parquet_bytes(tmp_table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(tmp_table, sink)
    return sink.getvalue().to_pybytes()


PARQUET_RECORDS = pa.table({"record_id": ["r"], "account_id": ["acc-1"]})


@dataclass
class Case:
    id: str
    mutate: Callable
    error: str | None = None                     # substring of the DataValidationError
    quarantined: list[tuple] = field(default_factory=list)  # (table, line, column, reason)


ERRORS = [
    Case("missing_file", drop("events"), "missing file for table events: expected events.csv or events.parquet"),
    Case("missing_column", both(
        replace("records", ",legal_hold\n", "\n"),
        replace("records", ",false\nrec-2", "\nrec-2"),
        replace("records", "2025-03-05T00:00:00Z,false", "2025-03-05T00:00:00Z"),
        replace("records", ",,true", ",")), "records.csv: missing column(s) legal_hold"),
    Case("wrong_header_no_header_line", replace("accounts", "account_id,jurisdiction,created_at,deleted_at\n", ""),
         "accounts.csv: wrong header: missing column(s) account_id, jurisdiction, created_at, deleted_at"),
    Case("unexpected_column", replace("events", "occurred_at\n", "occurred_at,notes\n"),
         "events.csv: unexpected column(s) notes"),
    Case("misspelt_column", replace("requests", "received_at,", "recieved_at,"),
         "requests.csv: wrong header: missing column(s) received_at; unexpected column(s) recieved_at"),
    Case("repeated_column", replace("events", "occurred_at\n", "occurred_at,event\n"),
         "events.csv: wrong header: column(s) event appear more than once"),
    Case("empty_file", put("transfers", ""), "transfers.csv: empty file"),
    Case("blank_file", put("transfers", "\n\n  \n"), "transfers.csv: empty file"),
    Case("not_csv_or_parquet", both(drop("records"), put("records.xlsx", b"PK\x03\x04 spreadsheet")),
         "records.xlsx: not a CSV or Parquet file; save the records table as records.csv or records.parquet"),
    Case("parquet_named_csv", put("records", _parquet_bytes(PARQUET_RECORDS)),
         "records.csv: not a CSV file (it is Parquet: rename it to .parquet)"),
    Case("csv_named_parquet", both(drop("records"), put("records.parquet", VALID["records"].encode())),
         "records.parquet: not a Parquet file"),
    Case("both_csv_and_parquet", put("records.parquet", _parquet_bytes(PARQUET_RECORDS)),
         "both records.csv and records.parquet exist"),
    Case("not_utf8", put("accounts", VALID["accounts"].replace("acc-3", "acc-\u00e9").encode("latin-1")),
         "accounts.csv: not UTF-8 text"),
    Case("binary_csv", put("events", b"event_id,subject_id\x00\x01\x02"), "events.csv: not a CSV file (binary content)"),
    Case("ragged_row", append("events", "evt-2,rec-1,enquiry_resolved,2024-06-01T00:00:00Z,extra"),
         "events.csv: cannot be read as CSV"),
    Case("parquet_missing_columns", both(drop("records"), put("records.parquet", _parquet_bytes(PARQUET_RECORDS))),
         "records.parquet: missing column(s) category, system, jurisdiction, created_at, erased_at, legal_hold"),
]

ROWS = [
    # offsets beyond +-14:00 and instants outside years 0001-9999 (after conversion to UTC)
    Case("offset_plus_15", replace("events", "2024-06-01T00:00:00Z", "2024-06-01T00:00:00+15:00"),
         quarantined=[("events", 2, "occurred_at", "timestamp_offset_out_of_range")]),
    Case("offset_minus_1401", replace("events", "2024-06-01T00:00:00Z", "2024-06-01T00:00:00-14:01"),
         quarantined=[("events", 2, "occurred_at", "timestamp_offset_out_of_range")]),
    Case("offset_plus_14_loads", replace("events", "2024-06-01T00:00:00Z", "2024-06-01T00:00:00+14:00")),
    Case("last_day_of_year_zero", replace("events", "2024-06-01T00:00:00Z", "0000-12-31T23:59:59Z"),
         quarantined=[("events", 2, "occurred_at", "timestamp_out_of_range")]),
    Case("first_instant_of_year_one_loads", replace("events", "2024-06-01T00:00:00Z", "0001-01-01T00:00:00Z")),
    Case("boolean_short_words_load", both(replace("records", ",,false\nrec-2", ",,Y\nrec-2"),
                                          replace("records", ",,true", ",,n"))),
    Case("minus_one_byte", replace("transfers", ",48000,", ",-1,"),
         quarantined=[("transfers", 2, "bytes", "negative_value")]),
    Case("year_10000_after_conversion", replace("events", "2024-06-01T00:00:00Z", "9999-12-31T23:59:59-14:00"),
         quarantined=[("events", 2, "occurred_at", "timestamp_out_of_range")]),
    Case("unparseable_date", replace("records", "rec-1,acc-1,account_data,crm,FR,2024-01-10T09:00:00Z",
                                     "rec-1,acc-1,account_data,crm,FR,2024-02-30T09:00:00Z"),
         quarantined=[("records", 2, "created_at", "unparseable_timestamp")]),
    Case("garbage_date", replace("events", "2024-06-01T00:00:00Z", "last tuesday"),
         quarantined=[("events", 2, "occurred_at", "unparseable_timestamp")]),
    Case("naive_timestamp", replace("requests", "2024-06-20T10:00:00+02:00", "2024-06-20 10:00:00"),
         quarantined=[("requests", 2, "completed_at", "naive_timestamp")]),
    Case("date_without_time_or_offset", replace("accounts", "2024-01-10T09:00:00Z", "2024-01-10"),
         quarantined=[("accounts", 2, "created_at", "naive_timestamp"),
                      ("records", 2, "account_id", "unknown_account"),
                      ("requests", 2, "account_id", "unknown_account")]),
    Case("unknown_category", replace("records", "credit_card", "pet_photos"),
         quarantined=[("records", 3, "category", "unknown_category")]),
    Case("unknown_jurisdiction", replace("transfers", ",FR,", ",Atlantis,"),
         quarantined=[("transfers", 3, "source_jurisdiction", "unknown_jurisdiction")]),
    Case("unknown_request_type", replace("requests", ",access,", ",complaint,"),
         quarantined=[("requests", 2, "type", "unknown_request_type")]),
    Case("unknown_event", replace("events", "enquiry_resolved", "moon_landing"),
         quarantined=[("events", 2, "event", "unknown_event")]),
    Case("negative_duration_erased_before_created", replace("records", "2025-03-05T00:00:00Z", "2024-01-01T00:00:00Z"),
         quarantined=[("records", 3, "erased_at", "erased_before_created")]),
    Case("deleted_before_created", replace("accounts", "2025-03-01T00:00:00Z", "2023-03-01T00:00:00Z"),
         quarantined=[("accounts", 3, "deleted_at", "deleted_before_created"),
                      ("records", 3, "account_id", "unknown_account"),
                      ("requests", 3, "account_id", "unknown_account")]),
    Case("completed_before_received", replace("requests", "2024-06-20T10:00:00+02:00", "2024-05-20T10:00:00+02:00"),
         quarantined=[("requests", 2, "completed_at", "completed_before_received")]),
    Case("verified_before_requested", replace("requests", "2025-02-22T00:00:00Z", "2025-02-20T12:00:00Z"),
         quarantined=[("requests", 3, "id_verified_at", "verified_before_requested")]),
    Case("duplicate_id_all_copies", append("records", "rec-1,acc-3,usage_logs,logs-lake,US-CA,2024-04-01T00:00:00Z,,false"),
         quarantined=[("records", 2, "record_id", "duplicate_key"), ("records", 5, "record_id", "duplicate_key")]),
    Case("dangling_account_in_records", replace("records", "rec-2,acc-2", "rec-2,acc-404"),
         quarantined=[("records", 3, "account_id", "unknown_account")]),
    Case("dangling_account_in_requests", replace("requests", "req-1,acc-1", "req-1,acc-404"),
         quarantined=[("requests", 2, "account_id", "unknown_account")]),
    Case("dangling_event_subject", replace("events", "evt-1,rec-3", "evt-1,rec-404"),
         quarantined=[("events", 2, "subject_id", "unknown_subject")]),
    Case("text_in_numeric_column", replace("transfers", ",120,", ",lots,"),
         quarantined=[("transfers", 2, "record_count", "not_an_integer")]),
    Case("decimal_in_integer_column", replace("transfers", ",48000,", ",480.5,"),
         quarantined=[("transfers", 2, "bytes", "not_an_integer")]),
    Case("negative_count", replace("transfers", ",10,1000,", ",-10,1000,"),
         quarantined=[("transfers", 3, "record_count", "negative_value")]),
    Case("bad_boolean", replace("records", ",,true", ",,maybe"),
         quarantined=[("records", 4, "legal_hold", "not_a_boolean"),
                      ("events", 2, "subject_id", "unknown_subject")]),  # its event's subject is gone
    Case("missing_required_value", replace("records", ",account_data,", ",,"),
         quarantined=[("records", 2, "category", "missing_value")]),
    Case("blank_required_value", replace("accounts", "acc-3,US-CA", "acc-3,   "),
         quarantined=[("accounts", 4, "jurisdiction", "missing_value")]),
    Case("bad_recipient_id", replace("transfers", "adyen_sg", "Adyen Singapore"),
         quarantined=[("transfers", 2, "recipient", "bad_recipient_id")]),
    Case("bad_country_code", replace("transfers", ",SG,", ",Singapore,"),
         quarantined=[("transfers", 2, "destination_country", "bad_country_code")]),
    Case("unknown_channel", replace("requests", ",web_form,", ",carrier_pigeon,"),
         quarantined=[("requests", 2, "channel", "unknown_channel")]),
    Case("unknown_outcome", replace("requests", ",complied,", ",ignored,"),
         quarantined=[("requests", 2, "outcome", "unknown_outcome")]),
    Case("several_problems_one_row", replace("records", "rec-2,acc-2,credit_card,billing-db,KR,2024-02-02T00:00:00Z",
                                             "rec-2,acc-404,pet_photos,billing-db,Atlantis,yesterday"),
         quarantined=[("records", 3, "category", "unknown_category")]),
    Case("utf8_bom_header", put("accounts", "\ufeff" + VALID["accounts"])),
    Case("crlf_line_endings", put("records", VALID["records"].replace("\n", "\r\n"))),
    Case("hyperlink_formula_kept_as_text",
         replace("requests", "complied,\n", 'denied,"=HYPERLINK(""https://evil.example/x"",""appeal"")"\n')),
    Case("header_only_is_an_empty_table", put("events", "event_id,subject_id,event,occurred_at\n")),
    Case("quoted_field_with_comma_and_newline", replace("records", "rec-1,acc-1,account_data,crm,",
                                                        'rec-1,acc-1,account_data,"crm, ""eu""\nshard",')),
]


def _load(tmp_path, case: Case, strict=False):
    tables = dict(VALID)
    case.mutate(tables)
    folder = write_tables(tmp_path / case.id, tables)
    con = policy_store()
    return con, folder, lambda: load_operational(con, folder, strict=strict)


def _assert_accounting(con, report):
    for name, t in report.tables.items():
        assert t.read == t.loaded + t.quarantined, name
        assert con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0] == t.loaded
        q = con.execute("SELECT count(*) FROM quarantine WHERE table_name = $t", {"t": name}).fetchall()[0][0]
        assert q == t.quarantined
        log = con.execute("SELECT rows_read, rows_loaded, rows_quarantined FROM load_log WHERE table_name = $t",
                          {"t": name}).fetchall()
        assert log == [(t.read, t.loaded, t.quarantined)]


def test_corpus_is_big_enough():
    assert len(ERRORS) + len(ROWS) >= 20


@pytest.mark.parametrize("case", ERRORS, ids=[c.id for c in ERRORS])
def test_file_level_errors(tmp_path, case):
    con, folder, load = _load(tmp_path, case)
    with pytest.raises(DataValidationError) as info:
        load()
    assert case.error in str(info.value)
    assert isinstance(info.value, UserError)
    # nothing half-loaded
    for t in contract.TABLE_NAMES:
        assert con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] == 0


@pytest.mark.parametrize("case", ROWS, ids=[c.id for c in ROWS])
def test_row_level_outcomes(tmp_path, case):
    con, folder, load = _load(tmp_path, case)
    report = load()
    _assert_accounting(con, report)
    got = sorted(con.sql("SELECT table_name, line_number, column_name, reason FROM quarantine").fetchall())
    assert got == sorted(case.quarantined)
    # every quarantine row names its file and keeps the row as JSON
    for file, raw in con.sql("SELECT source_file, raw_row FROM quarantine").fetchall():
        assert file.endswith(".csv")
        assert isinstance(json.loads(raw), dict)
    # nothing else went missing: the base data set has 14 rows
    assert report.read == sum(v.count("\n") - 1 for v in VALID.values()) + (
        1 if case.id == "duplicate_id_all_copies" else 0) - (1 if case.id == "header_only_is_an_empty_table" else 0)


def test_several_problems_are_all_listed(tmp_path):
    case = next(c for c in ROWS if c.id == "several_problems_one_row")
    con, _, load = _load(tmp_path, case)
    load()
    (all_reasons, raw), = con.sql("SELECT all_reasons, raw_row FROM quarantine").fetchall()
    # checks run column by column, then order, duplicates, references: the first is the reason
    assert all_reasons == ("category: unknown_category; jurisdiction: unknown_jurisdiction; "
                           "created_at: unparseable_timestamp; account_id: unknown_account")
    assert json.loads(raw)["created_at"] == "yesterday"


def test_hyperlink_is_loaded_verbatim_never_evaluated(tmp_path):
    case = next(c for c in ROWS if c.id == "hyperlink_formula_kept_as_text")
    con, _, load = _load(tmp_path, case)
    load()
    assert con.sql("SELECT outcome, denial_reason FROM requests WHERE request_id = 'req-1'").fetchall() == [
        ("denied", '=HYPERLINK("https://evil.example/x","appeal")')]


def test_bom_header_loads_every_row(tmp_path):
    case = next(c for c in ROWS if c.id == "utf8_bom_header")
    con, _, load = _load(tmp_path, case)
    report = load()
    assert report.tables["accounts"].loaded == 3
    assert con.execute("SELECT min(account_id) FROM accounts").fetchall()[0][0] == "acc-1"


def test_offsets_are_stored_as_utc(store, valid_dir):
    load_operational(store, valid_dir)
    got = store.sql("SELECT strftime(created_at, '%Y-%m-%dT%H:%M:%S') FROM accounts ORDER BY account_id").fetchall()
    assert got == [("2024-01-10T09:00:00",), ("2024-02-01T01:00:00",), ("2024-03-05T16:30:00",)]


def test_strict_mode_names_file_line_column_reason(tmp_path):
    case = Case("strict", both(replace("transfers", ",120,", ",lots,"), replace("records", "credit_card", "pets")))
    con, folder, load = _load(tmp_path, case, strict=True)
    with pytest.raises(DataValidationError) as info:
        load()
    msg = str(info.value)
    assert "records.csv: line 3, column category: unknown_category" in msg
    assert con.execute("SELECT count(*) FROM records").fetchall()[0][0] == 0


def test_strict_mode_passes_clean_data(store, valid_dir):
    report = load_operational(store, valid_dir, strict=True)
    assert report.quarantined == 0 and report.loaded == 11


def test_loading_twice_is_idempotent(store, valid_dir, tmp_path):
    (valid_dir / "records.csv").write_text(VALID["records"] + "rec-9,acc-1,pets,crm,FR,2024-01-10T09:00:00Z,,false\n")
    first = load_operational(store, valid_dir)
    snapshot = {t: store.sql(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall()
                for t in [*contract.TABLE_NAMES, "quarantine"]}
    second = load_operational(store, valid_dir)
    assert {t: store.sql(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall()
            for t in [*contract.TABLE_NAMES, "quarantine"]} == snapshot
    assert store.execute("SELECT count(*) FROM load_log").fetchall()[0][0] == 5
    assert first.summary() == second.summary()


def test_load_log_has_the_file_hash(store, valid_dir):
    import hashlib

    load_operational(store, valid_dir)
    (h,) = store.execute("SELECT source_sha256 FROM load_log WHERE table_name = 'events'").fetchall()[0]
    assert h == hashlib.sha256((valid_dir / "events.csv").read_bytes()).hexdigest()


def test_summary_prints_the_accounting(tmp_path):
    case = next(c for c in ROWS if c.id == "duplicate_id_all_copies")
    con, _, load = _load(tmp_path, case)
    text = load().summary()
    line = next(x for x in text.splitlines() if x.startswith("records"))
    assert line.split()[:5] == ["records", "records.csv", "4", "2", "2"]
    assert "duplicate_key 2" in line
    assert text.splitlines()[-1].split()[:4] == ["total", "12", "10", "2"]


def test_parquet_input_matches_csv_input(store, valid_dir, tmp_path):
    load_operational(store, valid_dir)
    expected = {t: store.sql(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in contract.TABLE_NAMES}
    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    for t in contract.TABLE_NAMES:
        # typed Parquet (TIMESTAMPTZ, BOOLEAN, BIGINT) as another tool would write it
        store.execute(f"COPY \"{t}\" TO '{pq_dir / (t + '.parquet')}' (FORMAT parquet)")
    con = policy_store()
    report = load_operational(con, pq_dir)
    assert report.quarantined == 0
    assert {t: con.sql(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in contract.TABLE_NAMES} == expected


def test_parquet_naive_timestamp_column_is_quarantined(store, valid_dir, tmp_path):
    folder = tmp_path / "mixed"
    write_tables(folder, {k: v for k, v in VALID.items() if k != "events"})
    pq.write_table(pa.table({
        "event_id": ["e1", "e2"], "subject_id": ["rec-3", "rec-3"], "event": ["enquiry_resolved"] * 2,
        "occurred_at": pa.array([1_700_000_000_000_000, None], pa.timestamp("us")),  # no time zone
    }), folder / "events.parquet")
    report = load_operational(store, folder)
    assert report.tables["events"].quarantined_by_reason == {"naive_timestamp": 1, "missing_value": 1}
    assert store.sql("SELECT line_number, reason FROM quarantine ORDER BY 1").fetchall() == [
        (1, "naive_timestamp"), (2, "missing_value")]


def test_missing_data_folder(store, tmp_path):
    with pytest.raises(DataValidationError, match="no such data folder"):
        load_operational(store, tmp_path / "nope")


def test_allowed_values_come_from_the_policy_tables(store, valid_dir):
    # a category the policy does not have is unknown; add it to the policy and it loads
    (valid_dir / "records.csv").write_text(VALID["records"].replace("credit_card", "pet_photos"))
    assert load_operational(store, valid_dir).tables["records"].quarantined_by_reason == {"unknown_category": 1}
    store.execute("INSERT INTO data_categories VALUES ('pet_photos', 'Pets', 'pets', 's', 'q')")
    assert load_operational(store, valid_dir).tables["records"].quarantined == 0


def test_strict_mode_reports_a_duplicate_key(tmp_path):
    case = Case("strict_dup", append("events", "evt-1,rec-1,enquiry_resolved,2024-07-01T00:00:00Z"))
    con, folder, load = _load(tmp_path, case, strict=True)
    with pytest.raises(DataValidationError, match=r"events.csv: line 2, column event_id: duplicate_key"):
        load()


def test_a_duplicate_of_an_invalid_row_is_not_a_duplicate(tmp_path):
    # duplicates are counted among rows that pass every other check: the invalid copy is
    # quarantined for its own reason and the valid one loads
    case = Case("dup_invalid", append("events", "evt-1,rec-1,moon_landing,2024-07-01T00:00:00Z"))
    con, folder, load = _load(tmp_path, case)
    report = load()
    _assert_accounting(con, report)
    assert con.sql("SELECT line_number, reason FROM quarantine").fetchall() == [(3, "unknown_event")]
    assert con.sql("SELECT event FROM events").fetchall() == [("enquiry_resolved",)]


def _loaded_with_a_second_rec_1(tmp_path, account):
    """The valid tables with a second record rec-1 (of `account`) right after the first,
    the file still sorted by key; loaded, with the row accounting checked."""
    line = f"rec-1,{account},usage_logs,crm,FR,2024-01-11T00:00:00Z,,false\nrec-2,"
    con, folder, load = _load(tmp_path, Case(f"second_rec_1_{account}", replace("records", "rec-2,", line)))
    _assert_accounting(con, load())
    return con


def test_a_key_repeated_next_to_itself_in_a_sorted_file_is_found(tmp_path):
    # a file sorted by its key passes the streaming order check instead of the hashing;
    # two equal keys side by side are not "increasing" and must still be found
    con = _loaded_with_a_second_rec_1(tmp_path, "acc-2")
    assert con.sql("SELECT line_number, reason FROM quarantine ORDER BY 1").fetchall() == [
        (2, "duplicate_key"), (3, "duplicate_key")]  # line 1 is the header
    assert con.sql("SELECT record_id FROM records ORDER BY 1").fetchall() == [("rec-2",), ("rec-3",)]


def test_a_key_repeated_where_two_sorted_runs_touch_is_found(tmp_path):
    # rec-2, rec-3 | rec-1, rec-2: two sorted runs whose ranges share rec-2 (not side by side)
    tables = dict(VALID)
    head, *rows = VALID["records"].splitlines(keepends=True)
    rec = {r.split(",")[0]: r for r in rows}
    tables["records"] = head + rec["rec-2"] + rec["rec-3"] + rec["rec-1"] + rec["rec-2"].replace("KR", "FR")
    con = policy_store()
    report = load_operational(con, write_tables(tmp_path / "touch", tables))
    _assert_accounting(con, report)
    assert con.sql("SELECT line_number, reason FROM quarantine ORDER BY 1").fetchall() == [
        (2, "duplicate_key"), (5, "duplicate_key")]


@pytest.mark.parametrize("keys, unique_proven", [
    ([], True),
    (["a"], True),
    (["a", "b", "c"], True),
    (["c", "d", "a", "b"], True),        # two runs, disjoint ranges
    (["a", "c", "b", "d"], False),       # two runs, overlapping ranges: hash them
    (["b", "c", "a", "b"], False),       # two runs touching at b: a repeat
    (["a", "a", "b"], False),            # equal neighbours: a repeat
    (["a", "B"], True),                  # bytes order (B < a), whatever the collation
])
def test_the_sorted_runs_proof(keys, unique_proven):
    from compliance_kit.data.loader import _keys_in_disjoint_sorted_runs

    con = _keys_table(keys, collation="nocase")
    assert _keys_in_disjoint_sorted_runs(con, "t", '"k"') is unique_proven


def _keys_table(keys, collation=None):
    """An in-memory table t(k) holding `keys` in this order (inserted one row at a time)."""
    import duckdb

    con = duckdb.connect()
    if collation:
        con.execute("SET default_collation = $c", {"c": collation})
    con.execute("CREATE TABLE t (k VARCHAR)")
    for k in keys:
        con.execute("INSERT INTO t VALUES ($k)", {"k": k})
    return con


def test_too_many_sorted_runs_are_hashed(monkeypatch):
    from compliance_kit.data import loader

    con = _keys_table(["e", "f", "c", "d", "a", "b"])
    assert loader._keys_in_disjoint_sorted_runs(con, "t", '"k"')
    monkeypatch.setattr(loader, "MAX_SORTED_RUNS", 2)
    assert not loader._keys_in_disjoint_sorted_runs(con, "t", '"k"')


def test_a_copy_with_an_unknown_account_is_not_a_duplicate(tmp_path):
    # references are checked on the stored rows after the insert, before the repeated-key
    # search: the copy naming an unknown account is quarantined for that, the other loads
    con = _loaded_with_a_second_rec_1(tmp_path, "acc-9")
    assert con.sql("SELECT line_number, column_name, reason FROM quarantine").fetchall() == [
        (3, "account_id", "unknown_account")]
    assert con.sql("SELECT record_id, account_id FROM records ORDER BY 1").fetchall() == [
        ("rec-1", "acc-1"), ("rec-2", "acc-2"), ("rec-3", None)]


def test_keys_stay_unique_without_an_index(tmp_path):
    # The schema has no PRIMARY KEY (an index costs more than the whole validation): the
    # loader alone must keep every key unique, loading no copy of a repeated key.
    case = next(c for c in ROWS if c.id == "duplicate_id_all_copies")
    tables = dict(VALID)
    case.mutate(tables)
    con = policy_store()
    report = load_operational(con, write_tables(tmp_path / "d", tables))
    _assert_accounting(con, report)
    assert "PRIMARY KEY" not in "".join(
        r[0] for r in con.sql("SELECT sql FROM duckdb_tables() WHERE table_name = 'records'").fetchall())
    for table, key in (("accounts", "account_id"), ("records", "record_id"), ("events", "event_id"),
                       ("requests", "request_id"), ("transfers", "transfer_id")):
        repeated = con.sql(f"SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1").fetchall()
        assert repeated == [], (table, repeated)
    assert sum(t.quarantined_by_reason.get("duplicate_key", 0) for t in report.tables.values()) >= 2


# --- optional columns (issue 16) -----------------------------------------------------------

OPTIONAL_HEADER = ("request_id,account_id,jurisdiction,type,channel,received_at,id_requested_at,id_verified_at,"
                   "extension_notified_at,extension_reason,completed_at,outcome,denial_reason,"
                   "extension_told_until,clarification_requested_at,clarification_received_at,denial_category\n")


def test_optional_columns_absent_read_null(tmp_path):
    # the fixture's requests.csv has none of them: it loads, every value NULL
    con = policy_store()
    report = load_operational(con, write_tables(tmp_path / "d", dict(VALID)))
    _assert_accounting(con, report)
    assert con.sql("SELECT count(*) FROM requests WHERE extension_told_until IS NULL AND "
                   "clarification_requested_at IS NULL AND denial_category IS NULL").fetchall()[0][0] == 2


def test_optional_columns_present_are_checked(tmp_path):
    tables = dict(VALID)
    tables["requests"] = OPTIONAL_HEADER + (
        "req-1,acc-1,FR,access,web_form,2024-06-01T10:00:00+02:00,,,2024-06-10T00:00:00Z,complex,"
        "2024-06-20T10:00:00+02:00,denied,no id,2024-07-15T00:00:00Z,2024-06-02T00:00:00Z,2024-06-05T00:00:00Z,unverifiable\n"
        # unknown category, naive told date, clarification answered before it was asked
        "req-2,acc-2,KR,deletion,email,2025-02-20T00:00:00Z,,,,,,,,,,,forgot_password\n"
        "req-3,acc-2,KR,deletion,email,2025-02-20T00:00:00Z,,,,,,,,2025-03-01 00:00:00,,,\n"
        "req-4,acc-2,KR,deletion,email,2025-02-20T00:00:00Z,,,,,,,,,2025-02-25T00:00:00Z,2025-02-24T00:00:00Z,\n"
        "req-5,acc-2,KR,deletion,email,2025-02-20T00:00:00Z,,,,,,,,2025-02-19T00:00:00Z,,,\n")
    con = policy_store()
    report = load_operational(con, write_tables(tmp_path / "d", tables))
    _assert_accounting(con, report)
    assert con.sql("SELECT denial_category, extension_told_until FROM requests").fetchall()[0][0] == "unverifiable"
    assert sorted(con.sql("SELECT line_number, column_name, reason FROM quarantine").fetchall()) == [
        (3, "denial_category", "unknown_denial_category"),
        (4, "extension_told_until", "naive_timestamp"),
        (5, "clarification_received_at", "clarified_before_requested"),
        (6, "extension_told_until", "told_until_before_received"),
    ]


def test_a_missing_required_column_still_names_the_optional_ones(tmp_path):
    tables = dict(VALID)
    tables["requests"] = VALID["requests"].replace("received_at,", "", 1)
    with pytest.raises(DataValidationError, match=r"missing column\(s\) received_at.*optional: extension_told_until"):
        load_operational(policy_store(), write_tables(tmp_path / "d", tables))

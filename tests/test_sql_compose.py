"""The one way SQL is composed (compliance_kit.sql_compose): dependencies, whitelisted
fill-ins, slots, bound parameters, literals; and no other way anywhere in the library."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from compliance_kit import paths, sql_compose
from compliance_kit.sql_compose import CompositionError, compose, literal

LIB = Path(sql_compose.__file__).parent


@pytest.fixture
def sql_dir(tmp_path, monkeypatch):
    """A folder of SQL files standing in for sql/."""
    monkeypatch.setattr(paths, "SQL_DIR", tmp_path)
    monkeypatch.setattr(sql_compose, "SQL_DIR", tmp_path)
    sql_compose.load.cache_clear()
    sql_compose._slot_sections.cache_clear()
    yield tmp_path
    sql_compose.load.cache_clear()
    sql_compose._slot_sections.cache_clear()


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_dependencies_become_ctes_each_once_in_order(sql_dir):
    write(sql_dir, "base.sql", "-- the base\nSELECT 1 AS x WHERE $flag")
    write(sql_dir, "mid.sql", "-- with: base = base.sql\nSELECT x + 1 AS y FROM base")
    write(sql_dir, "top.sql", "-- with: base = base.sql\n-- with: mid = mid.sql\n"
                              "WITH own AS (SELECT y FROM mid)\nSELECT * FROM own, base")
    q = compose("top.sql", {"flag": True, "unused": 1})
    assert q.files == ("base.sql", "mid.sql", "top.sql")
    assert q.sql.count("base AS (") == 1 and q.sql.index("base AS (") < q.sql.index("mid AS (")
    assert q.sql.startswith("WITH base AS (") and "own AS (SELECT y FROM mid)" in q.sql
    assert q.params == {"flag": True}  # only what the text names
    assert duckdb.sql(q.sql, params=q.params).fetchall() == [(2, 1)]


def test_a_cte_name_from_two_files_is_refused(sql_dir):
    write(sql_dir, "a.sql", "SELECT 1")
    write(sql_dir, "b.sql", "SELECT 2")
    write(sql_dir, "c.sql", "-- with: x = a.sql\nSELECT * FROM x")
    write(sql_dir, "d.sql", "-- with: x = b.sql\n-- with: c = c.sql\nSELECT * FROM c")
    with pytest.raises(CompositionError, match="'x' is declared from both"):
        compose("d.sql")


def test_fill_ins_only_from_the_files_whitelist(sql_dir):
    write(sql_dir, "g.sql", "-- fill: dims list of a, b\n-- fill: source one of t, u\n"
                            "SELECT {dims} count(*) OVER ({dims:partition}) FROM {source} {dims:join k}")
    q = compose("g.sql", dims=["a", "b"], source="t")
    assert q.sql == "SELECT a, b,  count(*) OVER (PARTITION BY a, b) FROM t JOIN k USING (a, b)"
    assert compose("g.sql", source="u").sql == "SELECT  count(*) OVER () FROM u CROSS JOIN k"
    with pytest.raises(CompositionError, match="may hold only a, b"):
        compose("g.sql", dims=["a; DROP TABLE x"], source="t")
    with pytest.raises(CompositionError, match="must be one of t, u"):
        compose("g.sql", source="t UNION SELECT 1")
    with pytest.raises(CompositionError, match="declares fill-in"):
        compose("g.sql", source="t", colour="red")


def test_an_undeclared_placeholder_is_an_error(sql_dir):
    write(sql_dir, "h.sql", "-- fill: source one of t\nSELECT * FROM {source} WHERE {other}")
    with pytest.raises(CompositionError, match="not declared"):
        compose("h.sql", source="t")


def test_slots_and_missing_parameters(sql_dir):
    write(sql_dir, "slot.sql", "-- [cols]\n-- a comment with $not_a_param\n{s}.v AS {s}_v,\n"
                               "-- [x_joins]\nJOIN t AS {s} ON TRUE\n")
    write(sql_dir, "main.sql", "-- slots: slot.sql for s in p, w\nSELECT {cols} FROM r {x_joins} WHERE $when")
    q = compose("main.sql", {"when": True})
    assert q.sql == "SELECT p.v AS p_v,\nw.v AS w_v FROM r JOIN t AS p ON TRUE\nJOIN t AS w ON TRUE WHERE $when"
    with pytest.raises(CompositionError, match=r"needs parameter\(s\) \['when'\]"):
        compose("main.sql")


def test_slot_lines_written_once_per_name_of_a_list_fill(sql_dir):
    # A line holding a line placeholder is written once per name of the list fill-in it
    # reads, in the order given, within each slot; none for an empty list.
    write(sql_dir, "slot.sql", "-- [cols]\n{s}.v_{t} AS {s}_{t},\n{s}.m_{m} AS {s}_m_{m},\n"
                               "-- [pick]\nCASE {s}.k\n    WHEN '{t}' THEN {s}_{t}\nEND AS {s}_pick\n")
    write(sql_dir, "main.sql", "-- slots: slot.sql for s in p, w; lines for t in keys, m in months\n"
                               "-- fill: keys list of a, b, c\n-- fill: months list of a, b, c\n"
                               "SELECT {cols}, {pick} FROM r")
    q = compose("main.sql", keys=["c", "a"], months=[])
    assert q.sql == ("SELECT p.v_c AS p_c,\np.v_a AS p_a,\nw.v_c AS w_c,\nw.v_a AS w_a, "
                     "CASE p.k\n    WHEN 'c' THEN p_c\n    WHEN 'a' THEN p_a\nEND AS p_pick,\n"
                     "CASE w.k\n    WHEN 'c' THEN w_c\n    WHEN 'a' THEN w_a\nEND AS w_pick FROM r")
    with pytest.raises(CompositionError, match="keys may hold only a, b, c"):
        compose("main.sql", keys=["d"])
    write(sql_dir, "bad.sql", "-- slots: slot.sql for s in p; lines for t in nothing\nSELECT {cols}")
    with pytest.raises(CompositionError, match="not a `list of` fill-in"):
        compose("bad.sql")


def test_every_file_of_sql_composes():
    """Each file's declarations parse, its dependencies exist, and what it composes into has
    no placeholder left (fill-ins given their first allowed value)."""
    every = {p: None for f in (LIB / "sql").glob("*.sql") for p in re.findall(r"\$(\w+)", f.read_text())}
    for path in sorted((LIB / "sql").glob("*.sql")):
        spec = sql_compose.load(path.name)
        deps: list = []
        sql_compose._collect(path.name, {}, deps)
        names = [path.name] + [dep for _, dep in deps]
        fills = {}
        for n in names:
            for f in sql_compose.load(n).fills:
                fills[f.name] = [f.allowed[0]] if f.many else f.allowed[0]
        q = compose(path.name, every, **fills)
        if spec.fills or spec.slots:
            assert not re.search(r"\{[a-z_]+(:[^}]*)?\}", q.sql), f"{path.name}: a placeholder left"


@pytest.mark.parametrize("value", [
    None, True, 7, 2**40, 0.05, "it's", dt.date(2026, 10, 31), dt.datetime(2026, 11, 1, 0, 0),
    dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc), ["EEA", "FR"], [1, 2],
    [{"calendar": "NL", "weekend": [5, 6], "holidays": [dt.date(2026, 12, 25)]}],
])
def test_a_literal_is_what_binding_the_value_gives(value):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    bound = con.sql("SELECT $v AS v, typeof($v) AS t", params={"v": value}).fetchall()
    written = con.sql(f"SELECT {literal(value)} AS v, typeof({literal(value)}) AS t").fetchall()
    assert written == bound


def test_sql_is_composed_one_way_only():
    """No SQL text in the analyses and engines, no .format / .replace on SQL: every query is
    a file of sql/ composed by sql_compose (engines may set session settings)."""
    offenders = []
    for path in [*(LIB / "analysis").glob("*.py"), *(LIB / "engines").glob("*.py"),
                 LIB / "calendars.py"]:
        if path.name in ("transpile.py", "spark_load.py"):
            continue  # the transpiler rewrites SQL; the loader's checks are generated from the contract
        for i, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"\bread_sql\([\"']|\.replace\(\"\{|\bSELECT\s+\S+.*\bFROM\b", code):
                offenders.append(f"{path.name}:{i}: {line.strip()}")
    assert offenders == []

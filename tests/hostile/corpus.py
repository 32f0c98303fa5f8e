"""The hostile-input corpus (docs/hostile-inputs.md): cases listed as data in cases.yaml,
each made real here in a temporary folder and run through the `compliance-kit` command.

A case names its area (data, policy, parameters, paths), what it tries, the command line
(`argv`, with placeholders), the setup steps that build its inputs, the exit status it
expects and a fragment of the message it expects. `run_case` runs the command in this
process through `cli.run_group`, exactly as the console script does (same error handling,
same exit status), and reports any exception that escaped it as a traceback; cases marked
`subprocess: true` run the real console script instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CASES = HERE / "cases.yaml"
POLICY_DIR = ROOT / "data" / "policy" / "tencent-cloud" / "2022-05-25"
AREAS = ("data", "policy", "parameters", "paths")

DEFAULT_ARGV = {
    "data": ["build", "--data", "{data}", "--db", "{db}"],
    "policy": ["policy", "check", "--policy", "{policy}"],
}


@dataclass
class Case:
    id: str
    area: str
    what: str
    exit: int
    message: str
    argv: list[str] = field(default_factory=list)
    setup: list = field(default_factory=list)
    subprocess: bool = False
    base: str = "csv"


def load_cases(path: Path = CASES) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = []
    for item in raw:
        case = Case(**item)
        if not case.argv:
            case.argv = list(DEFAULT_ARGV[case.area])
        cases.append(case)
    return cases


@dataclass
class Outcome:
    exit: int
    output: str          # stdout and stderr together
    traceback: str | None = None


# ------------------------------------------------------------------------------ setup

class Workspace:
    """The case's folder: `data/` (the valid CSV set, or its Parquet copy), a copy of the
    bundled policy in `policy/`, and room for the store and outputs."""

    def __init__(self, tmp: Path, base: str, store: Path | None = None):
        from conftest_data import VALID, write_tables

        self.tmp = tmp
        self.store = store or ROOT / "data" / "compliance.duckdb"
        self.data = write_tables(tmp / "data", dict(VALID))
        self.policy_dir = tmp / "policy"
        shutil.copytree(POLICY_DIR, self.policy_dir)
        self.policy = self.policy_dir / "policy.yaml"
        self.db = tmp / "store" / "compliance.duckdb"
        if base == "parquet":
            for table in VALID:
                self.parquet(table)

    def places(self) -> dict[str, str]:
        return {"data": str(self.data), "db": str(self.db), "policy": str(self.policy),
                "tmp": str(self.tmp), "store": str(self.store),
                "out": str(self.tmp / "reports"), "sample": str(ROOT / "data" / "sample")}

    def file(self, name: str) -> Path:
        return self.data / (name if "." in name else f"{name}.csv")

    # --- data steps
    def replace(self, table, old, new):
        path = self.file(table)
        text = path.read_text(encoding="utf-8")
        assert old in text, f"setup: {old!r} not in {path.name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")

    def append(self, table, line):
        with open(self.file(table), "a", encoding="utf-8", newline="") as f:
            f.write(line + "\n")

    def header(self, table, line):
        path = self.file(table)
        rest = path.read_text(encoding="utf-8").split("\n", 1)[1]
        path.write_text(line + "\n" + rest, encoding="utf-8", newline="")

    def text(self, name, content):
        (self.data / name).write_text(content, encoding="utf-8", newline="")

    def bytes(self, name, content):
        (self.data / name).write_bytes(content.encode("latin-1") if isinstance(content, str) else content)

    def delete(self, name):
        (self.data / name).unlink()

    def copy(self, name, to):
        shutil.copyfile(self.data / name, self.data / to)

    def append_bytes(self, table, content):
        with open(self.file(table), "ab") as f:
            f.write(content.encode("latin-1"))

    def truncate(self, name, fraction):
        path = self.data / name
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])

    def rows(self, table, n, template):
        with open(self.file(table), "a", encoding="utf-8", newline="") as f:
            for i in range(n):
                f.write(template.format(i=i) + "\n")

    def big_field(self, table, old, size):
        self.replace(table, old, '"' + "x" * size + '"')

    def nul_after(self, table, size):
        """Valid rows past `size` bytes, then a row whose text holds a NUL byte."""
        path = self.file(table)
        with open(path, "a", encoding="utf-8", newline="") as f:
            i = 0
            while path.stat().st_size + f.tell() < size:
                f.write(f"evt-pad-{i},rec-1,enquiry_resolved,2024-06-01T00:00:00Z\n")
                i += 1
        with open(path, "ab") as f:
            f.write(b"evt-nul,rec-1,enquiry_res\x00olved,2024-06-01T00:00:00Z\n")

    def parquet(self, table, sql=None):
        """Replace `table`.csv by a Parquet file: its rows as text, or `sql` over them."""
        import duckdb

        csv = self.file(table)
        target = self.data / f"{table}.parquet"
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("CREATE TABLE t AS SELECT * FROM read_csv($p, all_varchar = true, header = true)",
                        {"p": str(csv)})
            con.execute(f"COPY ({sql or 'SELECT * FROM t'}) TO '{target}' (FORMAT parquet)")
        finally:
            con.close()
        csv.unlink()

    def corrupt_parquet(self, table):
        """Keep the PAR1 header and the footer, zero everything between."""
        path = self.data / f"{table}.parquet"
        b = bytearray(path.read_bytes())
        footer = int.from_bytes(b[-8:-4], "little")
        b[4:len(b) - 8 - footer] = bytes(len(b) - 12 - footer)
        path.write_bytes(bytes(b))

    def symlink(self, name, target):
        link = self.data / name
        link.unlink(missing_ok=True)
        link.symlink_to(target)

    def fifo(self, name):
        path = self.data / name
        path.unlink(missing_ok=True)
        os.mkfifo(path)

    def mkdir(self, name):
        path = self.data / name
        path.unlink(missing_ok=True)
        path.mkdir()

    def plain_file(self, name, content="not a folder\n"):
        (self.tmp / name).write_text(content, encoding="utf-8")

    # --- policy steps
    def p_replace(self, old, new, count=1):
        text = self.policy.read_text(encoding="utf-8")
        assert old in text, f"setup: {old!r} not in the policy"
        self.policy.write_text(text.replace(old, new, count), encoding="utf-8")

    def p_bytes(self, old, new):
        data = self.policy.read_bytes()
        old_b = old.encode("utf-8")
        assert old_b in data, f"setup: {old!r} not in the policy"
        self.policy.write_bytes(data.replace(old_b, new.encode("latin-1"), 1))

    def p_text(self, content):
        self.policy.write_text(content, encoding="utf-8")

    def p_append(self, content):
        with open(self.policy, "a", encoding="utf-8") as f:
            f.write(content)

    def p_raw(self, content):
        """The spec replaced by these bytes (a str is taken as Latin-1 bytes)."""
        self.policy.write_bytes(content.encode("latin-1"))

    def p_nested(self, depth):
        self.policy.write_text("x: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")

    def p_source(self, content):
        (self.policy_dir / "source.html").write_text(content, encoding="utf-8")

    def p_source_bytes(self, content):
        (self.policy_dir / "source.html").write_bytes(content.encode("latin-1"))

    def p_delete_source(self, _=True):
        (self.policy_dir / "source.html").unlink()

    def apply(self, step: dict) -> None:
        ((name, args),) = step.items()
        method = getattr(self, name, None)
        if method is None or name.startswith("_") or name in ("apply", "places", "file"):
            raise ValueError(f"unknown setup step {name!r}")
        if isinstance(args, dict):
            method(**args)
        elif isinstance(args, list):
            method(*args)
        else:
            method(args)


# ------------------------------------------------------------------------------ running

def _fill(value: str, places: dict[str, str]) -> str:
    for key, path in places.items():
        value = value.replace("{" + key + "}", path)
    return value


def run_case(case: Case, tmp: Path, store: Path | None = None) -> Outcome:
    """Make the case's inputs under `tmp` and run its command. `store`: the built store
    that `{store}` names (cases of the parameters and paths areas share one)."""
    ws = Workspace(tmp, case.base, store)
    for step in case.setup:
        ws.apply(step)
    places = ws.places()
    argv = [_fill(a, places) for a in case.argv]
    if case.subprocess:
        exe = Path(sys.executable).parent / "compliance-kit"
        r = subprocess.run([str(exe), *argv], cwd=ROOT, capture_output=True, text=True, timeout=600)
        output = r.stdout + r.stderr
        tb = output if "Traceback (most recent call last)" in output else None
        return Outcome(r.returncode, output, tb)
    return _in_process(argv)


def _in_process(argv: list[str]) -> Outcome:
    from compliance_kit import cli

    out, err = io.StringIO(), io.StringIO()
    saved_argv, cwd = sys.argv, os.getcwd()
    sys.argv = ["compliance-kit", *argv]
    code, tb = 0, None
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.run_group(cli.cli)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - what the user would have seen as a traceback
        code, tb = 1, traceback.format_exc()
    finally:
        sys.argv = saved_argv
        os.chdir(cwd)
    return Outcome(code, out.getvalue() + err.getvalue(), tb)

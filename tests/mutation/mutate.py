"""`make mutate`: apply each mutant of tests/mutation/mutants.yaml to a temporary copy of
lib/ and run the tests that cover its file; a mutant is caught when they fail.

    python tests/mutation/mutate.py [--only ID_PREFIX] [--ids ID,ID] [--jobs N] [--timeout S] [--check]

The source tree is never written: every worker copies lib/ into its own temporary folder
and points PYTHONPATH at the copy; a mutated file is restored from the original after its
run, in a `finally`, and the copies are removed at the end (an interrupted run leaves at
most a folder under the system's temp directory, never a mutant in lib/). `--check` only
verifies that every `find` still occurs exactly once (a stale mutant is an error, not a
pass). The score counts caught mutants over those not marked `equivalent`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "compliance_kit"
MUTANTS = Path(__file__).with_name("mutants.yaml")


@dataclass
class Mutant:
    id: str
    file: str
    why: str
    find: str
    replace: str
    tests: list[str] = field(default_factory=list)
    equivalent: str | None = None


def load(path: Path = MUTANTS) -> list[Mutant]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_prefix: dict[str, list[str]] = raw["tests"]
    mutants = []
    for item in raw["mutants"]:
        m = Mutant(**item)
        if not m.tests:
            # the longest matching prefix of the file -> tests map
            prefixes = sorted((p for p in by_prefix if m.file.startswith(p)), key=len, reverse=True)
            if not prefixes:
                raise SystemExit(f"{m.id}: no tests listed for {m.file} in {path.name}")
            m.tests = by_prefix[prefixes[0]]
        mutants.append(m)
    ids = [m.id for m in mutants]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"duplicate mutant ids in {path.name}")
    return mutants


def check(mutants: list[Mutant], lib: Path) -> list[str]:
    """Problems: a `find` absent or repeated, a mutant that changes nothing."""
    problems = []
    for m in mutants:
        text = (lib / PACKAGE / m.file).read_text(encoding="utf-8")
        n = text.count(m.find)
        if n != 1:
            problems.append(f"{m.id}: `find` occurs {n} times in {m.file} (must be exactly once)")
        if m.find == m.replace:
            problems.append(f"{m.id}: replace equals find")
    return problems


def run_one(m: Mutant, lib: Path, timeout: float) -> tuple[str, float, str]:
    """Apply `m` in the copy `lib`, run its tests, restore the file. (outcome, seconds, tail)."""
    target = lib / PACKAGE / m.file
    original = target.read_text(encoding="utf-8")
    start = time.perf_counter()
    try:
        target.write_text(original.replace(m.find, m.replace, 1), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(lib), "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            r = subprocess.run(
                [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *m.tests],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.perf_counter() - start, ""
        tail = (r.stdout + r.stderr).strip().splitlines()[-1:] or [""]
        # pytest: 0 all passed (survived), 1 a test failed (caught), 2/3 an error while
        # collecting or running (the mutant broke an import: caught), 5 no tests (mapping error)
        outcome = {0: "survived", 1: "caught", 2: "caught", 3: "caught"}.get(r.returncode, f"error {r.returncode}")
        return outcome, time.perf_counter() - start, tail[0]
    finally:
        target.write_text(original, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="run the mutants whose id starts with this")
    ap.add_argument("--ids", default="", help="comma-separated mutant ids to run (e.g. the survivors of a run)")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at once, each in its own copy of lib/")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per mutant (a hang counts as caught)")
    ap.add_argument("--check", action="store_true", help="only check that every mutant applies")
    args = ap.parse_args()

    mutants = [m for m in load() if m.id.startswith(args.only)]
    if args.ids:
        wanted = set(args.ids.split(","))
        unknown = wanted - {m.id for m in mutants}
        if unknown:
            raise SystemExit(f"unknown mutant id(s): {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m.id in wanted]
    problems = check(mutants, ROOT / "lib")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    if args.check:
        print(f"{len(mutants)} mutants apply cleanly")
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="ck-mutate-"))
    copies: list[Path] = []
    try:
        for i in range(max(1, args.jobs)):
            lib = workdir / f"lib{i}"
            shutil.copytree(ROOT / "lib", lib, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            copies.append(lib)
        free = list(copies)

        def work(m: Mutant):
            lib = free.pop()
            try:
                return m, run_one(m, lib, args.timeout)
            finally:
                free.append(lib)

        # The tests must pass on the unchanged copy first: a group that fails anyway would
        # "catch" every mutant of its files.
        groups = sorted({tuple(m.tests) for m in mutants})
        baseline = Mutant(id="(none)", file="__init__.py", why="baseline", find="", replace="")
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            def base(tests):
                lib = free.pop()
                try:
                    return tests, run_one(Mutant(**{**baseline.__dict__, "tests": list(tests)}), lib, args.timeout)
                finally:
                    free.append(lib)
            broken = [(t, o, tail) for t, (o, _, tail) in pool.map(base, groups) if o != "survived"]
        if broken:
            for tests, outcome, tail in broken:
                print(f"baseline {outcome}: {' '.join(tests)}: {tail}", file=sys.stderr)
            return 2
        print(f"baseline: the {len(groups)} test groups pass unchanged", flush=True)

        results = []
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            for m, (outcome, secs, tail) in pool.map(work, mutants):
                if m.equivalent:
                    outcome = f"{outcome} (equivalent: {m.equivalent})"
                results.append((m, outcome))
                print(f"{outcome:<10} {secs:6.1f}s  {m.id:<42} {m.file}: {m.why}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    scored = [(m, o) for m, o in results if not m.equivalent]
    caught = sum(o in ("caught", "timeout") for _, o in scored)
    errors = [m.id for m, o in scored if o.startswith("error")]
    survivors = [m for m, o in scored if o == "survived"]
    print()
    print(f"mutation score: {caught}/{len(scored)} caught "
          f"({100 * caught / max(1, len(scored)):.0f}%), {len(results) - len(scored)} equivalent not scored")
    for m in survivors:
        print(f"  survived: {m.id} ({m.file}): {m.why}")
    for e in errors:
        print(f"  error: {e}")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())

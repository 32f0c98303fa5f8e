"""Keys never travel with reports (docs/sharing.md, "Keys and pseudonyms").

The HMAC key behind a run's pseudonyms lives in a private key store outside the reports
folder (folder 0700, files 0600); the manifest names it by id and fingerprint only;
`compliance-kit reidentify` links pseudonyms back for holders of the key store; per-job
keys keep pseudonyms comparable across a job's runs until `keys rotate`. And the issue's
brute-force test: no string found anywhere in a run's output works as the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compliance_kit.errors import UserError
from compliance_kit.privacy.keys import KeyStore, default_keys_dir, fingerprint
from compliance_kit.privacy.pseudonyms import pseudonym
from compliance_kit.privacy.reidentify import MANIFEST_PLACES, read_manifest
from compliance_kit.reports.schedule import load_job

from conftest_reports import NOTEBOOKS, ROOT, TEST_KEYS, fixture_run, fixture_store, run_cli, run_dirs  # noqa: F401

CK = [str(Path(sys.executable).parent / "compliance-kit")]
SHOWN = re.compile(r'<td[^>]*>\s*(?:"|&quot;)?([0-9a-f]{12})(?:"|&quot;)?\s*</td>')  # a case-list cell


def ck(*args, cwd=ROOT, env=None, timeout=300):
    """The full `compliance-kit` CLI (keys, reidentify) in a subprocess."""
    full_env = dict(os.environ)
    full_env.pop("COMPLIANCE_KIT_DB", None)
    full_env["COMPLIANCE_KIT_KEYS"] = str(TEST_KEYS)
    full_env.update(env or {})
    return subprocess.run([*CK, *map(str, args)], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


def manifest_path(run: Path) -> Path:
    return next(run / p for p in MANIFEST_PLACES if (run / p).is_file())


def shown_pseudonyms(html_file: Path) -> list[str]:
    return SHOWN.findall(html_file.read_text(encoding="utf-8"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the key store ------------------------------------------------------------------------


def test_key_file_0600_and_folder_0700_whatever_the_umask(tmp_path):
    old = os.umask(0)   # the modes must not depend on the caller's umask
    try:
        store = KeyStore(tmp_path / "keys")
        key = store.create("run-20261031T000000Z-abcdef", "run")
    finally:
        os.umask(old)
    assert mode(store.path) == 0o700
    assert mode(store.key_path(key.key_id)) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}", key.secret), "32 random bytes as hex"
    assert store.load(key.key_id).secret == key.secret
    with pytest.raises(UserError, match="never overwritten"):
        store.create(key.key_id, "run")
    assert key.secret not in repr(key) and key.secret not in repr(store)


def test_group_readable_key_file_is_refused(tmp_path):
    store = KeyStore(tmp_path / "keys")
    key = store.create("run-x", "run")
    store.key_path(key.key_id).chmod(0o640)
    with pytest.raises(UserError, match=r"mode 0640.*chmod 600"):
        store.load(key.key_id)
    (info,) = store.list_keys()
    assert info.fingerprint is None and "chmod 600" in info.problem


def test_default_location(monkeypatch, tmp_path):
    monkeypatch.delenv("COMPLIANCE_KIT_KEYS", raising=False)
    assert default_keys_dir() == Path(".keys")
    monkeypatch.setenv("COMPLIANCE_KIT_KEYS", str(tmp_path / "k"))
    assert KeyStore().path == tmp_path / "k"
    assert "/.keys/" in (ROOT / ".gitignore").read_text().splitlines()


def test_key_store_inside_reports_is_refused_symlinks_included(tmp_path):
    out = tmp_path / "reports"
    (out / "deep").mkdir(parents=True)
    for inside in (out, out / "keys", out / "deep" / "k"):
        with pytest.raises(UserError, match="inside the reports folder"):
            KeyStore(inside).check_outside(out)
    link = tmp_path / "innocent-looking"
    link.symlink_to(out / "deep")
    with pytest.raises(UserError, match="inside the reports folder"):
        KeyStore(link / "keys").check_outside(out)
    out_link = tmp_path / "reports-link"       # the reports folder reached through a symlink
    out_link.symlink_to(out)
    with pytest.raises(UserError, match="inside the reports folder"):
        KeyStore(out / "k").check_outside(out_link)
    KeyStore(tmp_path / ".keys").check_outside(out)   # beside it is fine


def test_run_refuses_key_store_inside_reports(tmp_path, fixture_store):
    db, _ = fixture_store
    out = tmp_path / "reports"
    out.mkdir()
    link = tmp_path / "keys-link"
    link.symlink_to(out)
    for keys in (out / "keys", link / "k"):
        proc = run_cli("run", "fx_counts", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db,
                       "--out", out, "--keys", keys)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        (line,) = proc.stderr.strip().splitlines()
        assert "inside the reports folder" in line and "Traceback" not in proc.stderr
    assert list(out.iterdir()) == [], "nothing ran, nothing published, no key written"


def test_fingerprint_names_the_key_without_revealing_it(tmp_path):
    store = KeyStore(tmp_path / "k")
    a, b = store.create("run-a", "run"), store.create("run-b", "run")
    assert a.fingerprint == fingerprint(a.secret) != b.fingerprint
    assert re.fullmatch(r"[0-9a-f]{16}", a.fingerprint)
    assert a.fingerprint not in a.secret, "no part of the key"
    assert a.fingerprint not in hashlib.sha256(a.secret.encode()).hexdigest(), "not a plain hash of it"


def test_schedule_keys_and_lifetime(tmp_path):
    toml = tmp_path / "r.toml"
    toml.write_text('[jobs.a]\nkeys = "/srv/k"\nkey_lifetime = "job"\n[jobs.b]\n[jobs.c]\nkey_lifetime = "week"\n')
    a, b = load_job(toml, "a"), load_job(toml, "b")
    assert (a.keys, a.key_lifetime) == ("/srv/k", "job")
    assert (b.keys, b.key_lifetime) == (None, "run")
    with pytest.raises(UserError, match="key_lifetime"):
        load_job(toml, "c")
    committed = (ROOT / "reports.toml").read_text()
    assert "keys" in committed and "key_lifetime" in committed, "the job keys are documented at the top"


# -- a run and its manifest ---------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed_run(tmp_path_factory, fixture_store):
    """fx_counts run with its own key store: (out, run_dir, keys_dir, ids)."""
    db, ids = fixture_store
    base = tmp_path_factory.mktemp("keyed")
    out, keys = base / "reports", base / "private-keys"
    proc = run_cli("run", "fx_counts", "--notebooks", NOTEBOOKS, "--as-of", "2026-10-31", "--db", db,
                   "--out", out, "--keys", keys)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run,) = run_dirs(out)
    return out, run, keys, ids


def test_manifest_names_the_key_and_nothing_under_reports_holds_it(keyed_run):
    out, run, keys, _ = keyed_run
    entry = json.loads(manifest_path(run).read_text())["pseudonymisation"]
    assert set(entry) == {"key_id", "fingerprint", "lifetime", "method"}
    assert entry["key_id"] == f"run-{run.name}" and entry["lifetime"] == "run"
    key = KeyStore(keys).load(entry["key_id"], expected_fingerprint=entry["fingerprint"])
    assert mode(keys) == 0o700 and mode(KeyStore(keys).key_path(key.key_id)) == 0o600
    raw = bytes.fromhex(key.secret)
    for path in out.rglob("*"):   # the executed notebooks too: the key is no papermill parameter
        if path.is_file():
            data = path.read_bytes()
            assert key.secret.encode() not in data and raw not in data, f"key leaked into {path}"
            assert key.secret.upper().encode() not in data


def test_runs_draw_distinct_keys(keyed_run, fixture_run):
    """The same ids (fx_counts' oldest five records) under two runs' keys: no pseudonym in
    common, so pseudonyms of two runs cannot be matched (and the key is no constant)."""
    _, run_a, _, _ = keyed_run
    _, run_b, _, _ = fixture_run
    a = shown_pseudonyms(run_a / "fx_counts.html")
    b = shown_pseudonyms(run_b / "fx_counts.html")
    assert len(a) == len(b) == 5
    assert not set(a) & set(b)


# -- reidentify ---------------------------------------------------------------------------


def test_reidentify_round_trip(keyed_run):
    out, run, keys, ids = keyed_run
    shown = shown_pseudonyms(run / "fx_counts.html")
    assert len(shown) == 5
    proc = ck("reidentify", run.name, *shown, "--keys", keys, "--out", out)
    assert proc.returncode == 0, proc.stderr
    lines = [ln.split() for ln in proc.stdout.strip().splitlines()]
    assert [ln[0] for ln in lines] == shown and {ln[1] for ln in lines} == {"records.record_id"}
    key = KeyStore(keys).load(f"run-{run.name}")
    for p, _, raw_id in lines:
        assert raw_id in ids["records"] and pseudonym(raw_id, key.secret) == p
    # A run folder path works too; an unknown pseudonym is listed and exits 1.
    proc = ck("reidentify", run, shown[0], "abcdef012345", "--keys", keys)
    assert proc.returncode == 1
    assert proc.stdout.split()[0] == shown[0] and "abcdef012345" in proc.stderr


def test_reidentify_needs_the_right_key(keyed_run, tmp_path):
    out, run, keys, _ = keyed_run
    p = shown_pseudonyms(run / "fx_counts.html")[0]
    key_id = f"run-{run.name}"

    proc = ck("reidentify", run, p, "--keys", tmp_path / "empty")
    assert proc.returncode == 2 and "is not in the key store" in proc.stderr
    assert "only a holder of the key store can re-identify" in proc.stderr

    wrong = tmp_path / "wrong"        # same key id, another key
    KeyStore(wrong).create(key_id, "run")
    proc = ck("reidentify", run, p, "--keys", wrong)
    assert proc.returncode == 2 and "fingerprint" in proc.stderr and "Traceback" not in proc.stderr

    loose = tmp_path / "loose"
    shutil.copytree(keys, loose)
    (loose / f"{key_id}.key").chmod(0o644)
    proc = ck("reidentify", run, p, "--keys", loose)
    assert proc.returncode == 2 and "chmod 600" in proc.stderr

    for bad in (["no-such-run", p], [run.name, "not-hex"]):
        proc = ck("reidentify", *bad, "--keys", keys, "--out", out)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


# -- per-job keys -------------------------------------------------------------------------


def test_job_key_shared_across_runs_until_rotated(tmp_path, fixture_store):
    db, _ = fixture_store
    out, keys = tmp_path / "reports", tmp_path / "job-keys"
    toml = tmp_path / "reports.toml"
    toml.write_text(f"""
[jobs.nightly]
notebooks = ["fx_counts"]
notebooks_dir = "{NOTEBOOKS}"
as_of = "2026-10-31"
out = "{out}"
db = "{db}"
keys = "{keys}"
key_lifetime = "job"
""")

    def run_job():
        before = set(run_dirs(out)) if out.exists() else set()
        proc = run_cli("run", "--schedule", toml, "nightly")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        (run,) = set(run_dirs(out)) - before
        entry = json.loads(manifest_path(run).read_text())["pseudonymisation"]
        return run, entry, shown_pseudonyms(run / "fx_counts.html")

    run1, e1, p1 = run_job()
    run2, e2, p2 = run_job()
    assert e1["lifetime"] == "job" and e1["key_id"].startswith("job-nightly-")
    assert e1 == e2 and p1 == p2 and len(p1) == 5, "same key, same pseudonyms for the same ids"

    proc = ck("keys", "rotate", "nightly", "--keys", keys)
    assert proc.returncode == 0, proc.stderr
    assert f"previous key {e1['key_id']} kept" in proc.stdout
    run3, e3, p3 = run_job()
    assert e3["key_id"] != e1["key_id"] and e3["fingerprint"] != e1["fingerprint"]
    assert len(p3) == 5 and not set(p3) & set(p1), "after rotation the runs cannot be matched"

    listing = ck("keys", "list", "--keys", keys).stdout.splitlines()
    assert len(listing) == 2
    current = [ln for ln in listing if "current key of job nightly" in ln]
    assert len(current) == 1 and current[0].startswith(e3["key_id"]) and e3["fingerprint"] in current[0]
    # The old key is kept: the first run stays re-identifiable.
    proc = ck("reidentify", run1, p1[0], "--keys", keys)
    assert proc.returncode == 0 and proc.stdout.split()[1] == "records.record_id"
    # Crypto-shredding: without its key file the run's pseudonyms are beyond reach.
    KeyStore(keys).key_path(e1["key_id"]).unlink()
    assert ck("reidentify", run1, p1[0], "--keys", keys).returncode == 2


def test_job_lifetime_needs_a_job(tmp_path, fixture_store):
    from compliance_kit.privacy.keys import prepare_key_store

    with pytest.raises(UserError, match="needs a job"):
        prepare_key_store(tmp_path / "k", tmp_path / "out", "job", None)
    with pytest.raises(UserError, match="cannot name a key"):
        prepare_key_store(tmp_path / "k", tmp_path / "out", "job", "../evil")


# -- the brute-force test -----------------------------------------------------------------

# Tokens: split on anything but letters and digits, and again keeping the characters of
# compound values (run ids, paths, base64), so a key is found whatever punctuation wraps it.
SPLITS = (re.compile(r"[^A-Za-z0-9]+"), re.compile(r"[^A-Za-z0-9_.:+/=-]+"))
MIN_LENGTH = 8
NUMBER = re.compile(r"^(?=.*[0-9])[-+0-9.,:/\seETZ%]*$")               # numbers, dates, times
SVG_PATH = re.compile(r"^(?=.*[0-9])[-+0-9.,\sMmLlHhVvCcSsQqTtAaZz]*$")  # path data, geometry
TABLE_TEXT = re.compile("[\u2500-\u257f]")   # box drawing: a table printed as text, cells tokenised
HEX_RUN = re.compile(r"[0-9a-f]{12,}")
SAMPLE_ID_COLUMNS = (("accounts", "account_id"), ("records", "record_id"), ("records", "account_id"),
                     ("events", "event_id"), ("events", "subject_id"), ("requests", "request_id"),
                     ("requests", "account_id"), ("transfers", "transfer_id"))


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def strings_in(text: str, json_file: bool = False) -> set[str]:
    found = set()
    for split in SPLITS:
        found.update(t for t in split.split(text) if len(t) >= MIN_LENGTH)
    if json_file:
        found.update(s for s in _json_strings(json.loads(text)) if len(s) >= MIN_LENGTH)
    return found


def _is_json(path: Path) -> bool:
    return path.suffix in (".json", ".ipynb")


def without_vega_bundle(text: str) -> str:
    """The page without the Vega/vega-embed code it inlines (reports.html.vega_bundle, from
    vl-convert): code that ships with the kit, byte-identical in every run, so it can hold
    neither a run's key nor a pseudonym; its ~1 MB of JavaScript would otherwise add
    thousands of tokens and hex runs (chance 48-bit matches) to the search."""
    from compliance_kit.reports.html import inline_vega_bundle

    return text.replace(inline_vega_bundle(), "")


def strings_under(folder: Path) -> set[str]:
    """Every string of every file under `folder`: tokens, plus every JSON string value
    (and key) of its JSON files (manifest, metrics, executed notebooks)."""
    found = set()
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            if path.suffix == ".html":
                text = without_vega_bundle(text)
            found |= strings_in(text, _is_json(path))
    return found


def public_strings() -> set[str]:
    """Strings that ship with the kit or its page exporter, identical in every run."""
    from jupyter_core.paths import jupyter_path

    found = set()
    files = [p for d in jupyter_path("nbconvert", "templates") for p in Path(d).rglob("*")]
    for base in ("lib/compliance_kit", "notebooks", "data/policy"):
        files += (ROOT / base).rglob("*")
    for path in files:
        if path.is_file() and path.suffix in (".py", ".sql", ".j2", ".json", ".yaml", ".html", ".css",
                                              ".ipynb", ".js", ".tpl"):
            found |= strings_in(path.read_bytes().decode("utf-8", "replace"), path.suffix == ".ipynb")
    return found


def reduce_candidates(strings: set[str], public: set[str]) -> set[str]:
    return {s for s in strings - public
            if not NUMBER.match(s) and not SVG_PATH.match(s) and not TABLE_TEXT.search(s)}


def candidate_keys(folder: Path, public: set[str]) -> set[str]:
    return reduce_candidates(strings_under(folder), public)


def pseudonyms_in_html(folder: Path) -> set[bytes]:
    """Every 12-hex window of every hex run in any HTML file, as the 6 bytes it encodes."""
    found = set()
    for path in folder.rglob("*.html"):
        text = without_vega_bundle(path.read_text(encoding="utf-8", errors="replace"))
        for run in HEX_RUN.findall(text.lower()):
            found.update(bytes.fromhex(run[i:i + 12]) for i in range(len(run) - 11))
    return found


def keys_that_work(candidates, ids: list[bytes], shown: set[bytes]) -> dict[str, list[str]]:
    """Each candidate used as the HMAC key over every id; those giving a shown pseudonym.
    Keyed once per candidate, copied per id: keying costs as much as hashing an id."""
    hits = {}
    for candidate in candidates:
        copy = hmac.new(candidate.encode("utf-8"), digestmod=hashlib.sha256).copy
        for raw_id in ids:
            h = copy()
            h.update(raw_id)
            if h.digest()[:6] in shown:
                hits.setdefault(candidate, []).append(raw_id.decode())
    return hits


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The demo sample (synth --accounts 2000 --seed 7, as the Makefile), built into a
    store, and every real notebook run on it with a private key store."""
    base = tmp_path_factory.mktemp("sample")
    sample, db, out, keys = base / "sample", base / "compliance.duckdb", base / "reports", base / "keys"
    for args in (("synth", "--out", sample, "--accounts", 2000, "--seed", 7), ("build", "--data", sample, "--db", db)):
        proc = ck(*args)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = ck("run", "--all", "--as-of", "2026-10-31", "--db", db, "--out", out, "--keys", keys, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run,) = run_dirs(out)
    from compliance_kit.store import connect

    con = connect(db, read_only=True)
    try:
        ids = set()
        for table, column in SAMPLE_ID_COLUMNS:
            ids |= {r[0] for r in con.sql(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()}
    finally:
        con.close()
    return out, run, keys, sorted(i.encode("utf-8") for i in ids)


def test_no_string_in_the_output_works_as_the_key(sample_run, tmp_path):
    """Every string under the run's output folder (HTML, executed notebooks, manifest,
    metrics, index) is tried as the HMAC key over every id of the demo sample; none may
    produce a pseudonym shown in any HTML page.

    Candidates: tokens of at least 8 characters (split on whitespace, quotes, markup and
    punctuation, and again keeping - _ . : + / = inside compound values) plus every JSON
    string (value or key) of the JSON files (manifest, metrics, executed notebooks): about
    7,600 distinct strings. Keyed once and copied per id, one candidate costs about 30 ms
    over the sample's 25,000 ids, so all of them would take about 4 minutes. Four kinds
    of string are skipped (the groups overlap), none of which can be a run's key; about
    680 remain, 15-20 s:
    - numbers, dates and times (about 1,250; a key is 64 hex characters from `secrets`);
    - SVG path data and chart geometry (about 1,900: digits and path commands only);
    - tables printed as text (about 700 box-drawing lines of DataFrame reprs): each cell
      is a token already;
    - strings that ship verbatim with the kit or its exporter (lib/, notebooks/,
      data/policy/, nbconvert's templates: page CSS, code, labels; about 3,900): identical
      in every run, so a key equal to one would be a constant key, which
      test_runs_draw_distinct_keys and the per-job rotation test rule out.
    The test can fail: the real key (from the key store) does produce the shown
    pseudonyms, and copies of the output with the key written into the manifest or into an
    executed notebook's parameters are caught. Counts and runtime are printed (pytest -s).
    """
    out, run, keys, ids = sample_run
    shown = pseudonyms_in_html(out)
    public = public_strings()
    t0 = time.perf_counter()
    found = strings_under(out)
    candidates = reduce_candidates(found, public)
    hits = keys_that_work(sorted(candidates), ids, shown)
    seconds = time.perf_counter() - t0
    skipped = {"numbers": sum(bool(NUMBER.match(s)) for s in found),
               "svg": sum(bool(SVG_PATH.match(s)) for s in found),
               "table text": sum(bool(TABLE_TEXT.search(s)) for s in found),
               "public": len(found & public)}
    print(f"\nbrute force: {len(found)} strings in the output (skipped, overlapping: {skipped}), "
          f"{len(candidates)} candidate keys x {len(ids)} ids in {seconds:.1f} s")
    assert not hits, {k[:16]: v[:3] for k, v in hits.items()}
    assert len(candidates) > 100, "the output was read"
    # The runtime follows the count (~30 ms each): keep it well under a minute.
    assert len(candidates) < 1500, f"{len(candidates)} candidates: find another principled reduction"

    # The method works: the run's real key gives the pseudonyms on the pages.
    entry = read_manifest(run)["pseudonymisation"]
    key = KeyStore(keys).load(entry["key_id"], expected_fingerprint=entry["fingerprint"])
    real = keys_that_work([key.secret], ids, shown)
    assert len(real.get(key.secret, [])) >= 10, "the case lists show pseudonyms of the real key"
    assert {i.split("-")[0] for i in real[key.secret]} >= {"req", "rec"}, real[key.secret][:5]

    # And a leak is caught: copies with the key in the manifest (the old bug) or in an
    # executed notebook's parameters. Only the strings a copy adds need trying again.
    leaky = tmp_path / "manifest-leak"
    shutil.copytree(out, leaky)
    path = manifest_path(leaky / run.name)
    manifest = json.loads(path.read_text())
    manifest["pseudonymisation"]["salt"] = key.secret
    path.write_text(json.dumps(manifest, indent=2))
    assert set(keys_that_work(candidate_keys(leaky, public) - candidates, ids, shown)) == {key.secret}

    leaky = tmp_path / "notebook-leak"
    shutil.copytree(out, leaky)
    notebook = next((leaky / run.name).rglob("*.ipynb"))
    nb = json.loads(notebook.read_text())
    cell = next(c for c in nb["cells"] if "injected-parameters" in c.get("metadata", {}).get("tags", []))
    source = cell["source"]
    cell["source"] = ("".join(source) if isinstance(source, list) else source) + f'\npseudonym_key = "{key.secret}"\n'
    notebook.write_text(json.dumps(nb))
    assert set(keys_that_work(candidate_keys(leaky, public) - candidates, ids, shown)) == {key.secret}

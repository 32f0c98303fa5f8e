"""Safe to share (docs/sharing.md): a run folder draws the line between shared and internal
on disk; a failed notebook's shared page says in plain words which section failed, with no
traceback and no path of the machine; report names and input files cannot reach outside
their folders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from compliance_kit.data.loader import check_input_file
from compliance_kit.errors import DataValidationError, UserError
from compliance_kit.privacy.redact import scrub_paths
from compliance_kit.reports.runner import select_notebooks
from compliance_kit.reports.shareable import make_shareable

from conftest_data import VALID, write_tables
from conftest_reports import (FAILING, NOTEBOOKS, ROOT, fixture_run, fixture_store,  # noqa: F401
                              run_cli, run_dirs)

AS_OF = "2026-10-31"
VENV = Path(sys.prefix)


# ------------------------------------------------------------------ helpers

class _Links(HTMLParser):
    """Every URL a page links to or loads (href, src, action, data, formaction)."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "data", "formaction") and value is not None:
                self.urls.append(value)


def links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.urls


def assert_shared_link(page: Path, url: str, out: Path) -> None:
    """`url` (from `page`) is an in-page anchor, an inline data: URI, or a shared page of
    the reports folder: never under internal/, never JSON or a notebook, never outside."""
    if url.startswith("#") or url.startswith("data:"):
        return
    parts = urlsplit(url)
    assert not parts.scheme and not parts.netloc, f"{page.name}: external link {url}"
    target = (page.parent / unquote(parts.path)).resolve()
    assert target.is_relative_to(out.resolve()), f"{page.name}: {url} leaves the reports folder"
    rel = target.relative_to(out.resolve())
    assert "internal" not in rel.parts, f"{page.name}: {url} points into internal/"
    assert target.suffix == ".html", f"{page.name}: {url} is not a shared page"
    assert target.is_file(), f"{page.name}: {url} is a broken link"


def machine_paths(tmp: Path) -> list[str]:
    return [str(ROOT), str(tmp), str(tmp.resolve()), str(VENV), "/home", "/root", "/usr", "/tmp"]


def assert_no_traceback_or_path(text: str, tmp: Path) -> None:
    assert "Traceback" not in text
    assert 'File "' not in text and "File &quot;" not in text and "File &#34;" not in text
    assert "\x1b[" not in text and "[0;31m" not in text, "ANSI colour codes"
    assert "---->" not in text and "----&gt;" not in text, "traceback arrows"
    assert 'class="ansi' not in text, "a rendered traceback"
    for path in machine_paths(tmp):
        assert path not in text, f"the page shows a path of the machine: {path}"


def notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def parameters_cell(extra: str = ""):
    cell = new_code_cell('db_path = None\nas_of = "2026-10-31"\nk = 5\nmetrics_path = None\n'
                         'chart_renderer = "svg"\n' + extra)
    cell.metadata["tags"] = ["parameters"]
    return cell


def leaky_notebook(folder: Path) -> Path:
    """A notebook whose stderr, error message, traceback and a parameter carry paths of
    the machine (the venv through IPython's `open`, the tmp folder, /home, /root, /usr)."""
    nb = notebook([
        new_markdown_cell("# Fixture: paths everywhere"),
        parameters_cell('data_dir = "/home/analyst/private/exports"\n'),
        new_code_cell("import os, sys, warnings\n"
                      "from compliance_kit.reports.params import validate_common\n"
                      "validate_common(as_of=as_of, k=k, chart_renderer=chart_renderer)\n"
                      'print("reading /root/.secrets/token and /usr/local/etc/x.conf", file=sys.stderr)\n'
                      'warnings.warn(f"slow disk under {os.getcwd()}")\n'
                      'print("loaded 3 tables")'),
        new_markdown_cell("## Overdue records by system\n\nThe records past their deadline."),
        new_code_cell('open(os.path.join(os.getcwd(), "private", "records.csv"))'),
        new_markdown_cell("## Never reached"),
        new_code_cell('print("after")'),
    ])
    path = folder / "fx_leaky.ipynb"
    nbformat.write(nb, path)
    return path


# ------------------------------------------------------------------ shared and internal

def test_published_run_has_the_shared_and_internal_layout(fixture_run):
    out, run, _, _ = fixture_run
    shared = sorted(p.name for p in run.iterdir() if p.is_file())
    assert shared == ["fx_accounts.html", "fx_counts.html", "index.html"], "only pages beside internal/"
    assert sorted(p.name for p in run.iterdir() if p.is_dir()) == ["internal"]
    internal = sorted(p.name for p in (run / "internal").iterdir())
    assert internal == ["fx_accounts.ipynb", "fx_counts.ipynb", "manifest.json", "metrics.json"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(["index.html", run.name])
    manifest = json.loads((run / "internal" / "manifest.json").read_text())
    assert [(n["html"], n["ipynb"]) for n in manifest["notebooks"]] == [
        ("fx_accounts.html", "internal/fx_accounts.ipynb"), ("fx_counts.html", "internal/fx_counts.ipynb")]


def test_index_links_only_to_shared_dashboards(fixture_run):
    out, run, _, _ = fixture_run
    index = out / "index.html"
    urls = links(index)
    assert sorted(set(urls)) == [f"{run.name}/fx_accounts.html", f"{run.name}/fx_counts.html",
                                 f"{run.name}/index.html"]   # the dashboards and the run overview
    for url in urls:
        assert_shared_link(index, url, out)
    text = index.read_text()
    assert "internal/" not in text and "manifest.json" not in text and ".ipynb" not in text


def test_dashboards_link_only_inside_the_shared_unit(fixture_run):
    out, run, _, _ = fixture_run
    for page in sorted(run.glob("*.html")):
        urls = links(page)
        assert "../index.html" in urls, page.name
        for url in urls:
            assert_shared_link(page, url, out)


# ------------------------------------------------------------------ failed runs

@pytest.fixture(scope="module")
def failed_run(tmp_path_factory, fixture_store):
    db, _ = fixture_store
    out = tmp_path_factory.mktemp("failed") / "reports"
    proc = run_cli("run", "fx_failing", "--notebooks", FAILING, "--as-of", AS_OF, "--db", db, "--out", out)
    (run,) = run_dirs(out)
    return out, run, proc


@pytest.fixture(scope="module")
def leaky_run(tmp_path_factory, fixture_store):
    db, _ = fixture_store
    tmp = tmp_path_factory.mktemp("leaky")
    (tmp / "notebooks").mkdir()
    leaky_notebook(tmp / "notebooks")
    out = tmp / "reports"
    proc = run_cli("run", "fx_leaky", "--notebooks", tmp / "notebooks", "--as-of", AS_OF, "--db", db, "--out", out)
    (run,) = run_dirs(out)
    return tmp, run, proc


def test_failed_run_exits_3_and_its_page_says_what_failed_in_plain_words(failed_run):
    out, run, proc = failed_run
    assert proc.returncode == 3, proc.stdout + proc.stderr
    html = (run / "fx_failing.html").read_text()
    assert_no_traceback_or_path(html, out.parent)
    assert "ratio = 1 / 0" not in html and "cell 4" not in html and "In [" not in html, "no code, no cell"
    status = re.search(r'<td class="ck-failed">(.*?)</td>', html, re.S).group(1)
    assert status == "failed in section ‘Fixture: a notebook that fails’: ZeroDivisionError: division by zero"
    block = re.search(r'<div class="ck-error" role="alert"><p>(.*?)</p></div>', html, re.S).group(1)
    assert block == ("This section, ‘Fixture: a notebook that fails’, could not be completed: "
                     "ZeroDivisionError: division by zero")
    assert "papermill-error-cell" not in html and "An Exception was encountered" not in html
    # the operator's line still names the notebook, the cell and the code
    assert "fx_failing" in proc.stderr and "cell 4" in proc.stderr and "ratio = 1 / 0" in proc.stderr


def test_failed_run_keeps_the_traceback_internal(failed_run):
    _, run, _ = failed_run
    nb = nbformat.read(run / "internal" / "fx_failing.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "ZeroDivisionError"
    assert any("Traceback" in line for line in errors[0].traceback)
    manifest = json.loads((run / "internal" / "manifest.json").read_text())
    assert manifest["notebooks"][0]["failed_cell"] == 4 and "ratio = 1 / 0" in manifest["notebooks"][0]["error"]


def test_leaky_notebook_page_shows_no_path_no_stderr_no_traceback(leaky_run):
    tmp, run, proc = leaky_run
    assert proc.returncode == 3, proc.stdout + proc.stderr
    html = (run / "fx_leaky.html").read_text()
    assert_no_traceback_or_path(html, tmp)
    assert "secrets" not in html and "slow disk" not in html and "UserWarning" not in html, "stderr is dropped"
    assert "loaded 3 tables" in html, "stdout stays"
    want = ("This section, ‘Overdue records by system’, could not be completed: FileNotFoundError: "
            "[Errno 2] No such file or directory: 'records.csv'")  # nbconvert's soup unescapes quotes
    assert want in html
    status = re.search(r'<td class="ck-failed">(.*?)</td>', html, re.S).group(1)
    assert status.startswith("failed in section ‘Overdue records by system’: FileNotFoundError: ")
    params = re.search(r"<th>scope</th><td>(.*?)</td>", html, re.S).group(1)
    assert "data dir: exports" in params, "a path parameter shows its last component only"


def test_leaky_notebook_keeps_everything_internal(leaky_run):
    tmp, run, _ = leaky_run
    text = (run / "internal" / "fx_leaky.ipynb").read_text()
    assert "/root/.secrets/token" in text and "slow disk under" in text
    assert str(tmp.resolve()) in text and "Traceback" in text


def test_make_shareable_names_the_nearest_heading():
    nb = notebook([
        new_markdown_cell("# Report"),
        new_markdown_cell("Intro text, no heading."),
        new_markdown_cell("## Requests *late*\n\n### Per channel"),
        new_code_cell("x"),
    ])
    nb.cells[3].outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="/home/a/x.py:3: UserWarning\n"),
        nbformat.v4.new_output("stream", name="stdout", text="fine\n"),
        nbformat.v4.new_output("error", ename="ParameterError", evalue="\x1b[31mk must be at least 1, not 0",
                               traceback=["Traceback", 'File "/home/a/x.py"']),
    ]
    failures = make_shareable(nb)
    assert [f.status() for f in failures] == [
        "failed in section ‘Per channel’: ParameterError: k must be at least 1, not 0"]
    outputs = nb.cells[3].outputs
    assert [o.output_type for o in outputs] == ["stream", "display_data"]
    assert outputs[1].data["text/plain"] == (
        "This section, ‘Per channel’, could not be completed: ParameterError: k must be at least 1, not 0")


def test_header_values_go_through_the_one_escaping_helper(tmp_path):
    from compliance_kit.privacy import escaping
    from compliance_kit.reports.html import TEMPLATES, _exporter, export_html

    assert _exporter().environment.filters["ck_escape"] is escaping.escape
    template = (TEMPLATES / "compliance" / "index.html.j2").read_text()
    assert "escape_html_keep_quotes" not in template
    assert len(re.findall(r"ck\.get\([^)]*\)\s*\|\s*ck_escape", template)) == 7, "every ck.* value"
    nb = notebook([new_markdown_cell("# A <b>title</b>")])
    page = export_html(nb, tmp_path / "x.html", {
        "title": "<img src=x onerror=alert(1)>", "as_of": "<script>alert(2)</script>",
        "run_id": "r&d", "policy": "<i>p</i>", "parameters": "k=<5>", "status": "failed",
        "error": "ValueError: <b>bad</b> in /home/ana/x.csv"}).read_text()
    assert "<img src=x" not in page and "<script>alert" not in page and "<i>p</i>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;script&gt;alert(2)" in page
    assert "r&amp;d" in page and "k=&lt;5&gt;" in page
    status = re.search(r'<td class="ck-failed">(.*?)</td>', page, re.S).group(1)
    assert status == "failed: ValueError: &lt;b&gt;bad&lt;/b&gt; in x.csv"


# ------------------------------------------------------------------ paths: reports

@pytest.fixture
def notebook_folders(tmp_path):
    """A notebooks folder, a runnable notebook outside it, and a symlink in the folder to it."""
    folder = tmp_path / "notebooks"
    outside = tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    shutil.copy(NOTEBOOKS / "fx_accounts.ipynb", folder / "fx_accounts.ipynb")
    shutil.copy(NOTEBOOKS / "fx_counts.ipynb", outside / "fx_counts.ipynb")
    (folder / "linked.ipynb").symlink_to(outside / "fx_counts.ipynb")
    return folder, outside


@pytest.mark.parametrize("name, reason", [
    ("../../x", "'..' would leave"),
    ("../outside/fx_counts", "'..' would leave"),
    ("ok/../../outside/fx_counts.ipynb", "'..' would leave"),
    ("ABS", "an absolute path is not a report name"),
    ("~/fx_counts", "an absolute path is not a report name"),
    ("C:\\reports\\fx_counts.ipynb", "an absolute path is not a report name"),
    ("linked", "symbolic link to a notebook outside the notebooks folder"),
])
def test_select_notebooks_refuses_names_that_leave_the_folder(notebook_folders, name, reason):
    folder, outside = notebook_folders
    if name == "ABS":
        name = str(outside / "fx_counts.ipynb")
    with pytest.raises(UserError, match=re.escape(reason)) as info:
        select_notebooks((name,), False, folder)
    assert f"report {name!r}" in str(info.value), "the message names the report"


def test_select_notebooks_all_refuses_a_symlink_out_of_the_folder(notebook_folders):
    folder, _ = notebook_folders
    with pytest.raises(UserError, match="report 'linked': .* symbolic link"):
        select_notebooks((), True, folder)
    (folder / "linked.ipynb").unlink()
    (folder / "inner.ipynb").symlink_to(folder / "fx_accounts.ipynb")  # a link inside is fine
    assert [p.name for p in select_notebooks((), True, folder)] == ["fx_accounts.ipynb", "inner.ipynb"]


@pytest.mark.parametrize("name", ["../../x", "../outside/fx_counts", "ABS", "linked"])
def test_cli_run_refuses_a_report_outside_the_folder(notebook_folders, fixture_store, tmp_path, name):
    db, _ = fixture_store
    folder, outside = notebook_folders
    if name == "ABS":
        name = str(outside / "fx_counts.ipynb")
    out = tmp_path / "reports"
    proc = run_cli("run", name, "--notebooks", folder, "--as-of", AS_OF, "--db", db, "--out", out)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("Error: ") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not out.exists() or not any(out.iterdir()), "nothing is published"


@pytest.mark.parametrize("names", [["../outside/fx_counts"], ["linked"], ["fx_accounts", "linked"]])
def test_schedule_job_refuses_a_report_outside_the_folder(notebook_folders, fixture_store, tmp_path, names):
    db, _ = fixture_store
    folder, _ = notebook_folders
    out = tmp_path / "reports"
    toml = tmp_path / "reports.toml"
    toml.write_text(f'[jobs.nightly]\nnotebooks = {json.dumps(names)}\nnotebooks_dir = "{folder}"\n'
                    f'as_of = "{AS_OF}"\nout = "{out}"\ndb = "{db}"\n')
    proc = run_cli("run", "--schedule", toml, "nightly")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and ("'..'" in proc.stderr or "symbolic link" in proc.stderr)
    assert not out.exists() or not any(out.iterdir()), "nothing is published"


# ------------------------------------------------------------------ paths: input files

SECRET = "root:SECRET-LINE-7f3a9c:0:0:do not echo me"


def _build(data: Path, tmp_path: Path):
    cli = Path(sys.executable).with_name("compliance-kit")
    return subprocess.run([str(cli), "build", "--data", str(data), "--db", str(tmp_path / "store.duckdb")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def _data_without_records(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "data", {k: v for k, v in VALID.items() if k != "records"})


def test_build_refuses_a_symlinked_input_and_does_not_echo_it(tmp_path):
    data = _data_without_records(tmp_path)
    secret = tmp_path / "passwd"
    secret.write_text(SECRET + "\n")
    (data / "records.csv").symlink_to(secret)
    proc = _build(data, tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    output = proc.stdout + proc.stderr
    assert "records.csv" in proc.stderr and "symbolic link" in proc.stderr
    assert "SECRET-LINE" not in output and "do not echo" not in output
    assert "Traceback" not in output and not (tmp_path / "store.duckdb").exists()


def test_build_refuses_a_fifo_without_blocking(tmp_path):
    data = _data_without_records(tmp_path)
    os.mkfifo(data / "records.csv")
    proc = _build(data, tmp_path)  # reading the pipe would block until the timeout
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "records.csv" in proc.stderr and "named pipe (FIFO)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_build_refuses_a_folder_named_like_a_table(tmp_path):
    data = _data_without_records(tmp_path)
    (data / "records.csv").mkdir()
    proc = _build(data, tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "records.csv" in proc.stderr and "a folder, not a file" in proc.stderr


def test_check_input_file_for_spark_allows_a_parquet_folder_only(tmp_path):
    folder = tmp_path / "records.parquet"
    folder.mkdir()
    check_input_file(folder, allow_dir=True)  # Spark writes a table as a folder of part files
    link = tmp_path / "accounts.parquet"
    link.symlink_to(folder)
    with pytest.raises(DataValidationError, match="accounts.parquet: refused: it is a symbolic link"):
        check_input_file(link, allow_dir=True)
    fifo = tmp_path / "events.parquet"
    os.mkfifo(fifo)
    with pytest.raises(DataValidationError, match="named pipe"):
        check_input_file(fifo, allow_dir=True)
    with pytest.raises(DataValidationError, match="a folder, not a file"):
        check_input_file(folder)
    dangling = tmp_path / "requests.csv"
    dangling.symlink_to(tmp_path / "gone.csv")
    with pytest.raises(DataValidationError, match="symbolic link"):
        check_input_file(dangling)


# ------------------------------------------------------------------ scrub_paths

@pytest.mark.parametrize("text, want", [
    ("No such file or directory: '/home/ana/data/records.csv'", "No such file or directory: 'records.csv'"),
    ("'/tmp/pytest of ana/x/store.duckdb' is locked", "'store.duckdb' is locked"),
    ("/srv/ck/.venv/lib/python3.11/site-packages/x.py:12: UserWarning: y", "x.py:12: UserWarning: y"),
    ("see ~/exports/a.csv and ~bob/b.csv", "see a.csv and b.csv"),
    ("C:\\Users\\ana\\data\\records.csv failed", "records.csv failed"),
    ("\\\\fileserver\\share\\records.csv", "records.csv"),
    ("file:///srv/data/records.csv.", "records.csv."),
    ("path=/etc/passwd, (/root/.ssh/id_rsa)", "path=passwd, (id_rsa)"),
    ("opening file:/// failed", "opening <path> failed"),
])
def test_scrub_paths_keeps_the_last_component(text, want):
    assert scrub_paths(text) == want


@pytest.mark.parametrize("text", [
    "2/3 of requests; 1 / 2; a value of /0", "as of 2026/10/31", "fixture/2022-05-25 (version 2022-05-25)",
    "https://example.com/policy/a and http://x.org/", "division by zero", "ratio 12/400 = 3%",
    "<b>bold</b> markup",
])
def test_scrub_paths_leaves_fractions_dates_and_urls(text):
    assert scrub_paths(text) == text

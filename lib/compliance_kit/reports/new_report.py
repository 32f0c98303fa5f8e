"""`compliance-kit new-report NAME`: an analyst's own report, from the kit's template.

The template (templates/new_report.ipynb) is a working report: a parameters cell, the
parameter contract declared in the notebook's metadata (compliance_kit.contract_data),
one validation call, the store opened read-only, a query with bound parameters, headline
figures written to metrics.json under `NAME.*`, and the suppression and escaping helpers.
Nothing else needs to change: the runner finds every notebook of the notebooks folder
(`run NAME`, `run --all`, reports.toml jobs), and the index and run overview show whatever
sections metrics.json holds. docs/writing-reports.md walks through it.

NAME becomes a file name, a metrics section and the key of the run's pages, so it is a
lower-case identifier that clashes with nothing the kit already uses.
"""

from __future__ import annotations

import keyword
import os
import re
from importlib import resources
from pathlib import Path

from ..errors import UserError

PLACEHOLDER = "__REPORT__"
TITLE_PLACEHOLDER = "__TITLE__"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
# Names a run folder already uses for something else: the run overview (index.html),
# the internal folder, and the kit's own metrics sections and report notebooks.
RESERVED = {"index", "internal"}


def template_text() -> str:
    """The template notebook shipped inside the package."""
    return resources.files(__package__).joinpath("templates/new_report.ipynb").read_text(encoding="utf-8")


def taken_names() -> set[str]:
    """Names a new report may not take: the kit's reports and its metrics sections (a
    report's figures go to metrics.json under its name: `retention` would mix with the
    retention report's), and the run folder's own names."""
    from ..analysis import REPORTS
    from ..figures import FIGURES

    sections = {key.split(".", 1)[0] for key in FIGURES}
    return RESERVED | set(REPORTS) | sections


def check_name(name: str, notebooks_dir: Path) -> str:
    """`name` if a new report may take it; UserError (exit 2) saying why not."""
    text = str(name)
    if not NAME_PATTERN.match(text):
        hint = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")
        hint = f" (e.g. {hint!r})" if hint and NAME_PATTERN.match(hint) else ""
        raise UserError(f"report name {name!r}: use lower-case letters, digits and _, starting with a "
                        f"letter, at most 48 characters{hint}; it becomes notebooks/NAME.ipynb and the "
                        "metrics section NAME")
    if keyword.iskeyword(text):
        raise UserError(f"report name {name!r} is a Python keyword: choose another")
    if text in taken_names():
        raise UserError(f"report name {name!r} is taken by the kit (its reports, metrics sections and the "
                        f"run overview use {', '.join(sorted(taken_names()))}): choose another")
    folder = Path(notebooks_dir)
    if folder.is_dir():
        existing = {p.stem.lower(): p for p in folder.glob("*.ipynb")}
        if text in existing:
            raise UserError(f"there is already a report {text!r}: {existing[text]}; choose another name "
                            "(or edit that notebook)")
    return text


def render(name: str, title: str | None = None) -> str:
    """The template's text for report `name` (already checked): the placeholder is a
    plain identifier, so replacing it in the JSON text changes nothing else."""
    title = title or name.replace("_", " ").capitalize()
    if any(ch in title for ch in '\\"<>') or any(ord(ch) < 32 for ch in title):
        raise UserError("--title: plain words please (no quotes, backslashes, < >, or control characters)")
    return template_text().replace(PLACEHOLDER, name).replace(TITLE_PLACEHOLDER, title)


def create_report(name: str, notebooks_dir: str | Path, title: str | None = None) -> Path:
    """Write `<notebooks_dir>/<name>.ipynb` from the template; never overwrite a file."""
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise UserError(f"no notebooks folder {folder}: run from the project folder, or pass --notebooks DIR")
    name = check_name(name, folder)
    text = render(name, title)
    path = folder / f"{name}.ipynb"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise UserError(f"{path} exists: choose another name") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path

"""Local paths out of text that reaches a shared page.

An error message or a parameter value can carry a path of the machine that ran the report
(`/home/ana/data/records.csv`, `C:\\Users\\ana\\...`, `file:///srv/...`): it names people,
folders and hosts, and means nothing to the reader. `scrub_paths(text)` keeps the last
component (`records.csv`), which is what a reader can act on, or `<path>` when there is
none. Relative paths (`fixture/2022-05-25`), fractions (`2/3`), dates (`2026/10/31`) and
web URLs (`https://...`) are left alone: a path is only replaced where it starts at a word
boundary with `/`, `~`, a drive letter, `\\\\server` or `file://`.
"""

from __future__ import annotations

import re

PLACEHOLDER = "<path>"

# Where a path may start: the start of the text, or after a blank, a quote, a bracket, `=`,
# `:` or `,` (so `a/b`, `2/3`, `x//y` and the `</b>` of markup never count).
_BEFORE = r"(?:(?<=^)|(?<=[\s'\"`(\[{=:,;]))"
# A path's start: file:// URL, ~ or ~user, a Windows drive, a UNC share, or a single `/`
# followed by a letter, `.`, `_` or `~` (`//host` is a URL's, `/ 2` and `/0` are division).
_START = r"(?:file://|~[\w.-]*[/\\]|[A-Za-z]:[\\/]|\\\\(?=\w)|/(?=[^\W\d]|[._~]))"
# Unquoted, a path runs until a blank, a quote, a bracket or `:` (the `:12:` of
# `file.py:12: UserWarning`); quoted, until its closing quote, blanks included.
_BARE = re.compile(_BEFORE + r"(?P<path>" + _START + r"[^\s'\"`<>()\[\]{}:,;|]*)")
_QUOTED = re.compile(r"(?P<q>['\"`])(?P<path>" + _START + r"[^'\"`\n]*)(?P=q)")
_TRAILING = ".!?"  # sentence punctuation after a path is not part of it


def _last_component(path: str) -> str:
    parts = [p for p in re.split(r"[/\\]+", path) if p]
    if path.lower().startswith("file:"):
        parts = parts[1:]  # "file:" itself
    name = parts[-1] if parts else ""
    if not name or name == "~" or re.fullmatch(r"[A-Za-z]:", name):
        return PLACEHOLDER
    return name


def _bare(match: re.Match) -> str:
    path = match.group("path")
    tail = ""
    while path and path[-1] in _TRAILING:
        path, tail = path[:-1], path[-1] + tail
    return _last_component(path) + tail


def _quoted(match: re.Match) -> str:
    return match.group("q") + _last_component(match.group("path")) + match.group("q")


def scrub_paths(text) -> str:
    """`text` with every local path replaced by its last component (or `<path>`).
    None is ""."""
    if text is None:
        return ""
    text = _QUOTED.sub(_quoted, str(text))
    return _BARE.sub(_bare, text)

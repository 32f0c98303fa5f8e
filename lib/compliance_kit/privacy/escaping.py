"""The one escaping point: every value that reaches HTML goes through here.

Values come from parameters, the policy spec (titles, quotes), the data (systems, reasons,
ids), run ids and file names; none of them is trusted. Templates (the text a developer
wrote around the values) are trusted; values never are.

- `escape(value)`: text for an HTML element or a quoted attribute.
- `escape_markdown(value)`: text for Markdown that becomes HTML (nbconvert passes raw HTML
  in Markdown through, so `<img onerror=...>` in a value would run): HTML-escaped, and
  Markdown punctuation backslash-escaped so a value cannot open a link or emphasis.
- `md(template, **values)` / `html(template, **values)`: display objects for notebooks,
  `template.format(**values)` with every substituted field escaped after formatting
  (`{n:,}` formats the number first, then escapes the text).
"""

from __future__ import annotations

import html as _html
import re
import string

# Markdown's backslash-escapable ASCII punctuation (CommonMark 2.4), minus what HTML
# escaping already turns into an entity (& < > " ').
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=:$^])")


def escape(value) -> str:
    """`value` as text safe inside an HTML element or a quoted attribute; None is ""."""
    if value is None:
        return ""
    return _html.escape(str(value), quote=True)


def escape_markdown(value) -> str:
    """`value` as literal text inside Markdown that is rendered to HTML."""
    if value is None:
        return ""
    return escape(_MARKDOWN_PUNCTUATION.sub(r"\\\1", str(value)))


class _EscapingFormatter(string.Formatter):
    def __init__(self, escape_fn):
        self._escape = escape_fn

    def format_field(self, value, format_spec):
        return self._escape(super().format_field(value, format_spec))

    def convert_field(self, value, conversion):
        # {x!r} would show a Python repr: still escaped by format_field afterwards
        return super().convert_field(value, conversion)


_MD = _EscapingFormatter(escape_markdown)
_HTML = _EscapingFormatter(escape)


def format_markdown(template: str, /, **values) -> str:
    """`template.format(**values)` with every field escaped for Markdown."""
    return _MD.format(template, **values)


def format_html(template: str, /, **values) -> str:
    """`template.format(**values)` with every field escaped for HTML."""
    return _HTML.format(template, **values)


def md(template: str, /, **values):
    """An IPython Markdown object of `template` with escaped values (for display())."""
    from IPython.display import Markdown

    return Markdown(format_markdown(template, **values))


def html(template: str, /, **values):
    """An IPython HTML object of `template` with escaped values (for display())."""
    from IPython.display import HTML

    return HTML(format_html(template, **values))

"""The one escaping point (compliance_kit.privacy.escaping): values are inert in HTML and
in Markdown that nbconvert renders to HTML (it passes raw HTML through)."""

import re

import pytest
from nbconvert.filters.markdown import markdown2html_mistune

from compliance_kit.privacy.escaping import (escape, escape_markdown, format_html, format_markdown,
                                             html, md)

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "\"><svg/onload=alert(3)>",
    "'><a href=javascript:alert(4)>x</a>",
    "[click](javascript:alert(5))",
    "![i](x \"onerror=alert(6)\")",
    "<https://evil.example/?q=1>",
    "`<b>`**bold**_it_",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_values_render_as_text(payload):
    rendered = markdown2html_mistune(format_markdown("Scope: **{v}** as of {d}", v=payload, d="2026-10-31"))
    assert "<img" not in rendered and "<script" not in rendered and "<svg" not in rendered
    assert "<a " not in rendered and 'href="' not in rendered, "a value never becomes a link"
    assert not re.search(r"<(strong|em|code)>[^<]*(bold|it)", rendered.split("</strong>", 1)[1]), \
        "emphasis inside the value is not interpreted"
    assert "<strong>" in rendered, "the template's own Markdown still works"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_values_are_escaped(payload):
    out = format_html('<p title="{v}">{v}</p>', v=payload)
    assert out.count("<") == 2 and out.count(">") == 2, "only the template's tags remain"
    assert '"' not in out[len('<p title="'):-len('</p>')].replace('">', "", 1)


def test_format_specs_apply_before_escaping():
    assert format_markdown("{n:,} ({r:.1%})", n=12345, r=0.25) == "12,345 (25\\.0%)"
    assert markdown2html_mistune(format_markdown("{n:,} ({r:.1%})", n=12345, r=0.25)).strip() == \
        "<p>12,345 (25.0%)</p>"


def test_none_is_empty_and_display_objects():
    assert escape(None) == "" and escape_markdown(None) == ""
    assert escape("a&b") == "a&amp;b"
    assert md("**{x}**", x="<b>").data == "**&lt;b&gt;**"
    assert html("<b>{x}</b>", x="<i>").data == "<b>&lt;i&gt;</b>"

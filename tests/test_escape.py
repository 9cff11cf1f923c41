"""siaga.escape: hostile text rendered through real Markdown parsers (markdown-it-py in CommonMark mode with the
GFM table and strikethrough rules, and Python-Markdown) and a GFM/GitHub check for what those parsers do not do
(extended autolinks, @mentions, #references) must come out as its literal text and nothing else."""

from __future__ import annotations

import html
import re

import markdown as pymarkdown
import pytest
from markdown_it import MarkdownIt

from siaga.escape import markdown, terminal, xml
from siaga.escape.markdown import JOINER

GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])

HOSTILE = {
    "link": "[click](https://evil.example/steal)",
    "reference link": "[click][1]\n\n[1]: https://evil.example",
    "image": "![](https://evil.example/pixel.png)",
    "tracking pixel html": '<img src="https://evil.example/p.gif" width=1>',
    "html": "<details open><summary>x</summary><a href=https://evil.example>y</a>",
    "html comment": "<!-- siaga-check other/stack -->",
    "autolink": "<https://evil.example>",
    "bare url": "see https://evil.example/a?b=c#d now",
    "www": "www.evil.example",
    "email": "mail admin@evil.example",
    "mailto": "mailto:admin@evil.example",
    "mention": "@octocat please approve",
    "team mention": "@org/security-team",
    "issue ref": "fixes #123 and GH-45 and owner/repo#7",
    "emphasis": "*bold* _it_ **strong** ~~gone~~ ~one~",
    "code": "`code` ``two``",
    "nested backticks": "a ``` b `` c ` d",
    "heading": "# Heading",
    "quote": "> quoted",
    "list": "- item\n1. first",
    "ordered list": "1) first",
    "plus list": "+ plus",
    "thematic": "---",
    "setext": "===",
    "inline image": "look ![](https://evil.example/p.png) here",
    "indented code": "        indented",
    "table pipe": "a | b | c",
    "table row": "x |\n|---|---|\n| injected | row |",
    "entity": "&lt;img src=x&gt; &#64;octocat &#x5B;a&#x5D;(https://e.example)",
    "math": "$\\href{https://evil.example}{x}$",
    "footnote": "text[^1]\n\n[^1]: https://evil.example",
    "task box": "[x] done",
    "backslash": "\\[a](https://evil.example)\\",
    "controls": "a\x1b[31mred\x07\x00\x9b",
    "bidi": "safe\u202etxt.exe\u2066\u2069\u200e\u200f\u061c",
}


def _walk(tokens):
    for t in tokens:
        yield t
        yield from _walk(t.children or [])


def _tokens(md: str) -> list:
    return list(_walk(GFM.parse(md)))


ALLOWED = {"paragraph_open", "paragraph_close", "inline", "text", "code_inline", "softbreak", "html_inline",
           "table_open", "table_close", "thead_open", "thead_close", "tbody_open", "tbody_close", "tr_open",
           "tr_close", "th_open", "th_close", "td_open", "td_close"}
URL = re.compile(r"(https?:/|www\.)", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
REFERENCE = re.compile(r"(#|\bGH-)\d", re.IGNORECASE)


def _visible(md: str) -> str:
    """The text a reader sees (tags removed, entities decoded, word joiners dropped)."""
    rendered = re.sub(r"<br\s*/?>", "\n", GFM.render(md))
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip().replace(JOINER, "")


def _gfm_text_nodes(md: str) -> str:
    """Text a GitHub post-filter would scan (outside code): joiners kept, so a broken pattern stays broken."""
    out = []
    for t in _tokens(md):
        if t.type == "text":
            out.append(t.content)
        if t.type == "html_inline" and t.content not in ("<br>", "<code>", "</code>"):
            raise AssertionError(f"raw HTML survives: {t.content!r} in {md!r}")
    return "\n".join(out)


def _assert_inert(md: str) -> None:
    kinds = {t.type for t in _tokens(md)}
    assert kinds <= ALLOWED, (kinds - ALLOWED, md)
    plain = _gfm_text_nodes(md)
    for pattern in (URL, EMAIL, MENTION, REFERENCE):
        assert not pattern.search(plain), (pattern.pattern, plain)
    rendered = pymarkdown.markdown(md, extensions=["tables"])
    for tag in ("<a", "<img", "<em", "<strong", "<del", "<h1", "<blockquote", "<ul", "<ol", "<pre", "<details",
                "<!--"):
        assert tag not in rendered, (tag, rendered)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_markdown_text_renders_the_literal_text_and_nothing_else(name: str) -> None:
    raw = HOSTILE[name]
    md = markdown.text(raw)
    assert "\n" not in md  # one line: safe in a table row and a list item
    _assert_inert(md)
    expected = terminal.text(raw).strip()
    assert _visible(md) == expected


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_markdown_code_is_one_code_span_with_the_literal_text(name: str) -> None:
    raw = HOSTILE[name]
    md = markdown.code(raw)
    assert "\n" not in md
    _assert_inert(md)
    spans = [t for t in _tokens(md) if t.type == "code_inline"]
    texts = [t for t in _tokens(md) if t.type == "text" and t.content]
    expected = terminal.text(raw, newlines=False)
    if spans:  # backtick form: exactly one span holding the value, nothing outside
        assert len(spans) == 1 and not texts and spans[0].content == expected
    else:  # <code> form (the value holds a pipe)
        assert md.startswith("<code>") and md.endswith("</code>") and "|" not in md
        assert _visible(md) == expected


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_table_row_of_hostile_cells_keeps_its_shape(name: str) -> None:
    raw = HOSTILE[name]
    md = f"| a | b | c |\n|---|---|---|\n| {markdown.text(raw)} | {markdown.code(raw)} | end |\n"
    rows = [t for t in _tokens(md) if t.type == "tr_open"]
    cells = [t for t in _tokens(md) if t.type == "td_open"]
    assert len(rows) == 2 and len(cells) == 3, md
    assert _visible(md).endswith("end")
    _assert_inert(md)


def test_code_fence_outgrows_the_longest_backtick_run() -> None:
    assert markdown.code("a ``` b") == "````a ``` b````"
    assert markdown.code("`x`") == "`` `x` ``"
    assert markdown.code(" padded ") == "`  padded  `"
    assert [t.content for t in _tokens(markdown.code(" padded ")) if t.type == "code_inline"] == [" padded "]
    assert markdown.code("") == "` `"


def test_newlines_become_br_in_text_and_spaces_in_code() -> None:
    assert markdown.text("one\r\ntwo\rthree\nfour") == "one<br>two<br>three<br>four"
    assert markdown.code("one\ntwo") == "`one two`"


@pytest.mark.parametrize("ch", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u202a", "\u202b", "\u202c",
                                "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
                                "\u061c"])
def test_terminal_text_removes_control_and_bidi_characters(ch: str) -> None:
    assert terminal.text(f"a{ch}b") == "ab"
    assert ch not in markdown.text(f"a{ch}b") + markdown.code(f"a{ch}b")
    assert ch not in xml.text(f"a{ch}b") and "\\" in xml.text(f"a{ch}b")  # shown, so the name stays recognisable


def test_terminal_text_keeps_tab_and_newline_or_folds_them() -> None:
    assert terminal.text("a\tb\nc\r\nd") == "a\tb\nc\nd"
    assert terminal.text("a\nb\rc", newlines=False) == "a b c"
    assert terminal.text(None) == ""
    assert terminal.text("Jakarta · ap-southeast-3 — ✅") == "Jakarta · ap-southeast-3 — ✅"


def test_xml_text_is_xml_1_0() -> None:
    import xml.etree.ElementTree as ET
    el = ET.Element("t", name=xml.text("a\x00\x1b\ud800\ufffe\u202eb"))
    el.text = xml.text("x\x01y")
    ET.fromstring(ET.tostring(el, encoding="unicode"))

"""GitHub-flavoured Markdown (the pull-request comment): text from a program, config, waiver or state renders as
exactly that text, nothing more.

What GitHub would otherwise make of it, and how each is defused (GFM spec 0.29-gfm, https://github.github.com/gfm/;
GitHub's comment pipeline adds mentions and references on top of cmark-gfm):

- inline syntax (links ``[x](u)``, images ``![](u)`` (a tracking pixel), emphasis, strikethrough, code, math
  ``$...$``, footnotes, task boxes): the punctuation that opens or closes one is backslash-escaped
  (GFM 2.4 "any ASCII punctuation character may be backslash-escaped"), only that, so the raw comment stays
  readable;
- raw HTML and CommonMark autolinks ``<http://...>``: ``&``, ``<`` and ``>`` as entities (GFM 6.6, 6.5);
- GFM extended autolinks (``www.``, ``http://``, ``https://``, e-mail addresses; GFM 6.9) and GitHub's
  ``@mentions``, ``#123``/``GH-123``/``owner/repo#123`` references: a WORD JOINER (U+2060, invisible, no
  line break) after ``@``, ``#``, ``GH-``, inside ``://`` and after ``www``, so the pattern no longer matches;
- tables: ``|`` escaped (GFM 4.10 allows ``\\|`` in a cell, even inside other spans), line breaks as ``<br>``;
- block syntax at the start of a cell or list item (headings, quotes, lists, thematic breaks, indented
  code): the leading marker is escaped and surrounding white space trimmed (the text is one line, so no
  other line starts);
- control and bidi characters are removed (see :mod:`siaga.escape.terminal`).

:func:`code` is the other way to show a value: a code span, whose content Markdown never interprets.
"""

from __future__ import annotations

import html
import re

from siaga.escape._chars import LINE_BREAKS, UNSAFE

JOINER = "\u2060"
"""WORD JOINER: zero width and no break opportunity, so the text reads and wraps as before but ``@name``,
``#12``, ``www.`` and ``://`` no longer match GitHub's mention, reference and autolink patterns."""

_LINKY = re.compile(r"(@|#(?=\d)|\bGH-(?=\d)|:(?=//)|\bwww(?=\.))", re.IGNORECASE)
_PUNCT = re.compile(r"([\\`*_\[\]|~$])")
"""ASCII punctuation that opens or closes an inline construct anywhere: escapes, code, emphasis, links and
images (``!`` and ``(`` do nothing without ``[``), tables, strikethrough, math. ``&<>`` are entities instead."""
_LEADING = re.compile(r"^(?:([#+\-=])|(\d+)([.)]))")
"""Block syntax only counts at the start of a line, and the text is one line: a heading ``#``, a list marker
``-``/``+``/``1.``/``1)``, a setext or thematic ``-``/``=``. (A leading ``>`` is already ``&gt;``.)"""


def _unlink(s: str) -> str:
    return _LINKY.sub(lambda m: m.group(0) + JOINER, s)


def _clean(s: str | None) -> str:
    return UNSAFE.sub("", s or "")


def text(s: str | None) -> str:
    """``s`` as inert inline Markdown, safe in a paragraph, a list item or a table cell: one line, trimmed."""
    lines = [_PUNCT.sub(r"\\\1", html.escape(_unlink(line), quote=False))
             for line in LINE_BREAKS.split(_clean(s).strip())]
    return _LEADING.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}",
                        "<br>".join(lines))


def _entities(s: str) -> str:
    return "".join(f"&#{ord(c)};" if c.isascii() and not c.isalnum() and c != " " else c for c in s)


def code(s: str | None) -> str:
    """``s`` as an inline code span it cannot close or break out of, safe in a table cell: the fence is one
    backtick longer than the longest run inside (GFM 6.1), padded with a space when the content starts or ends
    with a backtick or a space (the parser strips one each side). Line breaks become spaces. A value with ``|``
    (which splits a table row even inside a code span) is written as ``<code>`` with every punctuation
    character an entity: entities never form Markdown syntax, and the table sees no pipe."""
    value = LINE_BREAKS.sub(" ", _clean(s))
    if "|" in value:
        return "<code>" + _entities(_unlink(value)) + "</code>"
    if not value:
        return "` `"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value[0] in "` " or value[-1] in "` " else ""
    return f"{fence}{pad}{value}{pad}{fence}"

"""Kept for code written before :mod:`siaga.escape` (one module per format) existed: delegates there."""

from __future__ import annotations

from siaga.escape import markdown, xml


def printable(text: str | None, keep_newlines: bool = True) -> str:
    """Control and bidi characters shown as ``\\xNN`` (see :func:`siaga.escape.xml.text`)."""
    return xml.text(text, newlines=keep_newlines)


def md_text(text: str | None) -> str:
    """See :func:`siaga.escape.markdown.text`."""
    return markdown.text(text)


def md_code(text: str | None) -> str:
    """See :func:`siaga.escape.markdown.code`."""
    return markdown.code(text)

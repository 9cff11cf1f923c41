"""Bahasa baku in the rendered Indonesian Markdown: the foreign terms of siaga/locale/foreign-terms.yaml in italics
(PUEBI: unabsorbed foreign words are written in italics). Applied to the finished document, not the catalog, because
the same messages also label the diagram and the CSV, where Markdown emphasis would show as asterisks.

Left as they are: fenced code blocks, code spans, URLs and link targets, words quoted from AWS in double quotes,
and any term inside a name (``contoh-stack-vault``, ``vault.name``: a letter, digit or ``-_./:@`` next to it).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from siaga.i18n import Language

TERMS_FILE = Path(__file__).resolve().parent.parent / "locale" / "foreign-terms.yaml"
_NAME = r"\w\-./:@*"
_PROTECTED = re.compile(r"`[^`\n]*`|https?://[^\s)|]+|\]\([^)\n]*\)|\"[^\"\n]*\"")


@cache
def foreign_terms() -> tuple[str, ...]:
    """The terms, longest first (``hosted zone`` before ``zone``-like shorter ones)."""
    data = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8")) or {}
    return tuple(sorted((str(t) for t in data.get("terms", [])), key=len, reverse=True))


@cache
def _pattern() -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in foreign_terms())
    # a full stop ends a sentence unless a name goes on after it (``vault.name``)
    return re.compile(rf"(?<![{_NAME}])(?:{alternatives})(?![{_NAME.replace('.', '')}]|\.\w)", re.I)


def _italicise_prose(text: str) -> str:
    out, start = [], 0
    for m in _PROTECTED.finditer(text):
        out.append(_pattern().sub(lambda t: f"*{t.group()}*", text[start:m.start()]))
        out.append(m.group())
        start = m.end()
    out.append(_pattern().sub(lambda t: f"*{t.group()}*", text[start:]))
    return "".join(out)


def italicise(markdown: str, lang: Language) -> str:
    """``markdown`` with the foreign terms in italics outside code, in Indonesian; any other language unchanged."""
    if lang.code != "id" or not foreign_terms():
        return markdown
    lines, fenced = [], False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
            lines.append(line)
            continue
        lines.append(line if fenced else _italicise_prose(line))
    return "\n".join(lines)


__all__ = ["foreign_terms", "italicise"]

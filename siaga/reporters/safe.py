"""Resource names, messages and URNs come from the program under check: hostile text must not break a report's
format. One place that makes text safe for each medium: no control characters (terminals, XML 1.0), no raw HTML
or code-span breakouts in Markdown (PR comments render HTML)."""

from __future__ import annotations

import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: str | None, keep_newlines: bool = True) -> str:
    """Control characters (ANSI escapes, NUL, C1, lone surrogates) shown as ``\\xNN``; XML 1.0 and terminals
    accept the rest."""
    out = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else "\\ufffd", text or "")
    return out if keep_newlines else out.replace("\r", " ").replace("\n", " ")


def md_text(text: str | None) -> str:
    """Markdown table/list text: HTML escaped, pipes escaped, newlines as <br>."""
    return html.escape(printable(text).strip(), quote=False).replace("|", "\\|").replace("\n", "<br>")


def md_code(text: str | None) -> str:
    """An inline code span that ``text`` cannot break out of (a backtick inside uses <code> instead)."""
    value = printable(text, keep_newlines=False)
    if "`" in value:
        return "<code>" + html.escape(value).replace("|", "&#124;") + "</code>"
    return "`" + value.replace("|", "\\|") + "`"

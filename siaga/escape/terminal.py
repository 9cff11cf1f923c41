"""Text for a terminal (the text report, ``siaga preview``'s tree, error lines): program and config text is shown,
never obeyed. C0/C1 controls would move the cursor, recolour or clear the screen (ESC, CSI 0x9b), and Unicode
bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) reorder the displayed text so a name can
pose as another (CVE-2021-42574); both are removed. Tab and newline are kept unless ``newlines`` is false (a
single-line field: a table cell, a one-line error), then every line break becomes a space."""

from __future__ import annotations

from siaga.escape._chars import LINE_BREAKS, UNSAFE


def text(s: str | None, newlines: bool = True) -> str:
    """``s`` without control or bidi characters; line breaks kept (``\\r\\n`` and ``\\r`` as ``\\n``) or, with
    ``newlines=False``, each turned into a space."""
    out = UNSAFE.sub("", s or "")
    return LINE_BREAKS.sub("\n" if newlines else " ", out)

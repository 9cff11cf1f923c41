"""Text for XML 1.0 documents (JUnit): XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/FFFF, and an
ElementTree that holds one serialises a document no parser accepts. Those characters (and the C1 controls and
bidi controls a viewer would obey) are shown as ``\\xNN`` / ``\\uNNNN``, so the name stays recognisable;
ElementTree itself escapes ``<``, ``&`` and quotes."""

from __future__ import annotations

from siaga.escape._chars import UNSAFE


def _shown(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return "\\ufffd"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(s: str | None, newlines: bool = True) -> str:
    """``s`` with every character XML 1.0 (or a reader) must not get shown as an escape sequence."""
    out = UNSAFE.sub(lambda m: _shown(m.group(0)), s or "")
    return out if newlines else out.replace("\r", " ").replace("\n", " ")

"""Character classes the format modules share (why each is dangerous is said where it is used)."""

from __future__ import annotations

import re

C0_C1 = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
"""C0 and C1 controls except tab (0x09), line feed (0x0a) and carriage return (0x0d): ESC starts ANSI sequences,
C1 0x9b is a one-byte CSI, 0x85 is NEL (a line break for some terminals)."""

BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""Unicode bidirectional controls (ALM, LRM, RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI): they reorder how the
text around them is displayed ("Trojan Source", CVE-2021-42574) without changing what it is."""

NONCHAR = "\ud800-\udfff\ufffe\uffff"
"""Lone surrogates (not encodable as UTF-8) and the two BMP non-characters (not allowed in XML 1.0)."""

UNSAFE = re.compile(f"[{C0_C1}{BIDI}{NONCHAR}]")
LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029")

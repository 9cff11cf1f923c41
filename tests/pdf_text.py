"""The text of a PDF siaga wrote (fpdf2: Type0 fonts, Identity-H, a ToUnicode CMap per font), for tests: no PDF
library is installed, and the point is what a reader's viewer maps the glyphs back to (the ToUnicode maps)."""

from __future__ import annotations

import re
import zlib

_ESC = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}
UNMAPPED = "\ufffd"
_LITERAL = rb"\(((?:\\.|[^\\)])*)\)"


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}


def _stream(body: bytes) -> bytes:
    m = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
    if not m:
        return b""
    return zlib.decompress(m.group(1)) if b"/FlateDecode" in body[:m.start()] else m.group(1)


def _cmap(text: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(int(dst, 16) + i)
    return table


def _literal(s: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(s):
        if s[i:i + 1] == b"\\":
            n = s[i + 1:i + 2]
            if n in _ESC:
                out += _ESC[n]
                i += 2
                continue
            m = re.match(rb"[0-7]{1,3}", s[i + 1:i + 4])
            if m:
                out.append(int(m.group(), 8) & 0xFF)
                i += 1 + len(m.group())
                continue
            i += 1
            continue
        out += s[i:i + 1]
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The text shown by ``Tj``/``TJ`` in every content stream, through the current font's ToUnicode map (an
    unmapped glyph is :data:`UNMAPPED`); one line per text object."""
    objs = _objects(data)
    fonts: dict[str, dict[int, str]] = {}
    for body in objs.values():
        for name, ref in re.findall(rb"/(F\d+)\s+(\d+) 0 R", body):
            tu = re.search(rb"/ToUnicode\s+(\d+) 0 R", objs.get(int(ref), b""))
            if tu:
                fonts[name.decode()] = _cmap(_stream(objs[int(tu.group(1))]))
    pieces: list[str] = []
    token = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|" + _LITERAL + rb"\s*Tj|\[((?:" + _LITERAL + rb"|[\s\d.\-])*)\]\s*TJ|ET"
                       rb"|(?<![\w/])([qQ])(?=\s)", re.S)
    for _n, body in sorted(objs.items()):
        head = body.split(b"stream", 1)[0]
        if b"stream" not in body or b"/ToUnicode" in body or b"/Length1" in head or b"/BitsPerComponent" in head:
            continue  # not a content stream: a font program, an image (its bytes can look like text operators)
        try:
            content = _stream(body)
        except zlib.error:
            continue  # an image
        font = None
        saved: list[str | None] = []  # q/Q save and restore the graphics state, the font with it
        for tok in token.finditer(content):
            if tok.group(5):
                if tok.group(5) == b"q":
                    saved.append(font)
                elif saved:
                    font = saved.pop()
                continue
            if tok.group(1):
                font = tok.group(1).decode()
                continue
            if tok.group(0) == b"ET":
                pieces.append("\n")
                continue
            parts = [tok.group(2)] if tok.group(2) is not None else re.findall(_LITERAL, tok.group(3))
            table = fonts.get(font or "", {})
            for part in parts:
                raw = _literal(part)
                pieces.append("".join(table.get(int.from_bytes(raw[i:i + 2], "big"), UNMAPPED)
                                      for i in range(0, len(raw) - 1, 2)))
    return "".join(pieces)

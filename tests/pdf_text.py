import re, zlib

def _objects(data):
    return {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}

def _stream(body):
    m = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
    if not m:
        return b""
    raw = m.group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body[:m.start()] else raw

def _cmap(text):
    table = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(dst, 16)
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(start + i)
    return table

_ESC = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}

def _literal(s):
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i:i + 1]
        if c == b"\\":
            n = s[i + 1:i + 2]
            if n in _ESC:
                out += _ESC[n]; i += 2; continue
            m = re.match(rb"[0-7]{1,3}", s[i + 1:i + 4])
            if m:
                out.append(int(m.group(), 8) & 0xFF); i += 1 + len(m.group()); continue
            i += 1; continue
        out += c; i += 1
    return bytes(out)

def pdf_text(data):
    objs = _objects(data)
    fonts = {}
    for n, body in objs.items():
        for name, ref in re.findall(rb"/(F\d+)\s+(\d+) 0 R", body):
            fb = objs.get(int(ref), b"")
            tu = re.search(rb"/ToUnicode\s+(\d+) 0 R", fb)
            if tu:
                fonts[name.decode()] = _cmap(_stream(objs[int(tu.group(1))]))
    lines = []
    for n, body in sorted(objs.items()):
        if b"stream" not in body or b"/ToUnicode" in body:
            continue
        try:
            content = _stream(body)
        except zlib.error:
            continue
        if b" Tj" not in content and b"TJ" not in content:
            continue
        font = None
        lit = rb"\(((?:\\.|[^\\)])*)\)"
        for tok in re.finditer(rb"/(F\d+)\s+[\d.]+\s+Tf|" + lit + rb"\s*Tj|\[((?:" + lit + rb"|[\s\d.\-])*)\]\s*TJ|ET", content, re.S):
            if tok.group(1):
                font = tok.group(1).decode()
                continue
            if tok.group(0) == b"ET":
                lines.append("\n")
                continue
            parts = [tok.group(2)] if tok.group(2) is not None else re.findall(lit, tok.group(3))
            table = fonts.get(font, {})
            for part in parts:
                raw = _literal(part)
                lines.append("".join(table.get(int.from_bytes(raw[i:i + 2], "big"), "?")
                                     for i in range(0, len(raw) - 1, 2)))
    return "".join(lines)

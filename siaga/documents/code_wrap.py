"""Printing shell commands on a page: long lines broken only where bash would read the same command back.

A command row that does not fit is broken at a space outside any quotes (inside ``$(...)`` too, where quoting
starts afresh) and continued with `` \\`` and a four-space indent: bash removes backslash-newline outside single
quotes (Bash Reference Manual, 3.1.2.1 Escape Character), so the printed rows are the Markdown's command. A space
inside quotes is never a break point (there the indent would become part of the string), nor is a here-document's
body (its lines are data). A comment cannot continue with a backslash (it would be part of the comment): a comment
that does not fit goes on rows of its own, the first ``# ...`` and the next ones ``# … ...`` (the ellipsis marks a
continued comment, which the Markdown never writes; text extraction keeps it where it collapses spaces), each still a
comment to bash. :func:`unwrap`
joins the rows back (tests/test_documents_pdf.py compares it with the Markdown).
"""

from __future__ import annotations

import re

INDENT = "    "
COMMENT_MORE = "# … "


def _break_points(line: str) -> tuple[list[int], int]:
    """Positions of the spaces ``line`` may be broken at, and where its comment starts (``len(line)``: none)."""
    points: list[int] = []
    stack = ["top"]
    i, n = 0, len(line)
    while i < n:
        c, ctx = line[i], stack[-1]
        if c == "\\":
            i += 2
            continue
        if c == "'" and ctx != "dq":
            j = line.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c == "#" and ctx == "top" and (i == 0 or line[i - 1] in " \t;&|"):
            return points, i
        if c == "$" and line[i + 1:i + 2] == "(":
            stack.append("cmd")
            i += 2
            continue
        if c == '"':
            stack.pop() if ctx == "dq" else stack.append("dq")
        elif c == "(" and ctx == "cmd":
            stack.append("cmd")
        elif c == ")" and ctx == "cmd":
            stack.pop()
        elif c == " " and ctx != "dq" and line[i - 1:i] != " " and line[i + 1:i + 2] not in (" ", ""):
            points.append(i)
        i += 1
    return points, n


def _words(text: str, width: int) -> list[str]:
    """``text`` (a comment's words) in rows of at most ``width`` characters (a longer word alone on its row)."""
    rows: list[str] = []
    for word in text.split(" "):
        if rows and len(rows[-1]) + 1 + len(word) <= width:
            rows[-1] += " " + word
        else:
            rows.append(word)
    return rows


def wrap_line(line: str, width: int) -> list[str]:
    """The rows ``line`` prints as, each at most ``width`` characters when a break point allows it."""
    if len(line) <= width:
        return [line]
    points, comment_at = _break_points(line)
    code, comment = line[:comment_at].rstrip(), line[comment_at:]
    points = [p for p in points if p < len(code)]
    # an option and its value stay on one row when the pair fits one (``--output text``, not ``--output \``)
    paired = [p for p in points if not (code[:p].rsplit(" ", 1)[-1].startswith("--")
                                        and not code[p + 1:].startswith("-"))]
    edges = [0, *paired, len(code)]
    if all(b - a <= width - len(INDENT) - 2 for a, b in zip(edges, edges[1:], strict=False)):
        points = paired
    lead = re.match(r" *", line).group()
    rows: list[str] = []
    start = 0
    for i, p in enumerate(points):
        nxt = points[i + 1] if i + 1 < len(points) else len(code)
        prefix = "" if not rows else lead + INDENT
        if p > start and len(prefix) + (nxt - start) + 2 > width:
            rows.append(prefix + (code[start:p].lstrip() if rows else code[start:p]) + " \\")
            start = p + 1
    tail = lead + INDENT + code[start:].lstrip() if rows else code
    if not comment:
        return [*rows, tail]
    if tail.strip() and len(tail) + 2 + len(comment) <= width:
        return [*rows, tail + "  " + comment]
    pad = lead + (INDENT if code.strip() else "")
    text = comment[1:].strip()
    parts = _words(text, max(width - len(pad) - len(COMMENT_MORE), 20))
    out = [*rows, tail + " \\"] if code.strip() else rows
    return out + [pad + "# " + parts[0]] + [pad + COMMENT_MORE + part for part in parts[1:]]


def wrap_block(block: str, width: int) -> list[str]:
    """A code block's rows: every line wrapped, here-document bodies kept as they are."""
    rows: list[str] = []
    heredoc: str | None = None
    for line in block.split("\n"):
        if heredoc is not None:
            rows.append(line)
            heredoc = None if line.strip() == heredoc else heredoc
            continue
        rows += wrap_line(line, width)
        m = re.search(r"<<-?\s*(['\"]?)([A-Za-z_]+)\1", line)
        heredoc = m.group(2) if m else None
    return rows


def unwrap(text: str) -> str:
    """Printed rows back to the command lines: continuations joined, continued comments joined, runs of spaces
    collapsed (a break replaces exactly one space; the Markdown's ``  #`` reads back as `` #``)."""
    text = re.sub(r" \\\n\s*", " ", text)
    text = re.sub(r"\n[ \t]*# … ", " ", text)
    return re.sub(r"[ \t]+", " ", text)


__all__ = ["unwrap", "wrap_block", "wrap_line"]

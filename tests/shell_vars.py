"""A small shell-variable analysis for the runbook's code blocks (no bashlex in the venv): which variables a line
reads (``$X``, ``${X}``, outside single quotes and comments, inside ``$(...)`` and double quotes and unquoted
here-documents) and which it sets (``X=``, ``export X=``, ``for X in``, ``read [-r] X Y``). Quoting follows bash:
single quotes are literal; a double-quoted ``$(...)`` opens a new quoting context; ``#`` starts a comment only at
the start of a word; ``\\`` escapes the next character outside single quotes."""

from __future__ import annotations

import re

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SPECIAL = set("0123456789@*#?$!-")


def scan(line: str) -> tuple[list[str], str]:
    """The variables ``line`` reads, and the line with quoted text and comments blanked (for finding assignments)."""
    uses: list[str] = []
    out: list[str] = []
    stack = ["top"]  # quoting contexts: top | dq (double quotes) | cmd ($( ... ))
    i, n = 0, len(line)
    while i < n:
        c, ctx = line[i], stack[-1]
        if c == "\\" and i + 1 < n:
            out.append("  ")
            i += 2
            continue
        if c == "'" and ctx != "dq":
            j = line.find("'", i + 1)
            j = n - 1 if j < 0 else j
            out.append(" " * (j - i + 1))
            i = j + 1
            continue
        if c == "#" and ctx != "dq" and (i == 0 or line[i - 1] in " \t;&|("):
            break
        if c == "$" and line[i + 1:i + 2] == "(":
            stack.append("cmd")
            out.append("$(")
            i += 2
            continue
        if c == "$":
            m = NAME.match(line, i + 1)
            if line[i + 1:i + 2] == "{":
                m = NAME.match(line, i + 2)
            if m:
                uses.append(m.group())
                out.append(" " * (m.end() - i))
                i = m.end()
                continue
            if line[i + 1:i + 2] not in SPECIAL:
                out.append(c)
                i += 1
                continue
        if c == '"':
            if ctx == "dq":
                stack.pop()
            else:
                stack.append("dq")
            out.append(" ")
            i += 1
            continue
        if c == "(" and ctx == "cmd":
            stack.append("cmd")
        elif c == ")" and ctx == "cmd":
            stack.pop()
        out.append(c if ctx != "dq" else " ")
        i += 1
    return uses, "".join(out)


ASSIGN = re.compile(r"(?:^|[;&|(]\s*|\b(?:do|then|export)\s+)([A-Za-z_][A-Za-z0-9_]*)=")
FOR = re.compile(r"\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b")
READ = re.compile(r"\bread\s+(?:-r\s+)?((?:[A-Za-z_][A-Za-z0-9_]*\s*)+)")
EXPORT = re.compile(r"\bexport\s+((?:[A-Za-z_][A-Za-z0-9_]*\s*)+)")


def sets(blanked: str) -> set[str]:
    """Variables a (blanked) line assigns."""
    out = set(ASSIGN.findall(blanked.strip())) | set(FOR.findall(blanked))
    for m in READ.finditer(blanked):
        out |= set(m.group(1).split())
    return out


def undefined(lines: list[str], inputs: set[str]) -> list[tuple[int, str]]:
    """(line number, variable) for each variable read before any line sets it and not in ``inputs``; lines in
    order, a line's reads checked before its own assignments (``X=$(f "$X")`` reads X first). A quoted
    here-document's body (``<<'EOF'``) is literal; an unquoted one expands like double quotes."""
    known = set(inputs)
    missing: list[tuple[int, str]] = []
    heredoc: tuple[str, bool] | None = None
    for no, line in enumerate(lines, 1):
        if heredoc is not None:
            if line.strip() == heredoc[0]:
                heredoc = None
                continue
            if heredoc[1]:
                missing += [(no, v) for v in scan('"' + line.replace('"', " ") + '"')[0] if v not in known]
            continue
        uses, blanked = scan(line)
        missing += [(no, v) for v in uses if v not in known]
        known |= sets(blanked)
        m = re.search(r"<<-?\s*(['\"]?)([A-Za-z_]+)\1", line)
        if m:
            heredoc = (m.group(2), not m.group(1))
    return missing


__all__ = ["scan", "sets", "undefined"]

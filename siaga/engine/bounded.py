"""What a program says (``pulumi.log`` messages, its standard error) is kept bounded, in linear time: a program
that logs 200 000 warnings or one 2 MB message must not hold siaga's memory, nor hand the terminal renderer a line
it takes minutes to wrap (rich wraps a long unbroken line in quadratic time: 200 000 characters did not finish in
300 s, measured). The first messages (siaga's own notes and the program's first words) and the last ones (what it
said before it ended) are kept; the rest is counted."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path

MAX_CHARS = 2000
"""Characters kept of one message: the start, then how many were left out."""


def clip(message: str, limit: int = MAX_CHARS) -> str:
    """``message`` cut to ``limit`` characters, saying how many more there were."""
    if len(message) <= limit:
        return message
    return f"{message[:limit]} … ({len(message) - limit} more characters)"


class BoundedLines:
    """A list-like log: ``append`` is O(1), at most ``head + tail`` messages kept, the rest counted; iterating
    gives the head, one line saying how many were left out, then the tail."""

    def __init__(self, head: int = 50, tail: int = 150, chars: int = MAX_CHARS) -> None:
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=tail)
        self.head_size, self.chars = head, chars
        self.dropped = 0

    def append(self, message: str) -> None:
        message = clip(message, self.chars)
        if len(self.head) < self.head_size:
            self.head.append(message)
            return
        if len(self.tail) == self.tail.maxlen:
            self.dropped += 1
        self.tail.append(message)

    def __contains__(self, message: object) -> bool:
        return message in self.head or message in self.tail

    def __iter__(self) -> Iterator[str]:
        yield from self.head
        if self.dropped:
            yield f"… {self.dropped} more messages left out (the first {len(self.head)} and the last " \
                  f"{len(self.tail)} are shown)"
        yield from self.tail

    def __len__(self) -> int:
        return len(self.head) + len(self.tail) + (1 if self.dropped else 0)


def tail_of_file(path: str | Path, limit: int = 256 * 1024) -> str:
    """The last ``limit`` bytes of a file (what a crash message needs), with a first line saying how much came
    before: reading a program's whole standard error (it may print gigabytes) is neither needed nor bounded."""
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - limit))
        text = f.read(limit).decode("utf-8", errors="replace")
    if size <= limit:
        return text
    return f"… ({size - limit} earlier bytes left out)\n" + text.split("\n", 1)[-1]

"""Secret stack config without putting it on a command line (``ps`` shows every process's arguments to every
user, shells keep history): ``--secret-config-file FILE``, ``--secret-config-file -`` (standard input), or the
environment variable ``SIAGA_SECRET_CONFIG``. ``--secret-config key=value`` still works, with a warning.

The content is the same everywhere: ``key=value`` lines (``#`` comments and blank lines ignored; the value is the
rest of the line, as written), or one JSON object of strings when it starts with ``{`` (a value with a newline).
A file must not be readable or writable by group or others (mode 0600 or stricter), as ssh and ``.env`` tools
require; standard input and pipes are not checked (no one else can read them later). ``SIAGA_SECRET_CONFIG`` is
removed from siaga's environment once read, so no child (the program, the pack servers, the aws CLI) inherits it.
Errors name the source and the key, never a value."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from siaga.inputs import InputFileError, read_text

ENV = "SIAGA_SECRET_CONFIG"
MAX_BYTES = 1024 * 1024


class SecretInputError(Exception):
    """``str()`` is one line naming the source (and key), never a secret value."""


def parse(text: str, where: str) -> dict[str, str]:
    """``key=value`` lines or a JSON object of strings -> {key: value}."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SecretInputError(f"{where}: not a valid JSON object (line {getattr(exc, 'lineno', '?')})") from None
        if not isinstance(data, dict):
            raise SecretInputError(f"{where}: expected a JSON object of key: value strings")
        bad = [k for k, v in data.items() if not isinstance(v, str) or not k.strip() or "=" in k]
        if bad:
            raise SecretInputError(f"{where}: {bad[0]!r}: expected a non-empty key with a string value")
        return {k.strip(): v for k, v in data.items()}
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise SecretInputError(f"{where} line {n}: expected key=value (e.g. siaga:dbPassword=...)")
        if key.strip() in out:
            raise SecretInputError(f"{where} line {n}: {key.strip()!r} given twice")
        out[key.strip()] = value
    return out


def _private(path: Path) -> None:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise SecretInputError(f"--secret-config-file {path}: cannot read it ({exc.strerror})") from None
    if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077:
        raise SecretInputError(f"--secret-config-file {path}: mode {stat.S_IMODE(st.st_mode):04o} lets other users "
                               f"read or change it; allowed: 0600 or stricter (chmod 600 {path})")


def from_file(path: Path) -> dict[str, str]:
    """``FILE`` (0600 or stricter) or ``-`` (standard input)."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1) if sys.stdin is not None else b""
        if len(data) > MAX_BYTES:
            raise SecretInputError(f"--secret-config-file -: more than {MAX_BYTES} bytes")
        try:
            return parse(data.decode("utf-8"), "--secret-config-file -")
        except UnicodeDecodeError:
            raise SecretInputError("--secret-config-file -: not UTF-8 text") from None
    _private(path)
    try:
        text = read_text(path, "--secret-config-file", max_bytes=MAX_BYTES)
    except InputFileError as exc:
        raise SecretInputError(str(exc)) from None
    return parse(text, f"--secret-config-file {path}")


def from_environment() -> dict[str, str]:
    """``SIAGA_SECRET_CONFIG`` (then removed from the environment); {} when unset."""
    text = os.environ.pop(ENV, None)
    return parse(text, ENV) if text else {}


def gather(pairs: list[str] | None, path: Path | None, use_environment: bool = True) -> list[str]:
    """Every secret config source as ``key=value`` items for the engine, in increasing precedence: the
    environment, the file, the command line (a later source overrides a key, as repeated ``--secret-config``
    does)."""
    env = from_environment()  # read (and removed) even when unused: no child inherits it
    merged: dict[str, str] = dict(env) if use_environment else {}
    if path is not None:
        merged.update(from_file(path))
    items = [f"{k}={v}" for k, v in merged.items()]
    return items + list(pairs or [])


CLI_WARNING = ("--secret-config puts the value on the command line, where `ps` shows it to other users and the "
               "shell keeps it; use --secret-config-file FILE (mode 0600), --secret-config-file - or "
               "SIAGA_SECRET_CONFIG")

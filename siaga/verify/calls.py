"""The ``aws``, ``kubectl`` and ``pulumi`` calls of verify: argument lists (no shell), a bounded wait whose end
stops the command's whole tree (siaga/processes.py), and every way one can go wrong as one line: not installed,
no answer in time, a failure (its last stderr line), an answer that is not JSON."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from typing import Any

from siaga import processes
from siaga.verify.runner import VerifyError

TIMEOUT = 60.0
"""Seconds one call may take (the aws CLI's own connect and read timeouts are 60 s each)."""


def call_json(argv: Sequence[str], what: str, timeout: float = TIMEOUT, env: dict[str, str] | None = None) -> Any:
    """Runs ``argv`` and returns its standard output parsed as JSON (empty output: ``{}``)."""
    try:
        done = processes.run(argv, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise VerifyError(f"{what}: no answer within {timeout:.0f} s") from None
    except OSError as exc:
        raise VerifyError(f"{what}: cannot run {argv[0]} ({exc.strerror})") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise VerifyError(f"{what}: {last.strip()[:240]}")
    out = done.stdout.strip()
    try:
        return json.loads(out) if out else {}
    except ValueError:
        first = (out.splitlines() or [""])[0]
        raise VerifyError(f"{what}: the answer is not JSON: {first[:120]!r}") from None

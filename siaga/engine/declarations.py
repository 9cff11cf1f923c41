"""Output properties each resource type declares, read from the SDK classes of the interpreter that runs the program.

The offline engine gives every resource the outputs its provider would compute (siaga/engine/outputs.py). Which
outputs a type has, and of which type, is what the provider's generated SDK declares on the resource class
(``@pulumi.getter(name=...)`` properties annotated ``pulumi.Output[...]``, nested ``@pulumi.output_type``
classes). The program may run in another interpreter than siaga's, with provider packages and versions siaga does
not ship, so the classes are read there: ``siaga/engine/declarations_probe.py`` is started by path with that
interpreter (stdlib + its own ``pulumi`` only), once per run, and asked about each type as registrations arrive
(JSON lines on stdin/stdout). With ``python=None`` the same functions run in this process.

Answers are cached on disk per package and version (``$SIAGA_CACHE_DIR`` or ``~/.cache/siaga``, under
``declarations/``), together with the interpreter's inventory of provider packages and the mtimes of the folders
it was read from: a later run whose types are all cached starts no process and reads a few small files. A probe
that fails (no ``pulumi`` in that interpreter, a crash, a timeout) is one warning; the engine then falls back to
the outputs it computes without declarations.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from siaga.engine import declarations_probe as probe
from siaga.files import write_atomic
from siaga.processes import kill_group, spawn

PROBE = Path(probe.__file__).resolve()
TIMEOUT = 60.0
"""Seconds one answer may take: the first question about a package imports it (pulumi_kubernetes ~1 s)."""


def default_cache_dir() -> Path:
    env = os.environ.get("SIAGA_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "siaga"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in text)


def _write_json(path: Path, data: Any) -> None:
    """Temp name + rename: a reader never sees half a file, and concurrent writers each land a whole one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, separators=(",", ":")))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class ProbeError(Exception):
    pass


class _Probe:
    """One long-lived probe process for the whole run; requests and answers are JSON lines."""

    def __init__(self, python: str, env: dict[str, str] | None) -> None:
        self.proc = spawn(  # argv list, no shell; the interpreter is the program's own; its tree ends with siaga
            [python, str(PROBE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, text=True, encoding="utf-8", bufsize=1)
        self.stderr: list[str] = []
        # drained in a thread so a chatty import cannot fill the pipe and block the probe
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()

    def _drain(self, stream: IO[str] | None) -> None:
        if stream is None:
            return
        for line in stream:
            if len(self.stderr) < 200:
                self.stderr.append(line.rstrip())

    def ask(self, request: dict[str, Any], timeout: float = TIMEOUT) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                raise ProbeError(self._why(f"cannot write to it ({exc})")) from exc
            raise ProbeError(self._why(f"it exited with status {self.proc.returncode}")) from exc
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProbeError(f"no answer within {timeout:.0f} s")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                break
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=5)
            raise ProbeError(self._why(f"it exited with status {self.proc.returncode}"))
        try:
            answer = json.loads(line)
        except ValueError as exc:
            raise ProbeError(f"it answered something that is not JSON: {line[:120]!r}") from exc
        if not isinstance(answer, dict):
            raise ProbeError(f"it answered {line[:120]!r}")
        return answer

    def _why(self, what: str) -> str:
        time.sleep(0.05)  # let the drain thread read the last lines
        last = [line for line in self.stderr if line.strip()][-1:] or [""]
        return f"{what}{': ' + last[0] if last[0] else ''}"

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            kill_group(self.proc)
            self.proc.wait()


class Declarations:
    """Output properties each resource type declares, read from the SDK classes of the interpreter that runs the program."""

    def __init__(self, python: str | None = None, cache_dir: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        """``python``: the program's interpreter (None: this interpreter, in-process); ``env``: the environment
        the program runs with (its PYTHONPATH decides which packages it imports); config is never passed."""
        self.python = python
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.root = self.cache_dir / "declarations" / f"v{probe.FORMAT}"
        base = dict(os.environ if env is None else env)
        self.env = {k: v for k, v in base.items() if not k.startswith("PULUMI_CONFIG")}
        self.warnings: list[str] = []
        self.stats = {"cached": 0, "probed": 0, "probe_starts": 0}
        self._packages: dict[str, Any] | None = None
        self._tables: dict[str, dict[str, Any]] = {}  # package key -> {token: outputs | None}
        self._new: dict[str, dict[str, Any]] = {}  # package key -> answers learned in this run
        self._probe: _Probe | None = None
        self._failed = False
        self._lock = threading.Lock()
        atexit.register(self.close)

    # -- the interpreter's provider packages ------------------------------------------------------------

    def _inventory_file(self) -> Path:
        assert self.python is not None
        real = os.path.realpath(self.python)
        try:
            stamp = os.stat(real).st_mtime_ns
        except OSError:
            stamp = 0
        key = hashlib.sha256(f"{real}\0{stamp}\0{self.env.get('PYTHONPATH', '')}".encode()).hexdigest()[:24]
        return self.root / f"inventory-{key}.json"

    def packages(self) -> dict[str, Any]:
        """plugin name -> {"module", "version"} of the provider SDKs the program's interpreter imports."""
        if self._packages is not None:
            return self._packages
        if self.python is None:
            self._packages = probe.inventory()["packages"]
            return self._packages
        cached = _read_json(self._inventory_file())
        if isinstance(cached, dict) and self._still_true(cached.get("paths")):
            self._packages = cached.get("packages") or {}
            return self._packages
        found = self._ask({"op": "inventory"})
        if found is None or not isinstance(found.get("packages"), dict):
            self._packages = {}
            return self._packages
        self._packages = found["packages"]
        try:
            _write_json(self._inventory_file(), {"packages": found["packages"], "paths": found.get("paths") or {}})
        except OSError as exc:
            self._warn(f"cannot write the declarations cache under {self.root} ({exc})")
        return self._packages

    @staticmethod
    def _still_true(paths: Any) -> bool:
        """Whether no folder the inventory was read from changed (a package installed or removed changes it)."""
        if not isinstance(paths, dict) or not paths:
            return False
        for folder, mtime in paths.items():
            try:
                if os.stat(folder).st_mtime_ns != mtime:
                    return False
            except OSError:
                return False
        return True

    # -- declarations -----------------------------------------------------------------------------------

    def outputs_of(self, type_token: str) -> dict[str, Any] | None:
        """wire name -> type descriptor (JSON-able) of every output the type declares; None if not found."""
        if type_token.startswith("pulumi:") or type_token.count(":") != 2:
            return None
        with self._lock:
            info = self.packages().get(type_token.split(":", 1)[0])
            if not isinstance(info, dict):
                return None
            key = f"{_safe(type_token.split(':', 1)[0])}-{_safe(str(info.get('version', '')))}"
            table = self._table(key)
            if type_token in table:
                self.stats["cached"] += 1
                return table[type_token]
            outputs = self._describe(type_token)
            if outputs is _FAILED:
                return None
            table[type_token] = outputs
            self._new.setdefault(key, {})[type_token] = outputs
            self.stats["probed"] += 1
            return outputs  # type: ignore[return-value]

    def _table(self, key: str) -> dict[str, Any]:
        if key not in self._tables:
            found = _read_json(self.root / f"{key}.json")
            self._tables[key] = found if isinstance(found, dict) else {}
        return self._tables[key]

    def _describe(self, token: str) -> Any:
        if self.python is None:
            try:
                return probe.describe(token, self.packages())
            except Exception as exc:  # noqa: BLE001 - a class that cannot be read is not worth a failed run
                self._warn(f"the declarations of {token} cannot be read ({type(exc).__name__}: {exc})")
                return _FAILED
        answer = self._ask({"op": "describe", "token": token})
        if answer is None:
            return _FAILED
        if "error" in answer:
            self._warn(f"the declarations of {token} cannot be read in {self.python} ({answer['error']})")
            return _FAILED
        outputs = answer.get("outputs")
        return outputs if isinstance(outputs, dict) else None

    def _ask(self, request: dict[str, Any]) -> dict[str, Any] | None:
        if self._failed:
            return None
        try:
            if self._probe is None:
                assert self.python is not None
                self.stats["probe_starts"] += 1
                self._probe = _Probe(self.python, self.env)
            return self._probe.ask(request)
        except (ProbeError, OSError) as exc:
            self._failed = True
            self._warn(f"the declarations probe in {self.python} failed ({exc}): outputs are computed without "
                       "the SDK's declarations")
            if self._probe is not None:
                self._probe.close()
            return None

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            print(f"siaga: warning: {message}", file=sys.stderr)

    def flush(self) -> None:
        """Writes what this run learned, merged with what other runs wrote since (a cache: last writer wins)."""
        with self._lock:
            new, self._new = self._new, {}
        for key, answers in new.items():
            path = self.root / f"{key}.json"
            on_disk = _read_json(path)
            merged = {**(on_disk if isinstance(on_disk, dict) else {}), **answers}
            try:
                _write_json(path, merged)
            except OSError as exc:
                self._warn(f"cannot write the declarations cache {path} ({exc})")

    def close(self) -> None:
        self.flush()
        if self._probe is not None:
            self._probe.close()
            self._probe = None


_FAILED = object()

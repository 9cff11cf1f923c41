"""Public entry points: run a program (or this repository's stack) offline and get its graph."""

from __future__ import annotations

import hmac
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siaga.engine.project import ProjectError, load_project, load_stack_config
from siaga.engine.secrets import Scrubber, redact_config
from siaga.processes import kill_group, track

if TYPE_CHECKING:
    from siaga.engine.model import Graph

REPO_ROOT = Path(__file__).resolve().parents[2]


class EngineError(Exception):
    """The program could not be run; ``str()`` is one line for the user, ``graph`` what was recorded."""

    def __init__(self, message: str, graph: Graph | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.graph = graph
        self.stderr = stderr


class RunningProgram:
    """A program started in its own process (:func:`start_program`); :meth:`wait` returns its graph. Lets a
    caller do other work (start the policy servers, import what it needs) while the program runs."""

    def __init__(self, root: Path, argv: list[str], env: dict[str, str], tmp: str, timeout: float,
                 spec: dict[str, Any]) -> None:
        self.root, self.tmp, self.timeout = root, tmp, timeout
        self.project: str = spec["project"]
        self.stack: str = spec["stack"]
        self.secret_keys: list[str] = list(spec["secret_keys"])
        self.config: dict[str, Any] = redact_config(spec["config"], self.secret_keys)
        """The stack config the program gets (known before it runs), secret values as ``[secret]``: what the
        policy packs are given (PULUMI_CONFIG of their servers) and what may be shown."""
        self.scrubber = Scrubber(spec["config"].get(k) for k in self.secret_keys)
        self.out = Path(spec["out"])
        self.token: str = spec["token"]
        self.stderr_file = open(Path(tmp) / "stderr.txt", "w+", encoding="utf-8")  # noqa: SIM115 (closed in wait)
        # Its own process group: whatever the program leaves running is stopped with it (see _stop_group).
        self.proc = track(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self.stderr_file, env=env,
                                           cwd=root, start_new_session=True))

    def _stop_group(self) -> None:
        """Kills what is left of the program's process group (children it started and did not wait for), so
        nothing outlives the run or touches its files after the runner is done."""
        kill_group(self.proc)

    def wait(self) -> Graph:
        from siaga.engine.model import Graph

        try:
            try:
                self.proc.wait(self.timeout)
            except subprocess.TimeoutExpired:
                self._stop_group()
                self.proc.wait()
                raise EngineError(f"{self.root}: the program did not finish within {self.timeout:.0f} s") from None
            finally:
                self._stop_group()
            self.stderr_file.seek(0)
            stderr = self.stderr_file.read()
            stderr = self.scrubber.scrub_text(stderr)
            if not self.out.is_file():
                last = (stderr.strip().splitlines() or ["no output"])[-1]
                raise EngineError(f"{self.root}: the program crashed before it finished: {last}", stderr=stderr)
            try:
                result = json.loads(self.out.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError):
                result = {}
            if not isinstance(result, dict) or not hmac.compare_digest(str(result.get("token", "")), self.token):
                raise EngineError(f"{self.root}: the engine's result was not written by the engine (wrong or missing "
                                  "token): the program may have tampered with it; nothing is reported", stderr=stderr)
        finally:
            self.stderr_file.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
        graph = Graph.model_validate(result["graph"])
        if result.get("error"):
            raise EngineError(result["error"], graph=graph, stderr=stderr)
        return graph

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self._stop_group()
            self.proc.wait()
        self._stop_group()
        self.stderr_file.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def start_program(program_dir: str | Path, stack: str | None = None, overrides: dict[str, str] | None = None,
                  preview: bool = False, stack_name: str | None = None, timeout: float = 600,
                  secret_overrides: dict[str, str] | None = None,
                  stack_outputs: dict[str, dict[str, Any]] | None = None) -> RunningProgram:
    """Starts the Pulumi Python program in ``program_dir`` in a fresh process under the mock monitor; a bad
    project or stack config raises :class:`EngineError` at once, before anything runs."""
    try:
        project = load_project(Path(program_dir))
        config, secret_keys = load_stack_config(project, stack, overrides, secret_overrides)
    except ProjectError as exc:
        raise EngineError(str(exc)) from None
    if not project.main_file.is_file():
        raise EngineError(f"{project.root}: no program file {project.main_file.name}")
    tmp = tempfile.mkdtemp(prefix="siaga-")  # 0700: only this user
    token = secrets.token_hex(16)
    spec = {
        "program": str(project.main_file),
        "source_root": str(project.root),
        "project": project.name,
        "stack": stack_name or stack or "dev",
        "config": config,
        "secret_keys": secret_keys,
        "preview": preview,
        "stack_outputs": stack_outputs or {},  # {NAME: `pulumi stack output --json`} for StackReference reads
        "out": str(Path(tmp) / f"result-{secrets.token_hex(8)}.json"),
        "token": token,
    }
    spec_file = Path(tmp) / "spec.json"
    fd = os.open(spec_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(spec, f)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), str(project.root), env.get("PYTHONPATH")]))
    env.setdefault("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
    argv = [sys.executable, "-m", "siaga.engine.runner", str(spec_file)]
    return RunningProgram(project.root, argv, env, tmp, timeout, spec)


def run_program(program_dir: str | Path, stack: str | None = None, overrides: dict[str, str] | None = None,
                preview: bool = False, stack_name: str | None = None, timeout: float = 600,
                secret_overrides: dict[str, str] | None = None,
                stack_outputs: dict[str, dict[str, Any]] | None = None) -> Graph:
    """Runs the Pulumi Python program in ``program_dir`` in a fresh process under the mock monitor."""
    return start_program(program_dir, stack, overrides, preview, stack_name, timeout, secret_overrides,
                         stack_outputs).wait()


def run_stack(stack: str, overrides: dict[str, str] | None = None, preview: bool = False,
              root: Path = REPO_ROOT) -> Graph:
    """Runs this repository's program with ``stacks/Pulumi.<stack>.yaml``."""
    return run_program(root, stack=stack, overrides=overrides, preview=preview)

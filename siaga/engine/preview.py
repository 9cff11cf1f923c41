"""Public entry points: run a program (or this repository's stack) offline and get its graph.

As the Pulumi CLI runs a Python program: the engine (siaga/engine/monitor.py: the ``ResourceMonitor`` and
``Engine`` gRPC services and the recorder) runs in siaga's own process; the program runs in its own interpreter
(siaga/engine/toolchain.py: its virtualenv or toolchain per Pulumi.yaml, created when missing) through a small
bootstrap (siaga/engine/bootstrap.py) that uses only the program's own ``pulumi`` SDK to connect. The graph is
built here from what arrives over gRPC: the program cannot write or change it.

The config goes to the bootstrap in a 0600 spec file in a private (0700) temporary folder, deleted before the
program starts: no config value is on a command line or in the environment the process started with. The program's
interpreter is started first (its start and SDK import are the critical path); the engine is started meanwhile and
its address sent on a pipe, which the bootstrap reads just before it connects.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siaga.engine.bounded import tail_of_file
from siaga.engine.project import ProjectError, load_project, load_stack_config
from siaga.processes import kill_group, spawn

if TYPE_CHECKING:
    from siaga.engine.model import Graph
    from siaga.engine.monitor import EngineServer, Recorder
    from siaga.engine.secrets import Scrubber

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = Path(__file__).resolve().with_name("bootstrap.py")
_REPORT_LIMIT = 1024 * 1024
"""At most this much is read from the bootstrap's report channel (a program could write to it)."""


_SDK_UNSUPPORTED = re.compile(r"The Pulumi CLI does not support (invoke transforms|resource hooks|error hooks|"
                              r"state migrations)\b")
"""The SDK's words when the engine lacks a feature the program uses (these are callbacks siaga does not run)."""


class EngineError(Exception):
    """The program could not be run; ``str()`` is one line for the user, ``graph`` what was recorded."""

    def __init__(self, message: str, graph: Graph | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.graph = graph
        self.stderr = stderr


def _declared_requirement(root: Path | None, module: str) -> str | None:
    """The requirement of the project's ``requirements.txt`` (or ``pyproject.toml``) whose name is the module's
    (``pulumi-gcp`` for ``pulumi_gcp``: names compared as PEP 503 normalises them), None if none is."""
    if root is None:
        return None
    wanted = re.sub(r"[-_.]+", "-", module.split(".")[0]).lower()
    for name in ("requirements.txt", "pyproject.toml"):
        try:
            text = (root / name).read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue
        for found in re.finditer(r"(?m)^\s*[\"']?([A-Za-z0-9][A-Za-z0-9._-]*)", text):
            if re.sub(r"[-_.]+", "-", found.group(1)).lower() == wanted:
                return f"{name} declares {found.group(1)}"
    return None


def _missing_module(error: dict[str, Any], root: Path | None) -> str:
    """What a ``ModuleNotFoundError`` means for a program: which import, which interpreter ran it, and whether the
    program declares it (the program's own fault when it does not, as under the Pulumi CLI: the language host runs
    the same interpreter the same way)."""
    module, python = str(error["module"]), str(error.get("python") or "the program's Python")
    declared = _declared_requirement(root, module)
    if declared:
        return (f"; {python} (the interpreter that ran the program) cannot import {module!r} although {declared}: "
                "install the program's requirements into it, or name the program's virtualenv in Pulumi.yaml "
                "runtime.options.virtualenv")
    return (f"; {python} (the interpreter that ran the program) cannot import {module!r} and the program's declared "
            "dependencies (requirements.txt, pyproject.toml) do not name it: the program fails the same way "
            "under the Pulumi CLI")


def error_line(error: dict[str, Any], preview: bool, root: Path | None = None) -> str:
    """The bootstrap's report of a raising program -> one line: the exception, where (file:line in the program's
    own files), the resource being constructed, and the hint to try ``--unknowns`` when a computed value was
    involved. A ``pulumi.RunError`` is the program's own message for the user: shown as it is."""
    message = str(error.get("message") or "")
    if error.get("run_error"):
        return message
    text = " ".join(f"{error.get('type') or 'Error'}: {message}".split()) if message else str(error.get("type"))
    where = []
    if error.get("file"):
        where.append(f"{error['file']}:{error.get('line')}")
    resource = error.get("resource")
    if isinstance(resource, list) and len(resource) == 2:
        where.append(f"while registering {resource[0]} {resource[1]!r}")
    if where:
        text += f" ({', '.join(where)})"
    unsupported = _SDK_UNSUPPORTED.search(text)
    if unsupported:  # the SDK blames "the Pulumi CLI": here it is siaga's engine, and updating does not help
        text += f"; siaga's offline engine does not run {unsupported.group(1)} (resource transforms it runs): the " \
                "program cannot be checked offline while it uses them"
    if isinstance(error.get("module"), str) and error["module"]:
        return text + _missing_module(error, root)
    if error.get("computed") and not preview:
        text += "; a computed value (an apply callback or an output the offline engine left None) was involved: " \
                "try --unknowns"
    return text


class RunningProgram:
    """A program started in its own process (:func:`start_program`); :meth:`wait` returns its graph. Lets a
    caller do other work (start the policy servers, analyze resources as they arrive) while the program runs."""

    def __init__(self, root: Path, argv: list[str], env: dict[str, str], tmp: str, timeout: float,
                 spec: dict[str, Any], make_engine: Callable[[], tuple[Recorder, EngineServer]],
                 report_r: int, report_w: int, address_r: int, address_w: int) -> None:
        """Starts the program first (its interpreter starting and importing its SDK is the critical path), then
        the engine (``make_engine``: importing gRPC and the recorder, binding the port) while it does, and hands
        it the engine's address on the ``address`` pipe; the bootstrap waits for that line before it connects."""
        from siaga.engine.secrets import redact_config

        self.root, self.tmp, self.timeout = root, tmp, timeout
        self.project: str = spec["project"]
        self.stack: str = spec["stack"]
        self.preview: bool = bool(spec["preview"])
        self.program: str = spec["program"]
        self.secret_keys: list[str] = list(spec["secret_keys"])
        self.config: dict[str, Any] = redact_config(spec["config"], self.secret_keys)
        """The stack config the program gets (known before it runs), secret values as ``[secret]``: what the
        policy packs are given (PULUMI_CONFIG of their servers) and what may be shown."""
        self._raw_config = spec["config"]
        self.read_secret_keys: set[str] = set()
        self.errors: list[dict[str, Any]] = []
        self.stderr_file = open(Path(tmp) / "stderr.txt", "w+", encoding="utf-8")  # noqa: SIM115 (closed in wait)
        # Its own process group: whatever the program leaves running is stopped with it (see _stop_group).
        try:
            self.proc = spawn(argv, stdout=subprocess.DEVNULL, stderr=self.stderr_file, env=env, cwd=root,
                              stdin=subprocess.DEVNULL, pass_fds=(report_w, address_r))
        except OSError as exc:
            for end in (report_r, address_w):
                os.close(end)
            self.stderr_file.close()
            raise EngineError(f"{root}: cannot start the program's Python {argv[0]} ({exc.strerror})") from None
        finally:
            os.close(report_w)
            os.close(address_r)
        try:
            self.recorder, self.server = make_engine()
        except BaseException:
            os.close(address_w)  # the bootstrap reads end-of-file and exits
            os.close(report_r)
            self._stop_group()
            self.proc.wait()
            self.stderr_file.close()
            raise
        self.scrubber: Scrubber = self.recorder.scrubber
        try:
            os.write(address_w, (self.server.address + "\n").encode())
        except BrokenPipeError:
            pass  # the program died already: wait() reports it
        finally:
            os.close(address_w)
        self._reader = threading.Thread(target=self._read_reports, args=(report_r,), daemon=True)
        self._reader.start()

    def _read_reports(self, fd: int) -> None:
        """The bootstrap's JSON lines: secret keys the program reads (redacted from then on), its error."""
        with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as f:
            total = 0
            for line in f:
                total += len(line)
                if total > _REPORT_LIMIT:
                    break
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(msg, dict):
                    continue
                key = msg.get("secretKey")
                if isinstance(key, str) and key in self._raw_config:
                    self.read_secret_keys.add(key)
                    self.scrubber.add(self._raw_config[key])
                if isinstance(msg.get("error"), dict):
                    self.errors.append(msg["error"])

    def _stop_group(self) -> None:
        """Kills what is left of the program's process group (children it started and did not wait for), so
        nothing outlives the run or touches its files after the program is done."""
        kill_group(self.proc)

    def wait(self) -> Graph:
        try:
            try:
                self.proc.wait(self.timeout)
            except subprocess.TimeoutExpired:
                self._stop_group()
                self.proc.wait()
                raise EngineError(f"{self.root}: the program did not finish within {self.timeout:.0f} s") from None
            finally:
                self._stop_group()
                self._reader.join(10)
                self.server.stop()
                self.recorder.close()
            self.stderr_file.flush()
            stderr = self.scrubber.scrub_text(tail_of_file(self.stderr_file.name))  # its end: what a crash says
        finally:
            self.stderr_file.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
        graph = self.recorder.graph(self.program, self.read_secret_keys)
        code = self.proc.returncode
        if self.recorder.fatal:  # the engine refused the program (what the program then raised follows from it)
            raise EngineError(self.scrubber.scrub_text(self.recorder.fatal), graph=graph, stderr=stderr)
        if self.errors:
            line = error_line(self.errors[-1], self.preview, self.root)
            raise EngineError(self.scrubber.scrub_text(line), graph=graph, stderr=stderr)
        if code != 0:
            useful = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
            last = useful[-1] if useful else f"exit status {code}"
            raise EngineError(f"{self.root}: the program crashed before it finished: {last}", graph=graph,
                              stderr=stderr)
        return graph

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self._stop_group()
            self.proc.wait()
        self._stop_group()
        self.server.stop()
        self.recorder.close()
        self.stderr_file.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _program_env(interpreter: Any, project_root: Path) -> dict[str, str]:
    """The environment the program starts with: siaga's, minus any config, plus the virtualenv's activation. With
    siaga's own (ambient) interpreter, this repository first on PYTHONPATH (programs may use its components)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG") and k != "SIAGA_SECRET_CONFIG"}
    env.pop("PYTHONHOME", None)
    env.update(interpreter.env)
    extra = [str(REPO_ROOT)] if interpreter.ambient else []
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [*extra, str(project_root), env.get("PYTHONPATH")]))
    env.setdefault("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
    return env


def start_program(program_dir: str | Path, stack: str | None = None, overrides: dict[str, str] | None = None,
                  preview: bool = False, stack_name: str | None = None, timeout: float = 600,
                  secret_overrides: dict[str, str] | None = None,
                  stack_outputs: Mapping[str, dict[str, Any]] | None = None,
                  progress: Callable[[str], None] | None = None) -> RunningProgram:
    """Starts the Pulumi Python program in ``program_dir`` in its own interpreter, connected to an engine served
    by this process; a bad project, stack config or toolchain raises :class:`EngineError` at once.

    ``stack_outputs``: stack name -> outputs (``pulumi stack output --json``) that a ``StackReference`` to that
    stack reads; ``progress``: where install steps of a missing virtualenv are shown (default stderr)."""
    from siaga.engine.toolchain import ToolchainError, resolve

    try:
        project = load_project(Path(program_dir))
        config, secret_keys = load_stack_config(project, stack, overrides, secret_overrides)
    except ProjectError as exc:
        raise EngineError(str(exc)) from None
    if not project.main_file.is_file():
        raise EngineError(f"{project.root}: no program file {project.main_file.name}")
    try:
        interpreter = resolve(project.root, project.runtime_options, progress)
    except ToolchainError as exc:
        raise EngineError(str(exc)) from None
    stack_label = stack_name or stack or "dev"
    env = _program_env(interpreter, project.root)

    def make_engine() -> tuple[Recorder, EngineServer]:
        from siaga.engine.monitor import EngineServer, Recorder

        recorder = Recorder(project=project.name, stack=stack_label, root=project.root, config=config,
                            secret_keys=secret_keys, preview=preview, stack_outputs=stack_outputs,
                            python=interpreter.python, venvs=[interpreter.venv] if interpreter.venv else [])
        recorder.program_env = env
        return recorder, EngineServer(recorder)

    tmp = tempfile.mkdtemp(prefix="siaga-")  # 0700: only this user
    report_r, report_w = os.pipe()
    address_r, address_w = os.pipe()
    try:
        spec = {
            "program": str(project.main_file),
            "root": str(project.root),
            "project": project.name,
            "stack": stack_label,
            "organization": "organization",
            "config": config,
            "secret_keys": secret_keys,
            "preview": preview,
            "parallel": 32,
            "address_fd": address_r,
            "venvs": [str(interpreter.venv)] if interpreter.venv else [],
            "report_fd": report_w,
        }
        spec_file = Path(tmp) / "spec.json"
        fd = os.open(spec_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(spec, f)
        argv = [interpreter.python, "-u", str(BOOTSTRAP), str(spec_file)]
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for end in (report_r, report_w, address_r, address_w):
            with contextlib.suppress(OSError):
                os.close(end)
        raise
    try:
        return RunningProgram(project.root, argv, env, tmp, timeout, spec, make_engine,
                              report_r, report_w, address_r, address_w)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def run_program(program_dir: str | Path, stack: str | None = None, overrides: dict[str, str] | None = None,
                preview: bool = False, stack_name: str | None = None, timeout: float = 600,
                secret_overrides: dict[str, str] | None = None,
                stack_outputs: Mapping[str, dict[str, Any]] | None = None) -> Graph:
    """Runs the Pulumi Python program in ``program_dir`` (see :func:`start_program`) and returns its graph."""
    return start_program(program_dir, stack, overrides, preview, stack_name, timeout, secret_overrides,
                         stack_outputs).wait()


def run_stack(stack: str, overrides: dict[str, str] | None = None, preview: bool = False,
              root: Path = REPO_ROOT) -> Graph:
    """Runs this repository's program with ``stacks/Pulumi.<stack>.yaml``."""
    return run_program(root, stack=stack, overrides=overrides, preview=preview)


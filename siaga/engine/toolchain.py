"""Which Python runs a program, as the Pulumi CLI's Python language host picks it (sdk/python/toolchain in
pulumi/pulumi: pip.go, uv.go, poetry.go), and creating its virtual environment when it is missing.

Pulumi.yaml ``runtime.options``:
- ``toolchain: pip`` (the default) with ``virtualenv: DIR`` (relative to the project root): ``DIR/bin/python``;
  a missing (or empty) DIR is created with ``python -m venv`` and ``requirements.txt`` installed into it, as
  ``pulumi install`` does. Without ``virtualenv``, the ambient interpreter: ``PULUMI_PYTHON_CMD`` (looked up on
  PATH) if set, else, for siaga, **siaga's own interpreter** (``sys.executable``, which has the pulumi SDK and the
  providers siaga ships: pulumi-aws, pulumi-kubernetes, pulumi-random). The CLI would take ``python3`` from PATH.
- ``toolchain: uv``: the virtualenv is ``virtualenv`` if given, else ``.venv`` beside the nearest ``uv.lock`` or
  ``pyproject.toml`` (searching up from the root), else ``.venv`` in the root; created by ``uv sync`` (a
  pyproject) or ``uv venv`` + ``uv pip install -r requirements.txt``. Unlike the CLI, siaga never rewrites the
  project (no ``uv init``/``uv add``, requirements.txt is left in place): it only reads programs.
- ``toolchain: poetry``: ``poetry env info --path``; ``poetry install --no-ansi`` when there is none.

Every command is an argument list, never a shell string; its output is shown as progress lines (stderr) and a
failure is one line naming the command and the last line it printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siaga.processes import kill_group, spawn

Progress = Callable[[str], None]


class ToolchainError(Exception):
    """The program's interpreter cannot be found or created; ``str()`` is one line for the user."""


@dataclass
class Interpreter:
    python: str
    """The interpreter the program runs with."""
    toolchain: str
    """``ambient``, ``pip``, ``uv`` or ``poetry``."""
    venv: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    """Variables that activate the virtualenv (``VIRTUAL_ENV``, ``PATH``), as the language host sets them."""

    @property
    def ambient(self) -> bool:
        return self.toolchain == "ambient"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def is_virtualenv(path: Path) -> bool:
    return (path / "bin" / "python").is_file()


def _activate(venv: Path) -> dict[str, str]:
    return {"VIRTUAL_ENV": str(venv), "PATH": os.pathsep.join([str(venv / "bin"), os.environ.get("PATH", "")])}


def _search_up(start: Path, name: str) -> Path | None:
    for folder in [start, *start.parents]:
        if (folder / name).exists():
            return folder
    return None


def _tool(name: str) -> str | None:
    """A tool on PATH, else the one installed beside siaga's interpreter (uv is a dev dependency of siaga)."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def run_step(argv: Sequence[str], cwd: Path, progress: Progress, env: dict[str, str] | None = None,
             what: str = "") -> str:
    """Runs one install step, relaying its output as progress lines; returns its output. Its own process group
    (killed with siaga). A failure raises :class:`ToolchainError` with the command and its last line."""
    shown = " ".join(argv)
    progress(f"siaga: {what or 'running'}: {shown}")
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTHONHOME", None)
    try:
        proc = spawn(list(argv), cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     stdin=subprocess.DEVNULL, text=True, errors="replace")
    except OSError as exc:
        raise ToolchainError(f"{shown}: cannot run ({exc.strerror})") from None
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                lines.append(line)
                progress(f"  {line}")
        code = proc.wait()
    finally:
        kill_group(proc)
    if code != 0:
        last = lines[-1] if lines else "no output"
        raise ToolchainError(f"installing the program's dependencies failed: `{shown}` exited {code}: {last}")
    return "\n".join(lines)


def _ambient() -> Interpreter:
    cmd = os.environ.get("PULUMI_PYTHON_CMD")
    if cmd:
        found = shutil.which(cmd)
        if not found:
            raise ToolchainError(f"PULUMI_PYTHON_CMD={cmd!r}: not found on PATH")
        return Interpreter(python=found, toolchain="ambient")
    return Interpreter(python=sys.executable, toolchain="ambient")


def _base_python() -> str:
    """What creates a new virtualenv: ``PULUMI_PYTHON_CMD`` if set, else siaga's own interpreter."""
    cmd = os.environ.get("PULUMI_PYTHON_CMD")
    return (shutil.which(cmd) or cmd) if cmd else sys.executable


def _pip(root: Path, options: dict[str, Any], progress: Progress) -> Interpreter:
    option = options.get("virtualenv")
    if not option:
        return _ambient()
    venv = Path(option) if Path(option).is_absolute() else root / option
    if venv.exists() and not venv.is_dir():
        raise ToolchainError(f"{root / 'Pulumi.yaml'}: runtime.options.virtualenv {option!r} is not a folder")
    if not is_virtualenv(venv):
        if venv.is_dir() and any(venv.iterdir()):
            raise ToolchainError(f"{root / 'Pulumi.yaml'}: runtime.options.virtualenv {option!r} exists but is not a "
                                 f"virtual environment (no {venv / 'bin' / 'python'}); remove it or point elsewhere")
        progress(f"siaga: creating the program's virtual environment {venv} (runtime.options.virtualenv)")
        run_step([_base_python(), "-m", "venv", str(venv)], root, progress, what="creating the virtualenv")
        if (root / "requirements.txt").is_file():
            run_step([str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                      "--progress-bar", "off", "-r", "requirements.txt"], root, progress, env=_activate(venv),
                     what="installing requirements.txt")
        progress("siaga: the program's virtual environment is ready")
    return Interpreter(python=str(venv / "bin" / "python"), toolchain="pip", venv=venv, env=_activate(venv))


def _uv(root: Path, options: dict[str, Any], progress: Progress) -> Interpreter:
    uv = _tool("uv")
    if uv is None:
        raise ToolchainError(f"{root / 'Pulumi.yaml'}: toolchain uv, but no `uv` executable on PATH; install uv")
    option = options.get("virtualenv")
    if option:
        venv = Path(option) if Path(option).is_absolute() else root / option
    else:
        near = _search_up(root, "uv.lock") or _search_up(root, "pyproject.toml")
        venv = (near or root) / ".venv"
    env = {"UV_PROJECT_ENVIRONMENT": str(venv)}
    if not is_virtualenv(venv):
        progress(f"siaga: creating the program's virtual environment {venv} with uv (toolchain: uv)")
        if _search_up(root, "uv.lock") or _search_up(root, "pyproject.toml"):
            run_step([uv, "sync"], root, progress, env=env, what="uv sync")
        else:
            run_step([uv, "venv", "--quiet", "--python", _base_python(), str(venv)], root, progress, env=env,
                     what="creating the virtualenv")
            if (root / "requirements.txt").is_file():
                run_step([uv, "pip", "install", "--python", str(venv / "bin" / "python"), "-r", "requirements.txt"],
                         root, progress, env={**env, **_activate(venv)}, what="installing requirements.txt")
        progress("siaga: the program's virtual environment is ready")
    if not is_virtualenv(venv):
        raise ToolchainError(f"{venv}: uv did not create a virtual environment there")
    return Interpreter(python=str(venv / "bin" / "python"), toolchain="uv", venv=venv,
                       env={**env, **_activate(venv)})


def _poetry(root: Path, progress: Progress) -> Interpreter:
    poetry = _tool("poetry")
    if poetry is None:
        raise ToolchainError(f"{root / 'Pulumi.yaml'}: toolchain poetry, but no `poetry` executable on PATH; "
                             "install poetry")

    def env_path() -> Path | None:
        done = subprocess.run([poetry, "env", "info", "--path"], cwd=root, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        text = done.stdout.strip()
        return Path(text) if done.returncode == 0 and text else None

    venv = env_path()
    if venv is None or not is_virtualenv(venv):
        progress("siaga: creating the program's virtual environment with poetry (toolchain: poetry)")
        run_step([poetry, "install", "--no-ansi"], root, progress, what="poetry install")
        venv = env_path()
        if venv is None or not is_virtualenv(venv):
            raise ToolchainError(f"{root}: `poetry env info --path` names no virtual environment after poetry install")
    return Interpreter(python=str(venv / "bin" / "python"), toolchain="poetry", venv=venv, env=_activate(venv))


def resolve(root: Path, runtime_options: dict[str, Any] | None, progress: Progress | None = None) -> Interpreter:
    """The interpreter for the program in ``root`` (created and installed when missing)."""
    options = runtime_options or {}
    if not isinstance(options, dict):
        raise ToolchainError(f"{root / 'Pulumi.yaml'}: runtime.options must be a mapping")
    toolchain = options.get("toolchain") or "pip"
    show = progress or _stderr
    if toolchain == "pip":
        return _pip(root, options, show)
    if toolchain == "uv":
        return _uv(root, options, show)
    if toolchain == "poetry":
        return _poetry(root, show)
    raise ToolchainError(f"{root / 'Pulumi.yaml'}: runtime.options.toolchain {toolchain!r}; allowed: pip, uv, poetry")

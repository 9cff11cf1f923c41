"""Public entry points: run a program (or this repository's stack) offline and get its graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from siaga.engine.model import Graph
from siaga.engine.project import ProjectError, load_project, load_stack_config

REPO_ROOT = Path(__file__).resolve().parents[2]


class EngineError(Exception):
    """The program could not be run; ``str()`` is one line for the user, ``graph`` what was recorded."""

    def __init__(self, message: str, graph: Graph | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.graph = graph
        self.stderr = stderr


def run_program(program_dir: str | Path, stack: str | None = None, overrides: dict[str, str] | None = None,
                preview: bool = False, stack_name: str | None = None, timeout: float = 600) -> Graph:
    """Runs the Pulumi Python program in ``program_dir`` in a fresh process under the mock monitor."""
    try:
        project = load_project(Path(program_dir))
        config, secret_keys = load_stack_config(project, stack, overrides)
    except ProjectError as exc:
        raise EngineError(str(exc)) from None
    if not project.main_file.is_file():
        raise EngineError(f"{project.root}: no program file {project.main_file.name}")
    with tempfile.TemporaryDirectory(prefix="siaga-") as tmp:
        out = Path(tmp) / "result.json"
        spec = {
            "program": str(project.main_file),
            "source_root": str(project.root),
            "project": project.name,
            "stack": stack_name or stack or "dev",
            "config": config,
            "secret_keys": secret_keys,
            "preview": preview,
            "out": str(out),
        }
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), str(project.root), env.get("PYTHONPATH")]))
        env.setdefault("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
        try:
            proc = subprocess.run([sys.executable, "-m", "siaga.engine.runner", json.dumps(spec)],
                                  capture_output=True, text=True, env=env, timeout=timeout, cwd=project.root)
        except subprocess.TimeoutExpired:
            raise EngineError(f"{project.root}: the program did not finish within {timeout:.0f} s") from None
        if not out.is_file():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise EngineError(f"{project.root}: the program crashed before it finished: {last}", stderr=proc.stderr)
        result = json.loads(out.read_text(encoding="utf-8"))
    graph = Graph.model_validate(result["graph"])
    if result.get("error"):
        raise EngineError(result["error"], graph=graph, stderr=proc.stderr)
    return graph


def run_stack(stack: str, overrides: dict[str, str] | None = None, preview: bool = False,
              root: Path = REPO_ROOT) -> Graph:
    """Runs this repository's program with ``stacks/Pulumi.<stack>.yaml``."""
    return run_program(root, stack=stack, overrides=overrides, preview=preview)

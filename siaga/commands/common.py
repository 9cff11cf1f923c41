"""Helpers shared by commands: locating the program, failing with one clear line."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

from siaga.engine.preview import REPO_ROOT, EngineError, RunningProgram, start_program
from siaga.engine.project import ProjectError, load_project, parse_overrides

if TYPE_CHECKING:
    from siaga.engine.model import Graph

err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


SECRET_CONFIG_HELP = ("key=value stack config override kept secret (repeatable): shown as [secret] in the graph, "
                      "reports and documents, as `pulumi config set --secret` would")


TIMEOUT_HELP = "Seconds the program may run before it is stopped (with everything it started)"
DEFAULT_TIMEOUT = 600.0


def select_stack(root: Path) -> str | None:
    """As the CLI picks a stack for a program folder: the only ``Pulumi.<stack>.yaml`` beside Pulumi.yaml (or in its
    stackConfigDir) is used; several need --stack (one line listing them); none: the program runs with the project's
    config only."""
    try:
        known = load_project(root).stacks()
    except ProjectError as exc:
        fail(str(exc))
    if len(known) > 1:
        fail(f"{root}: several stacks ({', '.join(known)}); give --stack NAME")
    return known[0] if known else None


def start_graph(stack: str | None, program_dir: Path | None, config: list[str],
                preview: bool = False, secret_config: list[str] | None = None,
                timeout: float = DEFAULT_TIMEOUT,
                stack_outputs: Mapping[str, dict[str, Any]] | None = None) -> RunningProgram:
    """Starts the stack (this repository's program) or another program dir; exits 2 with one line on bad input."""
    try:
        overrides = parse_overrides(config)
        secret_overrides = parse_overrides(secret_config or [], "--secret-config", secret=True)
    except ProjectError as exc:
        fail(str(exc))
    if program_dir is not None and stack is None and (program_dir / "Pulumi.yaml").is_file() is False:
        fail(f"{program_dir}: no Pulumi.yaml here; give a Pulumi program folder or --stack NAME")
    root = program_dir if program_dir is not None else REPO_ROOT
    if stack is None and program_dir is None:
        fail("give --stack NAME (a file stacks/Pulumi.NAME.yaml) or a PROGRAM_DIR")
    if stack is None:
        stack = select_stack(root)
    try:
        return start_program(root, stack=stack, overrides=overrides, preview=preview, secret_overrides=secret_overrides,
                             timeout=timeout, stack_outputs=stack_outputs)
    except EngineError as exc:
        fail(str(exc))


def wait_graph(running: RunningProgram) -> Graph:
    """The graph of a started program; exits 2 with one line when it failed."""
    try:
        return running.wait()
    except EngineError as exc:
        fail(str(exc))


def load_graph(stack: str | None, program_dir: Path | None, config: list[str], preview: bool = False,
               secret_config: list[str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Graph:
    """Runs the stack (this repository's program) or another program dir; exits 2 with one line on failure."""
    return wait_graph(start_graph(stack, program_dir, config, preview, secret_config, timeout))

"""Helpers shared by commands: locating the program, failing with one clear line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from siaga.engine.preview import REPO_ROOT, EngineError, RunningProgram, start_program
from siaga.engine.project import ProjectError, load_project, parse_overrides
from siaga.escape.terminal import text as term

if TYPE_CHECKING:
    from siaga.engine.model import Graph

err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, exit ``code``. The message holds data (names, values, paths): printed as text, never
    read as rich markup (``'[secret]'`` stays ``'[secret]'``), control and bidi characters removed."""
    err_console.print(Text.assemble(("error:", "bold red"), " ", term(message)), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


SECRET_CONFIG_HELP = ("key=value stack config override kept secret (repeatable): shown as \\[secret] in the graph, "
                      "reports and documents, as `pulumi config set --secret` would. Visible to other users in `ps` "
                      "and kept in shell history: prefer --secret-config-file or SIAGA_SECRET_CONFIG")


SECRET_CONFIG_FILE_HELP = ("A file of secret stack config, key=value lines (or a JSON object), mode 0600 or stricter; "
                           "- reads standard input. Or set SIAGA_SECRET_CONFIG to the same content (CI secrets)")


def secret_config_items(pairs: list[str] | None, path: Path | None, use_environment: bool = True) -> list[str]:
    """Secret config from the environment (SIAGA_SECRET_CONFIG), ``--secret-config-file`` and ``--secret-config``
    (warned about: visible in ``ps``) as ``key=value`` items; a bad source is one line, exit 2 (siaga/secret_inputs.py)."""
    from siaga.secret_inputs import CLI_WARNING, SecretInputError, gather

    if pairs:
        err_console.print(Text.assemble(("warning:", "yellow"), " ", CLI_WARNING), highlight=False, soft_wrap=True)
    try:
        return gather(pairs, path, use_environment)
    except SecretInputError as exc:
        fail(str(exc))


STACK_OUTPUTS_HELP = ("NAME=FILE (repeatable): the outputs of stack NAME for the program's StackReference, FILE being "
                      "`pulumi stack output --json [--show-secrets]` of that stack; secrets it lists stay secret")


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
                timeout: float = DEFAULT_TIMEOUT, stack_outputs: list[str] | None = None) -> RunningProgram:
    """Starts the stack (this repository's program) or another program dir; exits 2 with one line on bad input."""
    from siaga.engine.reads import load_stack_outputs
    from siaga.inputs import InputFileError

    try:
        overrides = parse_overrides(config)
        secret_overrides = parse_overrides(secret_config or [], "--secret-config", secret=True)
    except ProjectError as exc:
        fail(str(exc))
    try:
        referenced = load_stack_outputs(stack_outputs or [])
    except InputFileError as exc:
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
                             timeout=timeout, stack_outputs=referenced)
    except EngineError as exc:
        fail(str(exc))


def wait_graph(running: RunningProgram) -> Graph:
    """The graph of a started program; exits 2 with one line when it failed."""
    try:
        return running.wait()
    except EngineError as exc:
        fail(str(exc))


def load_graph(stack: str | None, program_dir: Path | None, config: list[str], preview: bool = False,
               secret_config: list[str] | None = None, timeout: float = DEFAULT_TIMEOUT,
               stack_outputs: list[str] | None = None) -> Graph:
    """Runs the stack (this repository's program) or another program dir; exits 2 with one line on failure."""
    return wait_graph(start_graph(stack, program_dir, config, preview, secret_config, timeout, stack_outputs))

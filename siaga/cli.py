"""The ``siaga`` command line: what has no Pulumi command (offline preview and checks, reports, scaffolding)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

COMMANDS = ["preview", "report", "new", "check", "verify"]
HELP = "Siaga: zero-downtime, in-country infrastructure for Indonesian public services (offline tools)."


def _root() -> None:
    """Siaga: offline preview and policy checks, reports, scaffolding, verification."""


def build(commands: Sequence[str] = COMMANDS) -> typer.Typer:
    """The typer app with ``commands`` registered (each command module is imported only when registered)."""
    cli = typer.Typer(name="siaga", help=HELP, no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False)
    cli.callback()(_root)
    for name in commands:
        importlib.import_module(f"siaga.commands.{name}").register(cli)
    return cli


def __getattr__(name: str) -> typer.Typer:
    """``siaga.cli.app``: every command (built on first use)."""
    if name == "app":
        globals()["app"] = built = build()
        return built
    raise AttributeError(name)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point. ``siaga CMD ...`` imports only CMD's module (start-up time is part of every check run);
    anything else (``--help``, no command, a typo) gets the whole app and its help."""
    args = list(sys.argv[1:] if argv is None else argv)
    only = [args[0]] if args and args[0] in COMMANDS else COMMANDS
    build(only)(args=args, prog_name="siaga")

"""The ``siaga`` command line: what has no Pulumi command (offline preview and checks, reports, scaffolding)."""

from __future__ import annotations

import importlib

import typer

COMMANDS = ["preview", "report", "new", "check", "verify"]

app = typer.Typer(
    name="siaga",
    help="Siaga: zero-downtime, in-country infrastructure for Indonesian public services (offline tools).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _root() -> None:
    """Siaga: offline preview and policy checks, reports, scaffolding, verification."""


for _name in COMMANDS:
    importlib.import_module(f"siaga.commands.{_name}").register(app)


def main() -> None:
    app()

"""The ``siaga`` command line: what has no Pulumi command (offline preview and checks, reports, scaffolding)."""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

import click
import rich.console
import typer

from siaga import processes

COMMANDS = ["preview", "report", "new", "check", "comment", "verify", "drill"]
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


def _say(message: str) -> None:
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"error: {message}\n")
            sys.stderr.flush()


def _raise_broken_pipe(_console: object) -> None:
    raise BrokenPipeError


def _stdout_usable() -> bool:
    try:
        return sys.stdout is not None and os.fstat(sys.stdout.fileno()) is not None
    except (OSError, ValueError):
        return False


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point. ``siaga CMD ...`` imports only CMD's module (start-up time is part of every check run);
    anything else (``--help``, no command, a typo) gets the whole app and its help.

    Exit codes: 0 done, 1 mandatory violations (check) or failed checks (verify), 2 could not run. Whatever goes
    wrong on the way out is one line, never a traceback: a closed stdout, a reader that went away (``| head``),
    Ctrl-C, a usage error."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not _stdout_usable():
        _say("standard output is closed: nothing could be reported (give --output FILE or keep stdout open)")
        sys.exit(2)
    only = [args[0]] if args and args[0] in COMMANDS else COMMANDS
    processes.install()
    # rich handles a broken pipe itself with SystemExit(1), which would read as "violations found": hand it to
    # the handler below instead (exit 2, could not finish).
    rich.console.Console.on_broken_pipe = _raise_broken_pipe  # type: ignore[method-assign]
    try:
        code = build(only)(args=args, prog_name="siaga", standalone_mode=False)
        sys.stdout.flush()
    except click.exceptions.Exit as exc:  # typer.Exit raised outside Click's own handling
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = 2
    except click.exceptions.Abort:
        _say("interrupted")
        code = 2
    except KeyboardInterrupt:
        _say("interrupted")
        code = 2
    except BrokenPipeError:
        # The reader went away: nothing more can be written. Point stdout at /dev/null so the interpreter's own
        # flush at exit does not complain, and say it could not finish.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 2
    sys.exit(code if isinstance(code, int) else 0)


def run() -> None:
    """The process entry point (``siaga``, ``python -m siaga``): :func:`main`, then the exit without the
    interpreter's teardown. Tearing down a ``siaga check`` process (gRPC, pydantic, rich, the analyzer's modules)
    took 0.15-0.2 s of every run (measured); the exit handlers still run first (children killed, caches written),
    and both streams are flushed. In-process callers (tests) use :func:`main`, which raises ``SystemExit``."""
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    atexit._run_exitfuncs()  # what the interpreter would run at exit (tracked process groups, caches)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): printed, status 1, as the interpreter does
        _say(str(code))
        code = 1
    os._exit(code)

"""The ``siaga`` command line: what has no Pulumi command (offline preview and checks, reports, scaffolding)."""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.metadata
import os
import sys
from collections.abc import Sequence
from typing import Annotated

import rich.console
import typer

from siaga import processes

COMMANDS = ["preview", "report", "new", "check", "comment", "verify", "drill"]
HELP = "Siaga: zero-downtime, in-country infrastructure for Indonesian public services (offline tools)."


def version() -> str:
    """siaga's version from the installed package's metadata (what ``pip``/``uv`` installed from pyproject.toml);
    run from a source tree that was never installed, pyproject.toml itself says it."""
    try:
        return importlib.metadata.version("siaga")
    except importlib.metadata.PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, ValueError, KeyError):
            return "unknown"


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"siaga {version()}\n")
        raise typer.Exit(0)


def _root(
    show_version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                               help="Print siaga's version and exit.")] = False,
) -> None:
    """Siaga: offline preview and policy checks, reports, scaffolding, verification."""


def build(commands: Sequence[str] = COMMANDS) -> typer.Typer:
    """The typer app with ``commands`` registered (each command module is imported only when registered).
    No arguments at all is a usage error like any other (one line, exit 2), not the help page."""
    cli = typer.Typer(name="siaga", help=HELP, no_args_is_help=False, add_completion=False,
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


def _invoke(app: typer.Typer, args: list[str]) -> int:
    """Runs ``app`` as Click's ``main`` does (make the context, invoke), without typer's ``main`` around it. That
    wrapper (typer 0.29, ``typer/core.py`` ``_main``) turns Ctrl-C and SIGTERM into exit 130 with nothing said
    and a closed pipe into ``sys.exit(1)`` (read by CI as "violations") even with ``standalone_mode=False``;
    here each reaches :func:`main`'s handlers. ``typer.main.get_command`` is typer's documented way to get the
    underlying command (https://typer.tiangolo.com/tutorial/using-click/); typer vendors its Click since
    0.26, so what it raises is ``typer.TyperException`` and ``typer.Exit``, never ``click``'s classes (click is
    not even installed by the runtime lock). The typer version is pinned by requirements/runtime.txt and
    bounded in pyproject.toml, and tests/test_cli_usage.py runs every case against it."""
    command = typer.main.get_command(app)
    with command.make_context("siaga", list(args)) as ctx:
        result = command.invoke(ctx)
    return result if isinstance(result, int) else 0


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _given(option_names: Sequence[str], args: Sequence[str]) -> str | None:
    """The value given on the command line for an option (``--opt VALUE`` or ``--opt=VALUE``), the last one
    (as Click keeps), to name it in the error."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        for name in option_names:
            if arg == name and i + 1 < len(args):
                found = args[i + 1]
            elif name.startswith("--") and arg.startswith(name + "="):
                found = arg[len(name) + 1:]
    return found


def usage_line(exc: typer.TyperException, args: Sequence[str]) -> str:
    """One line for a usage error: the command, the option and the value given (``repr``: control and bidi
    characters escaped), what is wrong, and where the help is."""
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", "")  # no context when the parser itself refuses (``--stack`` with no value)
    if not path:
        path = f"siaga {args[0]}" if args and args[0] in COMMANDS else "siaga"
    message = _one_line(exc.format_message())
    param = getattr(exc, "param", None)
    opts = [o for o in getattr(param, "opts", []) or [] if o.startswith("-")]
    value = _given(opts, args) if opts else None
    if value is not None:
        message = f"{message} (given: {value!r})"
    return f"{path}: {message} (see '{path} --help')"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point. ``siaga CMD ...`` imports only CMD's module (start-up time is part of every check run);
    ``--version`` none; anything else (``--help``, no command, a typo) gets the whole app, to list the commands.

    Exit codes: 0 done, 1 mandatory violations (check) or failed checks (verify), 2 could not run. Whatever goes
    wrong on the way out is one line, never a traceback: a closed stdout, a reader that went away (``| head``),
    Ctrl-C or SIGTERM ("interrupted"), a usage error (any option of any command, an unknown command, no
    command at all)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not _stdout_usable():
        _say("standard output is closed: nothing could be reported (give --output FILE or keep stdout open)")
        sys.exit(2)
    only = [args[0]] if args and args[0] in COMMANDS else [] if args[:1] == ["--version"] else COMMANDS
    processes.install()  # SIGTERM unwinds like Ctrl-C (KeyboardInterrupt): "interrupted" below
    # rich handles a broken pipe itself with SystemExit(1), which would read as "violations found": hand it to
    # the handler below instead (exit 2, could not finish).
    rich.console.Console.on_broken_pipe = _raise_broken_pipe  # type: ignore[method-assign]
    try:
        code = _invoke(build(only), args)
        sys.stdout.flush()
    except typer.Exit as exc:  # typer.Exit / ctx.exit(): the command's own exit code
        code = exc.exit_code
    except typer.TyperException as exc:  # typer's vendored Click: UsageError and its kind, ClickException
        _say(usage_line(exc, args))
        code = 2
    except (typer.Abort, KeyboardInterrupt):  # Ctrl-C; SIGTERM (siaga.processes raises KeyboardInterrupt)
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

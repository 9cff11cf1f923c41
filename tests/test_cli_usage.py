"""The command line's own errors, as a user meets them (a real ``python -m siaga`` process, the locked typer):
every usage error of every command is one line on stderr and exit 2 (CI reads 1 as "violations"), SIGTERM and
Ctrl-C are one line "interrupted" and exit 2, ``--version`` prints the installed version."""

from __future__ import annotations

import importlib.metadata
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import typer

from siaga import cli
from tests.conftest import REPO

SIAGA = [sys.executable, "-m", "siaga"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SIAGA, *args], capture_output=True, text=True, cwd=REPO, timeout=120)


def _usage_error(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr (``error: ...``) that says each of ``expected``."""
    lines = done.stderr.splitlines()
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr and not done.stdout.strip(), done.stdout
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def test_no_arguments_is_a_usage_error() -> None:
    _usage_error(_run(), "Missing command", "siaga --help")


@pytest.mark.parametrize("word", ["bogus", "chek", "--", "CHECK"])
def test_unknown_command(word: str) -> None:
    _usage_error(_run(word), "siaga")


@pytest.mark.parametrize("command", [None, *cli.COMMANDS])
def test_unknown_option_of_every_command(command: str | None) -> None:
    args = [command] if command else []
    path = " ".join(["siaga", *args])
    _usage_error(_run(*args, "--no-such-option"), f"{path}:", "No such option: --no-such-option",
                 f"'{path} --help'")


@pytest.mark.parametrize(("args", "option", "value"), [
    (["--timeout", "0"], "--timeout", "'0'"),
    (["--timeout", "nan"], "--timeout", "'nan'"),
    (["--timeout=-5"], "--timeout", "'-5'"),
    (["--timeout", "soon"], "--timeout", "'soon'"),
    (["--waiver-max-days", "0"], "--waiver-max-days", "'0'"),
    (["--waiver-max-days", "1.5"], "--waiver-max-days", "'1.5'"),
])
def test_out_of_range_values_name_the_option_and_the_value(args: list[str], option: str, value: str) -> None:
    """Refused by the option's own declaration before anything runs: the line names the option and the value."""
    _usage_error(_run("check", "--stack", "jakarta-prod", *args), "siaga check:", option, value)


def test_values_with_control_characters_are_shown_escaped() -> None:
    line = _usage_error(_run("check", "--stack", "jakarta-prod", "--timeout", "\u202e1\x1b[31m"), "--timeout")
    assert "\u202e" not in line and "\x1b" not in line and "\\u202e" in line


def test_option_without_its_value_and_missing_argument() -> None:
    _usage_error(_run("preview", "--stack"), "siaga preview:", "'--stack' requires an argument")
    _usage_error(_run("new"), "siaga new:", "Missing argument")


def _value_options(command: str) -> list[typer.core.TyperOption]:
    group = typer.main.get_command(cli.build([command]))
    return [p for p in group.commands[command].params  # type: ignore[attr-defined]
            if isinstance(p, typer.core.TyperOption) and not p.is_flag and p.opts[0].startswith("--")]


def _in_process(args: list[str], capsys: pytest.CaptureFixture[str],
                monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setattr(cli.processes, "install", lambda: None)  # no SIGTERM handler or atexit in pytest itself
    monkeypatch.setattr(cli, "_stdout_usable", lambda: True)  # capsys's stdout has no file descriptor
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    return exit_info.value.code, capsys.readouterr().err  # type: ignore[return-value]


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_every_option_that_takes_a_value_refuses_a_missing_or_malformed_one(
        command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every value option of every command (found from the command itself, so a new option is covered too):
    given as the last word with no value, and (numbers) given a word that is no number."""
    options = _value_options(command)
    assert options, command
    for option in options:
        name = option.opts[0]
        code, err = _in_process([command, name], capsys, monkeypatch)
        assert code == 2 and err.count("\n") == 1 and name in err and "requires an argument" in err, (name, err)
        if option.bare_type() in (int, float):
            code, err = _in_process([command, name, "many"], capsys, monkeypatch)
            assert code == 2 and err.count("\n") == 1 and f"'{name}'" in err and "'many'" in err, (name, err)


def test_version_is_the_installed_packages() -> None:
    done = _run("--version")
    assert done.returncode == 0 and not done.stderr
    assert done.stdout == f"siaga {importlib.metadata.version('siaga')}\n"
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert cli.version() == declared


def test_help_still_works() -> None:
    done = _run("--help")
    assert done.returncode == 0 and "check" in done.stdout and "--version" in done.stdout


def _slow_program(tmp_path: Path) -> tuple[Path, Path]:
    prog = tmp_path / "slow"
    prog.mkdir()
    started = tmp_path / "started"
    (prog / "Pulumi.yaml").write_text("name: slow\nruntime: python\n", encoding="utf-8")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n", encoding="utf-8")
    (prog / "__main__.py").write_text(
        f"import time\nopen({str(started)!r}, 'w').close()\ntime.sleep(300)\n", encoding="utf-8")
    return prog, started


def _default_sigint() -> None:
    # as a terminal's foreground job: a test runner's worker may have been started with SIGINT ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_say_interrupted_and_exit_2(tmp_path: Path, signum: signal.Signals) -> None:
    prog, started = _slow_program(tmp_path)
    proc = subprocess.Popen([*SIAGA, "check", str(prog), "--stack", "dev", "--timeout", "200"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 90
        while not started.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the program never started"
            time.sleep(0.1)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 2, (proc.returncode, err)
    assert err.splitlines() == ["error: interrupted"], err


"""How a program run starts and ends: the program's interpreter first, the engine's address last; the SDK's RPCs
waited for before its output loop; debug lines not sent; what is recorded unchanged by all three."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import runpy
import types
from pathlib import Path
from typing import Any

import pytest

from siaga.engine import EngineError, run_program
from siaga.engine.preview import (
    BOOTSTRAP,
    start_program,
)
from tests.conftest import PROGRAMS

LOGS = PROGRAMS / "logs_and_applies"


def _bootstrap() -> types.ModuleType:
    """The bootstrap as a module (not ``__main__``: it leaves sys.path alone and does not run)."""
    spec = importlib.util.spec_from_file_location("siaga_bootstrap_under_test", BOOTSTRAP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _children() -> set[int]:
    """Live processes whose parent is this one."""
    me, found = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(entry))
    return found


def test_registrations_from_nested_applies_are_all_recorded_and_warnings_arrive() -> None:
    graph = run_program(LOGS, stack="dev")
    counts = graph.counts()
    assert counts["aws:ec2/vpc:Vpc"] == 1
    assert counts["aws:ec2/securityGroup:SecurityGroup"] == 1  # registered from an apply callback
    assert counts["aws:ec2/tag:Tag"] == 3  # from an apply callback inside that one
    assert counts["aws:ec2/subnet:Subnet"] == 60
    assert "warning line from the program" in graph.warnings
    assert not [w for w in graph.warnings if "debug line" in w]


def test_debug_lines_are_not_sent_every_other_severity_is() -> None:
    from pulumi.runtime.proto import engine_pb2

    sent: list[int] = []

    class Stub:
        def Log(self, request: Any) -> str:  # noqa: N802 - the stub's name
            sent.append(request.severity)
            return "answered"

        def GetRootResource(self, request: Any) -> str:  # noqa: N802
            return "root"

    engine = _bootstrap()._WithoutDebugLogs(Stub(), engine_pb2.DEBUG)
    for severity in (engine_pb2.DEBUG, engine_pb2.INFO, engine_pb2.WARNING, engine_pb2.ERROR):
        engine.Log(engine_pb2.LogRequest(severity=severity, message="m"))
    assert sent == [engine_pb2.INFO, engine_pb2.WARNING, engine_pb2.ERROR]
    assert engine.GetRootResource(None) == "root"  # everything else is the SDK's stub


def _sdk_output_loop_wakeups(program: Path, settle: bool) -> tuple[int, int]:
    """Runs ``program`` in this process with the SDK connected over gRPC to siaga's engine (as the bootstrap
    connects it); returns (wake-ups of the SDK's ``asyncio.wait`` loop over pending outputs, resources
    recorded)."""
    import pulumi
    from pulumi.runtime import settings, stack

    from siaga.engine.monitor import EngineServer, Recorder

    boot = _bootstrap()
    recorder = Recorder(project="p", stack="s", root=program.parent, config={}, secret_keys=[])
    server = EngineServer(recorder)
    wakeups = 0
    real = asyncio.wait

    async def counting_wait(fs: Any, *a: Any, **k: Any) -> Any:
        nonlocal wakeups
        wakeups += 1
        return await real(fs, *a, **k)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    patched = types.SimpleNamespace(**{n: getattr(asyncio, n) for n in dir(asyncio) if not n.startswith("__")})
    patched.wait = counting_wait
    original, stack.asyncio = stack.asyncio, patched  # type: ignore[attr-defined]
    try:
        pulumi.runtime.configure(boot._settings(pulumi, {"monitor": server.address, "engine": server.address,
                                                          "project": "p", "stack": "s", "root": str(program.parent)}))
        settings.set_root_resource(None)  # type: ignore[arg-type]
        func = boot._program(str(program)) if settle else (lambda: runpy.run_path(str(program), run_name="__main__"))
        loop.run_until_complete(pulumi.runtime.run_in_stack(func))
    finally:
        stack.asyncio = original  # type: ignore[attr-defined]
        loop.close()
        asyncio.set_event_loop(None)
        server.stop()
    return wakeups, len([r for r in recorder.records.values() if r.type == "test:index:R"])


@pytest.fixture()
def chained_program(tmp_path: Path) -> Path:
    main = tmp_path / "__main__.py"
    main.write_text(
        "import pulumi\n"
        "class R(pulumi.CustomResource):\n"
        "    out: pulumi.Output[str]\n"
        "    def __init__(self, name, **props):\n"
        "        super().__init__('test:index:R', name, {**props, 'out': None})\n"
        "prev = None\n"
        "for i in range(120):\n"
        "    prev = R(f'r{i}', dep=prev.id if prev is not None else 'root')\n"
        "prev.id.apply(lambda v: [R(f'late{j}', dep=v) for j in range(5)])\n")
    return main


def test_the_sdk_output_loop_has_nothing_left_to_wait_for_after_the_rpcs(chained_program: Path) -> None:
    """The SDK's loop over pending outputs wakes once per completion wave, over every pending output each time
    (quadratic); with the RPCs awaited first it wakes a few times at most. Same registrations either way."""
    plain, registered_plain = _sdk_output_loop_wakeups(chained_program, settle=False)
    settled, registered_settled = _sdk_output_loop_wakeups(chained_program, settle=True)
    assert registered_plain == registered_settled == 125
    assert plain >= 20  # the SDK alone: one wake-up per chained registration, at least
    assert settled <= 3


def test_the_program_starts_before_the_engine_and_is_stopped_if_the_engine_cannot_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import siaga.engine.monitor as monitor

    before = _children()

    def refuse(self: Any, recorder: Any, workers: int = 4) -> None:
        assert _children() - before, "the program's interpreter is already running when the engine starts"
        raise OSError("could not bind the engine's gRPC port on 127.0.0.1")

    monkeypatch.setattr(monitor.EngineServer, "__init__", refuse)
    with pytest.raises(OSError, match="could not bind"):
        start_program(LOGS, stack="dev")
    assert _children() - before == set()  # stopped and reaped: nothing outlives the failed start


def test_a_program_whose_engine_address_never_comes_ends_with_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bootstrap waits for the engine's address; end-of-file instead (siaga went away) ends it at once."""
    import siaga.engine.preview as preview

    real = preview.RunningProgram.__init__

    def no_address(self: Any, root: Path, argv: list[str], env: dict[str, str], tmp: str, timeout: float,
                   spec: dict[str, Any], make_engine: Any, report_r: int, report_w: int, address_r: int,
                   address_w: int) -> None:
        os.close(address_w)
        spare_r, spare_w = os.pipe()  # siaga's end of a pipe nobody writes the address to
        os.close(spare_r)
        real(self, root, argv, env, tmp, timeout, spec, make_engine, report_r, report_w, address_r, spare_w)

    monkeypatch.setattr(preview.RunningProgram, "__init__", no_address)
    with pytest.raises(EngineError, match="crashed|exit status 1|before it finished"):
        run_program(LOGS, stack="dev", timeout=60)


def test_the_process_entry_point_runs_exit_handlers_and_keeps_the_exit_code(tmp_path: Path) -> None:
    """``siaga`` ends with ``os._exit`` (no interpreter teardown): exit handlers must still run, output must still
    be flushed, and the command's exit code must still be the process's."""
    import subprocess
    import sys

    script = ("import atexit, sys\n"
              "from siaga import cli\n"
              "atexit.register(lambda: sys.stdout.write('exit handler ran\\n'))\n"
              "sys.argv = ['siaga', *sys.argv[1:]]\n"
              "cli.run()\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    ok = subprocess.run([sys.executable, "-c", script, "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert ok.returncode == 0
    assert "Usage" in ok.stdout and ok.stdout.rstrip().endswith("exit handler ran")
    bad = subprocess.run([sys.executable, "-c", script, "check", "--format", "nope"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert bad.returncode == 2
    assert "--format 'nope'" in bad.stderr and "exit handler ran" in bad.stdout

"""No process started by a siaga run outlives it: the program, what it starts (a plain child, a ``setsid``
double-forked daemon), the policy pack servers and the aws/kubectl calls of verify and drill, after a normal end,
``--timeout``, SIGTERM, Ctrl-C and ``kill -9`` of siaga itself. Processes are found by a marker in their argv and
by siaga's descendants listed from /proc just before the stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from siaga import processes
from siaga.drill import DrillError, aws_cli
from siaga.supervise import descendants

ROOT = Path(__file__).resolve().parent.parent

SPAWNER = """\
import os, subprocess, sys, time
marker = {marker!r}
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", marker])
daemon = "import os, time\\nos.setsid()\\nif os.fork(): os._exit(0)\\ntime.sleep(300)"
subprocess.Popen([sys.executable, "-c", daemon, marker]).wait()
open({ready!r}, "w").write(str(os.getpid()))
time.sleep({sleep})
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _with_marker(marker: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                argv = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker.encode() in argv and _alive(int(name)):
                found.append(int(name))
    return found


def _gone(pids: list[int], marker: str, within: float = 10.0) -> list[int]:
    """The pids (or marked processes) still alive after ``within`` seconds; [] when all are gone."""
    deadline = time.monotonic() + within
    while True:
        left = [p for p in pids if _alive(p)] + _with_marker(marker)
        if not left or time.monotonic() > deadline:
            return sorted(set(left))
        time.sleep(0.1)


def _program(tmp_path: Path, sleep: int = 300) -> tuple[Path, str, Path]:
    marker = f"siaga-escape-{uuid.uuid4().hex}"
    ready = tmp_path / "ready.pid"
    prog = tmp_path / "prog"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: spawner\nruntime: python\n", encoding="utf-8")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n", encoding="utf-8")
    (prog / "__main__.py").write_text(SPAWNER.format(marker=marker, ready=str(ready), sleep=sleep), encoding="utf-8")
    return prog, marker, ready


def _start(prog: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "siaga", "check", str(prog), "--stack", "dev", *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_ready(proc: subprocess.Popen[str], ready: Path, marker: str) -> list[int]:
    deadline = time.monotonic() + 90
    while not (ready.exists() and len(_with_marker(marker)) >= 2):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the program never started its children"
        time.sleep(0.1)
    tree = descendants(proc.pid)
    assert int(ready.read_text()) in tree and set(_with_marker(marker)) <= set(tree), "a child outside the tree"
    return tree


class TestProgramTree:
    def test_timeout_ends_the_program_its_child_and_its_setsid_daemon(self, tmp_path: Path) -> None:
        prog, marker, ready = _program(tmp_path)
        done = subprocess.run([sys.executable, "-m", "siaga", "check", str(prog), "--stack", "dev", "--timeout", "8"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "did not finish within 8 s" in done.stderr, done.stderr
        assert ready.exists()  # the children were started before the timeout
        assert _gone([int(ready.read_text())], marker, within=5) == []

    def test_a_program_that_finishes_takes_its_daemon_with_it(self, tmp_path: Path) -> None:
        prog, marker, ready = _program(tmp_path, sleep=0)
        done = subprocess.run([sys.executable, "-m", "siaga", "check", str(prog), "--stack", "dev"], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        assert _gone([], marker, within=5) == []

    @pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
    def test_sigterm_and_ctrl_c_end_everything(self, tmp_path: Path, sig: signal.Signals) -> None:
        prog, marker, ready = _program(tmp_path)
        proc = _start(prog)
        tree = _wait_ready(proc, ready, marker)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode not in (0, 1) and "Traceback" not in err, err  # its exit code: issue 27 item 5
        assert _gone(tree, marker, within=5) == []

    def test_kill_9_of_siaga_still_ends_everything(self, tmp_path: Path) -> None:
        prog, marker, ready = _program(tmp_path)
        proc = _start(prog)
        tree = _wait_ready(proc, ready, marker)
        servers = [p for p in tree if b"pulumi.policy" in Path(f"/proc/{p}/cmdline").read_bytes()]
        proc.kill()
        proc.communicate(timeout=30)
        assert _gone(tree, marker, within=10) == []
        assert all(not _alive(p) for p in servers)


FAKE_AWS = """#!/bin/sh
# a CLI that leaves a background child behind and then hangs (or answers something that is not JSON)
{python} -c 'import os, time; os.setsid(); time.sleep(300)' {marker} &
case "$1" in
  hang) exec {python} -c 'import time; time.sleep(300)' {marker} ;;
  *) echo 'Traceback (most recent call last): not json' ;;
esac
"""


@pytest.fixture
def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    marker = f"siaga-escape-{uuid.uuid4().hex}"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    aws = bin_dir / "aws"
    aws.write_text(FAKE_AWS.format(python=sys.executable, marker=marker))
    aws.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return marker


class TestCommandChildren:
    def test_timeout_ends_the_command_and_its_background_child(self, fake_aws: str) -> None:
        start = time.monotonic()
        with pytest.raises(subprocess.TimeoutExpired):
            processes.run(["aws", "hang"], timeout=2)
        assert time.monotonic() - start < 10
        assert _gone([], fake_aws, within=5) == []

    def test_a_finished_command_leaves_no_background_child(self, fake_aws: str) -> None:
        done = processes.run(["aws", "sts"], timeout=20)
        assert done.returncode == 0 and "not json" in done.stdout
        assert _gone([], fake_aws, within=5) == []

    def test_drill_aws_hung_or_not_json_is_one_line(self, fake_aws: str) -> None:
        with pytest.raises(DrillError) as info:
            aws_cli(["hang", "x"], "ap-southeast-3", timeout=2)
        assert "no answer in 2 s" in str(info.value) and "\n" not in str(info.value)
        with pytest.raises(DrillError, match="not JSON"):
            aws_cli(["sts", "get-caller-identity"], "ap-southeast-3")
        assert _gone([], fake_aws, within=5) == []

    def test_exit_status_and_signals_are_the_commands(self) -> None:
        assert processes.run(["sh", "-c", "exit 3"], timeout=20).returncode == 3
        assert processes.run(["sh", "-c", "kill -TERM $$"], timeout=20).returncode == -signal.SIGTERM
        with pytest.raises(FileNotFoundError):
            processes.run(["no-such-command-siaga"], timeout=5)


class TestVerifyCalls:
    def test_verify_aws_hung_or_not_json_is_one_line(self, fake_aws: str) -> None:
        from siaga.verify.calls import call_json
        from siaga.verify.runner import VerifyError
        from siaga.verify.stack import instances_of_asg

        with pytest.raises(VerifyError) as info:
            call_json(["aws", "hang", "x"], "aws hang x", timeout=2)
        assert str(info.value) == "aws hang x: no answer within 2 s"
        with pytest.raises(VerifyError) as info:
            instances_of_asg("web", "ap-southeast-3")
        assert "is not JSON" in str(info.value) and "\n" not in str(info.value)
        assert _gone([], fake_aws, within=5) == []

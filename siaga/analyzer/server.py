"""One policy pack's analyzer server: started like the Pulumi CLI starts it, always killed."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi.runtime.proto import analyzer_pb2_grpc as pb_grpc

from siaga.analyzer.errors import AnalyzerError
from siaga.engine.model import Graph
from siaga.engine.project import ProjectError, load_policy_pack
from siaga.processes import kill_group, spawn

_MAX_MESSAGE = 1024 * 1024 * 400
_CHANNEL_OPTIONS = [("grpc.max_receive_message_length", _MAX_MESSAGE), ("grpc.max_send_message_length", _MAX_MESSAGE)]
ENGINE_ADDRESS = "127.0.0.1:0"
"""The CLI passes its engine's address; a Python pack parses it and never uses it."""


class PackManifest:
    """``PulumiPolicy.yaml``: the runtime and the version the CLI reports for the pack."""

    def __init__(self, pack_dir: Path) -> None:
        self.dir = pack_dir
        path = pack_dir / "PulumiPolicy.yaml"
        if not pack_dir.is_dir():
            raise AnalyzerError(f"policy pack {pack_dir}: no such folder")
        if not path.is_file():
            raise AnalyzerError(f"policy pack {pack_dir}: no PulumiPolicy.yaml here")
        try:
            data = load_policy_pack(pack_dir)  # the rules the CLI applies to PulumiPolicy.yaml
        except ProjectError as exc:
            raise AnalyzerError(str(exc)) from None
        runtime = data.get("runtime")
        name = runtime.get("name") if isinstance(runtime, dict) else runtime
        if name != "python":
            raise AnalyzerError(f"{path}: runtime = {name!r}: only Python policy packs can run offline (runtime: python)")
        self.version = str(data.get("version") or "")
        options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
        venv = options.get("virtualenv") if isinstance(options, dict) else None
        self.python = sys.executable
        if venv:
            candidate = (pack_dir / venv / "bin" / "python")
            if candidate.exists():
                self.python = str(candidate)


@dataclass(frozen=True)
class StackEnv:
    """What a pack server is started with; known before the program runs, so servers can start early."""

    project: str
    stack: str
    organization: str = "organization"
    preview: bool = False
    config: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_graph(cls, graph: Graph) -> StackEnv:
        return cls.of(graph.project, graph.stack, graph.config, graph.preview, graph.organization)

    @classmethod
    def of(cls, project: str, stack: str, config: dict[str, Any], preview: bool = False,
           organization: str = "organization") -> StackEnv:
        cfg = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
        return cls(project, stack, organization, preview, tuple(sorted(cfg.items())))


class PackServer:
    """``python -u -m pulumi.policy <engineAddress> <packDir>`` with cwd = the pack and the stack's env.

    ``spawn()`` only starts the process (so it can import its policies while the program runs);
    ``connect()`` waits for the port; ``start()`` does both. ``stop()`` always kills it.
    """

    def __init__(self, pack_dir: Path, stack_env: StackEnv | Graph, start_timeout: float = 60.0) -> None:
        self.dir = pack_dir.resolve()
        self.manifest = PackManifest(self.dir)
        self.stack_env = stack_env if isinstance(stack_env, StackEnv) else StackEnv.from_graph(stack_env)
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.channel: grpc.Channel | None = None
        self.stub: pb_grpc.AnalyzerStub | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="siaga-pack-")
        self._out = Path(self._tmp.name) / "stdout"
        self._err = Path(self._tmp.name) / "stderr"

    def env(self) -> dict[str, str]:
        se = self.stack_env
        env = dict(os.environ)
        env.update({
            "PULUMI_ORGANIZATION": se.organization,
            "PULUMI_PROJECT": se.project,
            "PULUMI_STACK": se.stack,
            "PULUMI_DRY_RUN": "true" if se.preview else "false",
            "PULUMI_CONFIG": json.dumps(dict(se.config)),
        })
        return env

    def spawn(self) -> PackServer:
        if self.proc is None:
            with self._out.open("wb") as out, self._err.open("wb") as err:
                self.proc = spawn(  # under the supervisor: ended with whatever it starts (siaga/processes.py)
                    [self.manifest.python, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, str(self.dir)],
                    cwd=self.dir, env=self.env(), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        return self

    def start(self) -> pb_grpc.AnalyzerStub:
        self.spawn()
        return self.connect()

    def connect(self) -> pb_grpc.AnalyzerStub:
        if self.stub is not None:
            return self.stub
        port = self._wait_port()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
        try:
            grpc.channel_ready_future(self.channel).result(timeout=self.start_timeout)
        except grpc.FutureTimeoutError:
            raise AnalyzerError(f"policy pack {self.dir}: server on port {port} never became ready") from None
        self.stub = pb_grpc.AnalyzerStub(self.channel)
        return self.stub

    def _wait_port(self) -> int:
        assert self.proc is not None
        deadline = time.monotonic() + self.start_timeout
        delay = 0.005
        while time.monotonic() < deadline:
            text = self._out.read_bytes()
            if b"\n" in text:
                first = text.split(b"\n", 1)[0].strip()
                try:
                    return int(first)
                except ValueError:
                    raise AnalyzerError(f"policy pack {self.dir}: expected a port on the first stdout line, "
                                        f"got {first[:80]!r}") from None
            if self.proc.poll() is not None:
                raise AnalyzerError(f"policy pack {self.dir}: failed to start: {self.last_error()}")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.05)
        raise AnalyzerError(f"policy pack {self.dir}: no port within {self.start_timeout:.0f} s")

    def last_error(self) -> str:
        lines = [ln.strip() for ln in self._err.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
        useful = [ln for ln in lines if not ln.startswith(("File ", "^", "~"))]
        return (useful or lines or ["exited without a message"])[-1]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.proc is not None:
            kill_group(self.proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
            self.proc = None
        self._tmp.cleanup()

    def __enter__(self) -> PackServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def stack_config(graph: Graph) -> dict[str, str]:
    """The stack's config as the CLI passes it (every value a string)."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in graph.config.items()}


def configure_stack_request(graph: Graph) -> pb.AnalyzerStackConfigureRequest:
    return pb.AnalyzerStackConfigureRequest(
        stack=graph.stack, project=graph.project, organization=graph.organization, dry_run=graph.preview,
        config=stack_config(graph),
        tags={"pulumi:project": graph.project, "pulumi:runtime": "python"},
    )

"""``analyze()``: run policy packs over a graph in the CLI's order and collect findings."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from siaga.analyzer.config import Layer, load_policy_config, parse_layer, reconcile
from siaga.analyzer.deviations import Deviation, deviations
from siaga.analyzer.encode import analyze_request, stack_resource, to_struct
from siaga.analyzer.errors import AnalyzerError
from siaga.analyzer.model import AnalysisResult, Finding, PolicyInfo
from siaga.analyzer.server import PackServer, StackEnv, configure_stack_request
from siaga.engine.model import Graph, Resource

Progress = Callable[[str, int, int], None]
"""``progress(label, done, total)``; called from worker threads."""

_LEVEL_NAME = {pb.ADVISORY: "advisory", pb.MANDATORY: "mandatory", pb.DISABLED: "disabled", pb.REMEDIATE: "remediate"}
_LEVEL_NUM = {v: k for k, v in _LEVEL_NAME.items()}
_SEVERITY = {pb.POLICY_SEVERITY_LOW: "low", pb.POLICY_SEVERITY_MEDIUM: "medium",
             pb.POLICY_SEVERITY_HIGH: "high", pb.POLICY_SEVERITY_CRITICAL: "critical"}
_POLICY_TYPE = {pb.POLICY_TYPE_RESOURCE: "resource", pb.POLICY_TYPE_STACK: "stack"}
_EXC_PREFIX = "Exception calling application: "
_STACK = object()
_BATCH = 16
PARALLEL_MIN_RESOURCES = 150
"""With ``SIAGA_ANALYZER_SERVERS=2``, from this many resources a second server of the pack shares the
work (a pack server is one Python process: one core). Off by default: on the 2-core reference machine,
shared with other work, its start-up cost ate the gain (measured: 7.2-7.5 s vs 7.7-7.8 s, 80 services)."""


def prestart(packs: Sequence[Path | str], stack_env: StackEnv) -> list[PackServer]:
    """Spawns one server per pack now (they import their policies while the program runs); pass the
    list to ``analyze(..., servers=...)``, which connects, uses and always stops them."""
    servers: list[PackServer] = []
    try:
        for p in packs:
            servers.append(PackServer(Path(p), stack_env).spawn())
    except BaseException:
        for s in servers:
            s.stop()
        raise
    return servers


def analyze(graph: Graph, packs: Sequence[Path | str] = (Path("policies"),),
            policy_config: dict[str, Any] | Path | str | None = None,
            progress: Progress | None = None, servers: Sequence[PackServer] | None = None,
            live: LiveAnalysis | None = None) -> AnalysisResult:
    """Runs every pack over every resource of ``graph`` (one server per pack, packs in parallel). With ``live``
    (started while the program ran), what its servers answered then is kept where the request is unchanged."""
    started = time.perf_counter()
    servers = list(servers or [])
    runs: list[_PackRun] = []
    if live is not None:
        live.finish()
        servers += [r.server for r in live.runs if r.server is not None]
    try:
        if not packs:
            raise AnalyzerError("no policy pack given")
        origin = str(policy_config) if isinstance(policy_config, Path | str) else "policy config"
        file_layer = parse_layer(load_policy_config(policy_config), origin)
        want = StackEnv.from_graph(graph)
        streamed = {r.dir.resolve(): r for r in (live.runs if live is not None else [])
                    if r.server is not None and r.server.stack_env == want and r.stream_error is None}
        ready = {s.dir: s for s in servers if s.stack_env == want}  # a stale env is restarted, not reused
        for d in packs:
            early = streamed.pop(Path(d).resolve(), None)
            if early is not None and ready.pop(Path(d).resolve(), None) is early.server:
                early.graph, early.by_urn, early.progress = graph, graph.by_urn(), progress
                early.order = {r.urn: i for i, r in enumerate(graph.resources)}
                runs.append(early)
            else:
                runs.append(_PackRun(Path(d), graph, file_layer, origin, progress,
                                     ready.pop(Path(d).resolve(), None)))
        if len(runs) == 1:
            runs[0].run()
        else:
            with ThreadPoolExecutor(max_workers=len(runs)) as pool:
                futures = [pool.submit(r.run) for r in runs]
                for f in futures:
                    f.result()
    finally:
        for s in servers:  # stop() is idempotent: covers servers no run took over
            s.stop()
    result = AnalysisResult(resources=len(graph.resources))
    unknown_names: set[str] | None = None
    for r in runs:
        result.findings.extend(r.findings)
        result.policies.extend(r.policies)
        result.evaluated.update(r.evaluated)
        result.not_applicable.update(r.not_applicable)
        result.deviations.extend(r.deviations)
        names = {w for w in r.unknown_config_names}
        unknown_names = names if unknown_names is None else unknown_names & names
    for name in sorted(unknown_names or ()):
        result.warnings.append(f"{origin}: no policy named {name!r} in any pack (ignored)")
    result.seconds = time.perf_counter() - started
    return result


class LiveAnalysis:
    """Policy packs analyzing a program's resources as the engine records them, as the CLI's engine calls
    ``Analyze`` for each registration while the program still runs; ``AnalyzeStack`` (and anything whose request
    changed once the whole graph was known) waits for :func:`analyze` with ``live=``.

    ``running`` is a :class:`siaga.engine.preview.RunningProgram`; ``servers`` the prestarted pack servers (each is
    taken over: configured now, stopped by :func:`analyze`)."""

    def __init__(self, running: Any, servers: Sequence[PackServer],
                 policy_config: dict[str, Any] | Path | str | None = None) -> None:
        origin = str(policy_config) if isinstance(policy_config, Path | str) else "policy config"
        file_layer = parse_layer(load_policy_config(policy_config), origin)
        early = Graph(project=running.project, stack=running.stack, preview=running.preview,
                      program=running.program, config=running.config)
        self.runs = [_PackRun(s.dir, early, file_layer, origin, None, s) for s in servers]
        self.feeds: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in self.runs]
        recorder = running.recorder
        self.threads = [threading.Thread(target=r.stream, args=(f, recorder.records, recorder.scrubber.scrub),
                                         daemon=True, name=f"siaga-live-{r.dir.name}")
                        for r, f in zip(self.runs, self.feeds, strict=True)]
        for t in self.threads:
            t.start()
        self._recorder = recorder
        recorder.listeners.append(self._put)
        for urn in list(recorder.order):  # recorded before the listener was attached (duplicates are skipped)
            self._put(recorder.records[urn])
        self._finished = False

    def _put(self, resource: Resource) -> None:
        for f in self.feeds:
            f.put(resource)

    def finish(self) -> None:
        """The program is done: no more resources; waits for what is in flight."""
        if self._finished:
            return
        self._finished = True
        if self._put in self._recorder.listeners:
            self._recorder.listeners.remove(self._put)
        for f in self.feeds:
            f.put(None)
        for t in self.threads:
            t.join()

    def cancel(self) -> None:
        self.finish()
        for r in self.runs:
            if r.server is not None:
                r.server.stop()


def _err_text(exc: grpc.RpcError) -> str:
    details = exc.details() if hasattr(exc, "details") else str(exc)  # type: ignore[union-attr]
    details = (details or "").strip()
    return details[len(_EXC_PREFIX):] if details.startswith(_EXC_PREFIX) else details


class _PackRun:
    def __init__(self, pack_dir: Path, graph: Graph, file_layer: Layer, origin: str,
                 progress: Progress | None, server: PackServer | None = None) -> None:
        self.dir = pack_dir
        self.server = server
        self._helper_error: AnalyzerError | None = None
        self.graph = graph
        self.file_layer = file_layer
        self.origin = origin
        self.progress = progress
        self.by_urn = graph.by_urn()
        self.order = {r.urn: i for i, r in enumerate(graph.resources)}
        self.findings: list[Finding] = []
        self.policies: list[PolicyInfo] = []
        self.evaluated: dict[str, list[str]] = {}
        self.not_applicable: dict[str, list[str]] = {}
        self.unknown_config_names: set[str] = set()
        self.deviations: list[Deviation] = []
        self.pack = pack_dir.name
        self.version = ""
        self.config: dict[str, tuple[str, dict[str, Any]]] = {}
        self._configured = False
        self._remediating = False
        self._streamed: dict[str, tuple[bytes, pb.AnalyzeResponse | None, str | None]] = {}
        """urn -> (the request sent while the program ran, its answer or the policy's error)."""
        self.reused = 0
        self.stream_error: BaseException | None = None

    # -- helpers ---------------------------------------------------------------------------------
    def _tick(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)

    def _policy(self, name: str) -> PolicyInfo | None:
        for p in self.policies:
            if p.name == name:
                return p
        return None

    def _finding(self, diag: pb.AnalyzeDiagnostic, default_urn: str | None) -> Finding:
        policy = self._policy(diag.policyName)
        description = diag.description or (policy.description if policy else "")
        message = diag.message
        if description and message.startswith(description):
            message = message[len(description):].lstrip("\n")
        severity = _SEVERITY.get(diag.severity) or (policy.severity if policy else None)
        return self._make(diag.policyName, _LEVEL_NAME.get(diag.enforcementLevel, "advisory"),
                          diag.urn or default_urn, message, description=description, severity=severity)

    def _make(self, policy_name: str, enforcement: str, urn: str | None, message: str, *,
              description: str | None = None, severity: str | None = None, error: bool = False) -> Finding:
        policy = self._policy(policy_name)
        res: Resource | None = self.by_urn.get(urn) if urn else None
        return Finding(
            pack=self.pack, pack_version=self.version, policy=policy_name,
            description=description if description is not None else (policy.description if policy else ""),
            message=message, enforcement=enforcement,  # type: ignore[arg-type]
            severity=severity if severity is not None else (policy.severity if policy else None),
            urn=urn or None, type=res.type if res else None, name=res.name if res else None,
            source=res.source if res else None,
            frameworks=policy.frameworks if policy else [],
            remediation=policy.remediation if policy else None,
            error=error,
        )

    def _configure_request(self, only: str | None = None) -> pb.ConfigureAnalyzerRequest:
        req = pb.ConfigureAnalyzerRequest()
        for name, (level, props) in self.config.items():
            cfg = pb.PolicyConfig(enforcementLevel=_LEVEL_NUM[level if only in (None, name) else "disabled"])
            if props:
                cfg.properties.update(props)
            req.policyConfig[name].CopyFrom(cfg)
        return req

    def _active(self, kind: str) -> list[str]:
        return [p.name for p in self.policies if p.policy_type == kind and self.config[p.name][0] != "disabled"]

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> None:
        server = self.server
        try:
            if server is None:
                server = self.server = PackServer(self.dir, self.graph)
            self._tick(f"{self.dir.name}: starting", 0, 1)
            stub = server.start()
            self._stub = stub
            try:
                self._run(stub, server)
            except grpc.RpcError as exc:
                code = exc.code() if hasattr(exc, "code") else None  # type: ignore[union-attr]
                why = server.last_error() if not server.alive() else _err_text(exc)
                raise AnalyzerError(f"policy pack {self.dir}: {code.name if code else 'rpc'} error: {why}") from None
        finally:
            if server is not None:
                server.stop()

    def _run(self, stub: Any, server: PackServer) -> None:
        if not self._configured:
            self._setup(stub, server)
        self._analyze_all(stub, server)

    def _setup(self, stub: Any, server: PackServer) -> None:
        """ConfigureStack, GetAnalyzerInfo and Configure, in the CLI's order; the config the run uses."""
        stub.ConfigureStack(configure_stack_request(self.graph))
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        self.pack = info.name or self.dir.name
        self.version = server.manifest.version or info.version
        self.policies = [self._policy_info(p) for p in info.policies]
        initial: Layer = {}
        for name, cfg in info.initialConfig.items():
            props = json_format.MessageToDict(cfg.properties) if cfg.properties.fields else None
            initial[name] = (_LEVEL_NAME.get(cfg.enforcementLevel, "advisory"), props)
        self.config, _ = reconcile(self.policies, initial, self.file_layer, self.origin)
        baseline, _ = reconcile(self.policies, initial, {}, self.origin)
        self.deviations = deviations(self.pack, baseline, self.config)
        known = {p.name for p in self.policies}
        self.unknown_config_names = {n for n in self.file_layer if n != "all" and n not in known}
        for p in self.policies:
            p.enforcement, p.config = self.config[p.name][0], self.config[p.name][1]  # type: ignore[assignment]
        stub.Configure(self._configure_request())
        self._configured = True
        self._remediating = any(lvl == "remediate" for lvl, _ in self.config.values())

    def _analyze_all(self, stub: Any, server: PackServer) -> None:
        resources = self.graph.resources
        self._total = len(resources) + 1
        self._lock = threading.Lock()
        # what was analyzed while the program ran is kept when the final request is byte for byte the one sent
        # (same inputs once every secret is known, same options and provider); the rest is analyzed now
        self._answers: dict[str, tuple[pb.AnalyzeResponse | None, str | None]] = {}
        todo = []
        for r in resources:
            early = self._streamed.get(r.urn)
            if early is not None and not self._remediating and \
                    early[0] == analyze_request(r, self.graph, self.by_urn).SerializeToString():
                self._answers[r.urn] = (early[1], early[2])
            else:
                todo.append(r)
        self.reused = len(resources) - len(todo)
        self._done = self.reused
        # one queue of work: the stack-wide call first (the longest task), then batches of resources
        tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        tasks.put(_STACK)
        for i in range(0, len(todo), _BATCH):
            tasks.put(todo[i:i + _BATCH])
        self._stack_answer: tuple[pb.AnalyzeResponse | None, grpc.RpcError | None] | None = None
        helper = None
        workers = os.environ.get("SIAGA_ANALYZER_SERVERS", "1")
        if len(resources) >= PARALLEL_MIN_RESOURCES and (os.cpu_count() or 1) >= 2 and workers == "2":
            helper = threading.Thread(target=self._helper, args=(tasks, server), daemon=True)
            helper.start()
        self._work(stub, tasks)
        if helper is not None:
            helper.join()
        if self._helper_error is not None:
            raise self._helper_error
        responses = [(r, *self._answers[r.urn]) for r in resources]

        resource_policies = self._active("resource")
        for p in resource_policies:
            self.evaluated[f"{self.pack}/{p}"] = []
        failed: list[tuple[Resource, str]] = []
        for r, resp, err in responses:
            if resp is None:
                failed.append((r, err or ""))
                continue
            self._collect(resp, r.urn, resource_policies)
        for r, err in failed:
            self._isolate_resource(stub, r, resource_policies, err)

        self._analyze_stack(stub)
        self._tick(f"{self.pack}: analyze", self._total, self._total)
        self.findings.sort(key=lambda f: (self.order.get(f.urn or "", -1), f.policy))

    def stream(self, feed: queue.SimpleQueue[Any], by_urn: dict[str, Resource], scrub: Callable[[Any], Any]) -> None:
        """While the program runs: configure the server, then ``Analyze`` each resource as the engine records it
        (``feed``; ``None`` ends it). ``by_urn`` is the engine's live record (providers are registered before the
        resources that use them); inputs are scrubbed with the secrets known so far, and :meth:`_analyze_all`
        keeps an answer only if the final request is identical."""
        try:
            assert self.server is not None
            stub = self.server.start()
            self._setup(stub, self.server)
        except BaseException as exc:  # noqa: BLE001 - the final run reports it (it redoes everything)
            self.stream_error = exc
            while feed.get() is not None:
                pass
            return
        ended = False
        while not ended:
            batch = [feed.get()]
            while len(batch) < _BATCH:
                try:
                    batch.append(feed.get_nowait())
                except queue.Empty:
                    break
            if None in batch:
                ended = True
            batch = [r for r in batch if r is not None and r.urn not in self._streamed]
            if self._remediating or self.stream_error is not None or not batch:
                continue
            sent = []
            for r in batch:
                req = analyze_request(r.model_copy(update={"inputs": scrub(r.inputs)}), self.graph, by_urn)
                sent.append((r.urn, req.SerializeToString(), stub.Analyze.future(req)))
            try:
                for urn, data, fut in sent:
                    try:
                        self._streamed[urn] = (data, fut.result(), None)
                    except grpc.RpcError as exc:
                        if exc.code() != grpc.StatusCode.UNKNOWN:  # type: ignore[attr-defined]
                            raise
                        self._streamed[urn] = (data, None, _err_text(exc))
            except grpc.RpcError as exc:
                self.stream_error = exc  # the final run analyzes what is left and reports a dead server

    def _work(self, stub: Any, tasks: queue.SimpleQueue[Any]) -> None:
        """Takes tasks until none is left: the ``AnalyzeStack`` call or a batch of resources."""
        while True:
            try:
                task = tasks.get_nowait()
            except queue.Empty:
                return
            if task is _STACK:
                self._stack_answer = self._stack_call(stub)
                continue
            if self._remediating:  # Remediate then Analyze, resource by resource (properties feed forward)
                for r in task:
                    _, resp, err = self._analyze_one(stub, r, self._remediate(stub, r))
                    self._answers[r.urn] = (resp, err)
            else:  # a batch of calls in flight at once
                futures = [(r, stub.Analyze.future(analyze_request(r, self.graph, self.by_urn))) for r in task]
                for r, fut in futures:
                    try:
                        self._answers[r.urn] = (fut.result(), None)
                    except grpc.RpcError as exc:
                        if exc.code() != grpc.StatusCode.UNKNOWN:  # type: ignore[attr-defined]
                            raise
                        self._answers[r.urn] = (None, _err_text(exc))
            with self._lock:
                self._done += len(task)
                done = self._done
            self._tick(f"{self.pack}: analyze", done, self._total)

    def _helper(self, tasks: queue.SimpleQueue[Any], primary: PackServer) -> None:
        """A second server of the same pack shares the queue (the pack server is one Python process,
        bound to one core); it is configured exactly like the first and always stopped."""
        helper = PackServer(self.dir, primary.stack_env)
        try:
            stub = helper.start()
            stub.ConfigureStack(configure_stack_request(self.graph))
            stub.GetAnalyzerInfo(empty_pb2.Empty())
            stub.Configure(self._configure_request())
            self._work(stub, tasks)
        except AnalyzerError:
            return  # could not start: the first server does all the work
        except grpc.RpcError as exc:
            self._helper_error = AnalyzerError(f"policy pack {self.dir}: second server failed: {_err_text(exc)}")
        finally:
            helper.stop()

    def _stack_call(self, stub: Any) -> tuple[pb.AnalyzeResponse | None, grpc.RpcError | None]:
        req = pb.AnalyzeStackRequest(resources=[stack_resource(r, self.graph, self.by_urn)
                                                for r in self.graph.resources])
        try:
            return stub.AnalyzeStack(req), None
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNKNOWN:  # type: ignore[attr-defined]
                raise
            return None, exc

    def _policy_info(self, p: pb.PolicyInfo) -> PolicyInfo:
        schema = None
        if p.HasField("configSchema") and (p.configSchema.properties.fields or p.configSchema.required):
            schema = {"properties": json_format.MessageToDict(p.configSchema.properties),
                      "required": list(p.configSchema.required)}
        framework = None
        if p.HasField("framework"):
            framework = {k: v for k, v in (("name", p.framework.name), ("version", p.framework.version),
                                           ("reference", p.framework.reference),
                                           ("specification", p.framework.specification)) if v}
        return PolicyInfo(
            pack=self.pack, pack_version=self.version, name=p.name, title=p.displayName, pack_dir=str(self.dir),
            description=p.description,
            enforcement=_LEVEL_NAME.get(p.enforcementLevel, "advisory"),  # type: ignore[arg-type]
            severity=_SEVERITY.get(p.severity), tags=list(p.tags), framework=framework or None,
            remediation=p.remediation_steps or None, url=p.url or None,
            policy_type=_POLICY_TYPE.get(p.policy_type, "unknown"),  # type: ignore[arg-type]
            config_schema=schema,
        )

    def _collect(self, resp: pb.AnalyzeResponse, urn: str | None, policies: list[str]) -> None:
        skipped = {na.policy_name for na in resp.not_applicable}
        for name in skipped:
            self.not_applicable.setdefault(f"{self.pack}/{name}", []).append(urn or "")
        for name in policies:
            if name not in skipped:
                self.evaluated.setdefault(f"{self.pack}/{name}", []).append(urn or "")
        for d in resp.diagnostics:
            self.findings.append(self._finding(d, urn))

    def _analyze_one(self, stub: Any, r: Resource, props: struct_pb2.Struct | None
                     ) -> tuple[Resource, pb.AnalyzeResponse | None, str | None]:
        try:
            return r, stub.Analyze(analyze_request(r, self.graph, self.by_urn, props)), None
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNKNOWN:  # type: ignore[attr-defined]
                raise
            return r, None, _err_text(exc)

    def _remediate(self, stub: Any, r: Resource) -> struct_pb2.Struct | None:
        """``Remediate`` then feed the returned properties into ``Analyze``, as the engine does."""
        before = to_struct(r.inputs)
        try:
            resp = stub.Remediate(analyze_request(r, self.graph, self.by_urn, before))
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNKNOWN:  # type: ignore[attr-defined]
                raise
            for name in [n for n, (lvl, _) in self.config.items() if lvl == "remediate"]:
                self.findings.append(self._make(name, "mandatory", r.urn, f"remediation raised: {_err_text(exc)}",
                                                error=True))
            return None
        props = before
        for rem in resp.remediations:
            if rem.diagnostic:
                self.findings.append(self._make(rem.policyName, "advisory", r.urn, rem.diagnostic))
            if rem.HasField("properties") and rem.properties != props:
                old = json_format.MessageToDict(props)
                new = json_format.MessageToDict(rem.properties)
                changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
                self.findings.append(self._make(rem.policyName, "remediate", r.urn,
                                                f"remediated offline: {', '.join(changed) or 'properties'} "
                                                "would be changed at deployment"))
                props = rem.properties
        return props

    def _isolate_resource(self, stub: Any, r: Resource, policies: list[str], err: str) -> None:
        """``Analyze`` stopped at a raising policy: run each policy alone to name it and keep the others' results."""
        culprits = []
        try:
            for name in policies:
                stub.Configure(self._configure_request(only=name))
                try:
                    resp = stub.Analyze(analyze_request(r, self.graph, self.by_urn))
                except grpc.RpcError as exc:
                    if exc.code() != grpc.StatusCode.UNKNOWN:  # type: ignore[attr-defined]
                        raise
                    culprits.append(name)
                    self.findings.append(self._make(name, "mandatory", r.urn, f"policy raised: {_err_text(exc)}",
                                                    error=True))
                    self.evaluated.setdefault(f"{self.pack}/{name}", []).append(r.urn)
                    continue
                self._collect(resp, r.urn, [name])
        finally:
            stub.Configure(self._configure_request())
        if not culprits:  # flaky or order-dependent failure: still report it, once
            self.findings.append(self._make(policies[0] if policies else "(pack)", "mandatory", r.urn,
                                            f"policy raised: {err}", error=True))

    def _analyze_stack(self, stub: Any) -> None:
        policies = self._active("stack")
        resp, exc = self._stack_answer or self._stack_call(stub)
        if resp is None:
            assert exc is not None
            req = pb.AnalyzeStackRequest(resources=[stack_resource(r, self.graph, self.by_urn)
                                                    for r in self.graph.resources])
            culprits = []
            try:
                for name in policies:
                    stub.Configure(self._configure_request(only=name))
                    try:
                        one = stub.AnalyzeStack(req)
                    except grpc.RpcError as exc2:
                        if exc2.code() != grpc.StatusCode.UNKNOWN:  # type: ignore[attr-defined]
                            raise
                        culprits.append(name)
                        self.evaluated.setdefault(f"{self.pack}/{name}", []).append("")
                        self.findings.append(self._make(name, "mandatory", None,
                                                        f"policy raised: {_err_text(exc2)}", error=True))
                        continue
                    self._collect(one, None, [name])
            finally:
                stub.Configure(self._configure_request())
            if not culprits:
                self.findings.append(self._make(policies[0] if policies else "(pack)", "mandatory", None,
                                                f"policy raised: {_err_text(exc)}", error=True))
            return
        self._collect(resp, None, policies)

"""Runs one Pulumi program under the SDK's mock monitor and prints the graph as JSON.

Run in a fresh process (``python -m siaga.engine.runner SPEC_FILE``): modules a program imports stay
cached, and the SDK's settings are process-wide. The parent writes the spec (config included) to a 0600 file in
its private temporary folder and names it on argv; the runner reads it and deletes it before the program starts,
so no config value is on a command line or in the environment. The graph goes back in the file the spec named,
with the spec's one-time token: the program never sees either (both are taken out of the spec before it runs),
so it cannot forge the result. Everything the program registers is recorded from the raw
``RegisterResourceRequest``, as the engine would receive it; secret values are redacted (siaga/engine/secrets.py).
"""

from __future__ import annotations

import functools
import json
import os
import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

import pulumi
import pulumi.resource
from google.protobuf import json_format
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks as pmocks
from pulumi.runtime import settings
from pulumi.runtime.proto import resource_pb2

from siaga.engine import invokes, outputs
from siaga.engine.declarations import Declarations
from siaga.engine.model import ROOT_STACK_TYPE, Graph, Resource, ResourceOptions, SourceLocation
from siaga.engine.secrets import Scrubber, redact_config

_SDK_DIRS = tuple(
    str(Path(m.__file__).resolve().parent)
    for m in (pulumi,)
) + (str(Path(__file__).resolve().parent),)


def _is_sdk_frame(filename: str) -> bool:
    path = str(Path(filename).resolve()) if not filename.startswith("<") else filename
    if filename.startswith("<"):
        return True
    if path.startswith(_SDK_DIRS):
        return True
    # any generated provider SDK (pulumi_aws, pulumi_kubernetes, pulumi_random, ...) and the stdlib
    parts = Path(path).parts
    if any(p.startswith("pulumi_") or p == "pulumi" for p in parts if "site-packages" in path):
        return True
    return path.startswith(sys.base_prefix) and "site-packages" not in path


class SourceRecorder:
    """Remembers, for each (type, name), the first frame outside the SDKs that declared it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources: dict[tuple[str, str], list[SourceLocation]] = {}

    def capture(self, res: Any, ty: str, name: str) -> None:
        frame = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            # Skip the SDKs, and a component's own constructor: its declaration is where it is called.
            if not _is_sdk_frame(filename) and frame.f_locals.get("self") is not res:
                path = Path(filename).resolve()
                try:
                    shown = str(path.relative_to(self.root))
                except ValueError:
                    shown = str(path)
                self.sources.setdefault((ty, name), []).append(SourceLocation(file=shown, line=frame.f_lineno))
                return
            frame = frame.f_back

    def take(self, ty: str, name: str) -> SourceLocation | None:
        found = self.sources.get((ty, name))
        return found.pop(0) if found else None

    def install(self) -> None:
        original = pulumi.resource.register_resource
        original_read = pulumi.resource.read_resource

        def register(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
            self.capture(res, ty, name)
            return original(res, ty, name, *args, **kwargs)

        def read(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
            self.capture(res, ty, name)
            return original_read(res, ty, name, *args, **kwargs)

        pulumi.resource.register_resource = register  # type: ignore[assignment]
        pulumi.resource.read_resource = read  # type: ignore[assignment]


class Mocks(pmocks.Mocks):
    def __init__(self, region: str, preview: bool, warnings: list[str]) -> None:
        self.region = region
        self.preview = preview
        self.warnings = warnings
        self.provider_regions: dict[str, str] = {}
        self.unanswered: set[str] = set()

    def _region_for(self, inputs: dict[str, Any], provider: str | None) -> str:
        own = inputs.get("region")
        if isinstance(own, str) and own:
            return own
        if provider:
            found = self.provider_regions.get(provider.rsplit("::", 1)[0])
            if found:
                return found
        return self.region

    def new_resource(self, args: pmocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:"):
            return ("" if self.preview else outputs.provider_id(args.name)), dict(args.inputs)
        if self.preview:
            # A preview knows what the program asked for, not what the provider computes, nor ids.
            return "", dict(args.inputs)
        rid, state = outputs.computed(args.typ, args.name, dict(args.inputs),
                                      self._region_for(args.inputs, args.provider),
                                      declared=_declarations().outputs_of(args.typ))
        return rid, state

    def call(self, args: pmocks.MockCallArgs) -> tuple[dict[str, Any], list[Any]] | dict[str, Any]:
        region = self._region_for(args.args, args.provider)
        result = invokes.answer(args.token, dict(args.args), region)
        if result is None:
            note = invokes.unanswered(args.token, self.unanswered)
            if note:
                self.warnings.append(note)
            return {}
        return result


@functools.cache
def _declarations() -> Declarations:
    """The output properties the SDK classes in this (the program's) interpreter declare (#15)."""
    return Declarations(python=None)


def _struct(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True) if message is not None else {}


class RecordingMonitor(pmocks.MockMonitor):
    """A MockMonitor that keeps every RegisterResourceRequest as the engine would receive it."""

    def __init__(self, mocks: Mocks, recorder: SourceRecorder, config: dict[str, Any],
                 scrubber: Scrubber | None = None) -> None:
        super().__init__(mocks)
        self.sim = mocks
        self.recorder = recorder
        self.config = config
        self.scrubber = scrubber or Scrubber()
        self.records: dict[str, Resource] = {}
        self.order: list[str] = []
        self.exports: dict[str, Any] = {}
        self.stack_urn = ""
        self.stack_outputs: dict[str, dict[str, Any]] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine qualifies the type with the whole parent chain, except the root stack.
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != ROOT_STACK_TYPE:
                type_ = parent_type + "$" + type_
        return "urn:pulumi:" + "::".join([settings.get_stack(), settings.get_project(), type_, name])

    def _default_provider(self, package: str, version: str) -> str:
        """Synthesises the default provider the engine would create for a package."""
        vname = "default" + ("_" + version.replace(".", "_") if version else "")
        urn = self.make_urn("", f"pulumi:providers:{package}", vname)
        pid = "00000000-0000-0000-0000-000000000000"
        if urn not in self.records:
            prefix = package + ":"
            inputs: dict[str, Any] = {k[len(prefix):]: v for k, v in self.config.items() if k.startswith(prefix)}
            if version:
                inputs["version"] = version
            self.records[urn] = Resource(urn=urn, type=f"pulumi:providers:{package}", name=vname, custom=True,
                                         id=pid, inputs=inputs, outputs=dict(inputs), synthesized=True)
            self.order.append(urn)
            region = inputs.get("region")
            if isinstance(region, str):
                self.sim.provider_regions[urn] = region
        return f"{urn}::{pid}"

    def RegisterResource(self, request: Any) -> Any:
        if request.type == ROOT_STACK_TYPE:
            urn = self.make_urn(request.parent, request.type, request.name)
            self.stack_urn = urn
            if urn not in self.records:
                self.records[urn] = Resource(urn=urn, type=request.type, name=request.name, custom=False)
                self.order.append(urn)
            return resource_pb2.RegisterResourceResponse(urn=urn)
        provider = request.provider or None
        if request.custom and not provider and not request.type.startswith("pulumi:providers:"):
            provider = self._default_provider(request.type.split(":", 1)[0], request.version)
            request.provider = provider
        inputs = self.scrubber.redact_wire(_struct(request.object))
        if request.type.startswith("pulumi:providers:") and isinstance(inputs.get("region"), str):
            self.sim.provider_regions[self.make_urn(request.parent, request.type, request.name)] = inputs["region"]
        resp = super().RegisterResource(request)
        urn = resp.urn
        outs = self.scrubber.redact_wire(_struct(resp.object))
        for key in request.additionalSecretOutputs:
            if key in outs:
                self.scrubber.add(outs[key])
        opts = ResourceOptions(
            protect=bool(request.protect) if request.HasField("protect") else False,
            retainOnDelete=bool(request.retainOnDelete) if request.HasField("retainOnDelete") else False,
            ignoreChanges=list(request.ignoreChanges),
            dependencies=sorted(set(request.dependencies)),
            propertyDependencies={k: sorted(set(v.urns)) for k, v in request.propertyDependencies.items()},
            aliases=[_struct(a) for a in request.aliases] + list(request.aliasURNs),
            deleteBeforeReplace=bool(request.deleteBeforeReplace),
            replaceOnChanges=list(request.replaceOnChanges),
            additionalSecretOutputs=list(request.additionalSecretOutputs),
            customTimeouts={k: v for k, v in _struct(request.customTimeouts).items() if v},
            version=request.version,
            importId=request.importId,
        )
        self.records[urn] = Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            id=resp.id,
            parent=request.parent or None,
            provider=provider,
            inputs=inputs,
            outputs=outs,
            options=opts,
            source=self.recorder.take(request.type, request.name),
            remote=bool(getattr(request, "remote", False)),
        )
        self.order.append(urn)
        return resp

    def ReadResource(self, request: Any) -> Any:
        """A read (``X.get``, ``StackReference``): answered by siaga/engine/reads.py, recorded with ``read=True``."""
        from google.protobuf import struct_pb2

        from siaga.engine import reads

        provider = request.provider or None
        if not provider and not request.type.startswith("pulumi:"):
            provider = self._default_provider(request.type.split(":", 1)[0], request.version)
        inputs = self.scrubber.redact_wire(_struct(request.properties))
        region = self.sim._region_for(inputs, provider)
        outs, notes = reads.read_outputs(request.type, request.name, request.id, inputs, region, self.stack_outputs,
                                         preview=self.sim.preview)
        self.sim.warnings.extend(notes)
        urn = self.make_urn(request.parent, request.type, request.name)
        props = struct_pb2.Struct()
        props.update(outs)
        self.records[urn] = Resource(urn=urn, type=request.type, name=request.name, custom=True, id=request.id,
                                     parent=request.parent or None, provider=provider, inputs=inputs,
                                     outputs=self.scrubber.redact_wire(outs), read=True,
                                     options=ResourceOptions(dependencies=sorted(set(request.dependencies))),
                                     source=self.recorder.take(request.type, request.name))
        self.order.append(urn)
        self.resources[urn] = pmocks.MockMonitor.ResourceRegistration(urn, request.id, outs)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=props)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outs = self.scrubber.redact_wire(_struct(request.outputs))
        if request.urn == self.stack_urn:
            self.exports = outs
        elif request.urn in self.records:
            self.records[request.urn].outputs = outs
        return super().RegisterResourceOutputs(request)


def _watch_secret_reads(scrubber: Scrubber, config: dict[str, Any], secret_keys: set[str]) -> None:
    """Config keys the program reads as secrets (``require_secret``, ``get_secret_int``...) become secret keys."""
    for attr in [a for a in dir(pulumi.Config) if "secret" in a and not a.startswith("_")]:
        original = getattr(pulumi.Config, attr)

        def wrapped(self: pulumi.Config, key: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            full = self.full_key(key)
            secret_keys.add(full)
            scrubber.add(config.get(full))
            return _original(self, key, *args, **kwargs)

        setattr(pulumi.Config, attr, wrapped)


def main(spec: dict[str, Any]) -> int:
    out, token = spec.pop("out"), spec.pop("token", "")  # out of the program's reach before it runs
    program = Path(spec["program"]).resolve()
    main_file = program / spec.get("main", "__main__.py") if program.is_dir() else program
    root = Path(spec.get("source_root") or (program if program.is_dir() else program.parent)).resolve()
    config: dict[str, Any] = spec.get("config", {})
    preview = bool(spec.get("preview", False))
    warnings: list[str] = []
    region = config.get("aws:region") if isinstance(config.get("aws:region"), str) else invokes.DEFAULT_REGION

    secret_keys = set(spec.get("secret_keys", []))
    scrubber = Scrubber(config.get(k) for k in secret_keys)
    # As the CLI's language host and exec script do: PULUMI_CONFIG for the program, set_all_config for the SDK.
    # Set here, after exec, the values are in this process's environment but not in its /proc/PID/environ (the
    # block the kernel shows is the one the process started with), nor on any command line.
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(sorted(secret_keys))
    runtime_config.set_all_config(config, sorted(secret_keys))
    _watch_secret_reads(scrubber, config, secret_keys)
    os.chdir(main_file.parent)
    sys.path.insert(0, str(main_file.parent))
    # What the program tells the operator (pulumi.log.warn: example values left in a stack, a protection not
    # built) is part of the result, as the CLI shows it: kept in the graph's warnings.
    original_warn = pulumi.log.warn

    def warn(msg: str, *args: Any, **kwargs: Any) -> None:
        warnings.append(str(msg))
        original_warn(msg, *args, **kwargs)

    pulumi.log.warn = warn  # type: ignore[assignment]
    recorder = SourceRecorder(root)
    recorder.install()
    mocks = Mocks(region, preview, warnings)
    monitor = RecordingMonitor(mocks, recorder, config, scrubber)
    monitor.stack_outputs = spec.pop("stack_outputs", None) or {}  # --stack-outputs NAME=FILE (siaga/engine/reads.py)
    for given in monitor.stack_outputs.values():  # a referenced stack's secrets stay secret in the graph
        scrubber.redact_wire(given)
    pulumi.runtime.set_mocks(mocks, project=spec["project"], stack=spec["stack"], preview=preview,
                             monitor=monitor, organization=spec.get("organization", "organization"))
    settings.set_root_resource(None)  # type: ignore[arg-type]
    monitor.records.clear()  # set_mocks registered a throwaway root stack; run_in_stack makes the real one
    monitor.order.clear()

    error: str | None = None
    try:
        pulumi.runtime.sync_await._sync_await(  # type: ignore[attr-defined]
            pulumi.runtime.run_in_stack(lambda: runpy.run_path(str(main_file), run_name="__main__"))
        )
    except pulumi.RunError as exc:
        error = str(exc)
    except SystemExit as exc:
        error = f"the program exited with status {exc.code}"
    except Exception as exc:  # noqa: BLE001 - reported to the user as one line, traceback on stderr
        traceback.print_exc(file=sys.stderr)
        error = f"{type(exc).__name__}: {exc}".strip()

    records = [monitor.records[u] for u in monitor.order]
    graph = Graph(project=spec["project"], stack=spec["stack"], organization=spec.get("organization", "organization"),
                  preview=preview, program=str(main_file), config=redact_config(config, secret_keys),
                  resources=records, exports=monitor.exports, warnings=warnings)
    result = {"graph": scrubber.scrub(json.loads(graph.model_dump_json())),
              "error": scrubber.scrub_text(error) if error else None, "token": token,
              "secretKeys": sorted(secret_keys)}
    part = Path(out).with_name(Path(out).name + ".part")
    part.write_text(json.dumps(result), encoding="utf-8")
    part.replace(out)
    return 0


def _read_spec(path: str) -> dict[str, Any]:
    """The spec file, deleted as soon as it is read (before the program starts)."""
    spec_file = Path(path)
    try:
        return json.loads(spec_file.read_text(encoding="utf-8"))
    finally:
        spec_file.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main(_read_spec(sys.argv[1])))

"""The engine's side of a program run: the ``ResourceMonitor`` and ``Engine`` gRPC services, served by siaga's own
process, and the recorder that turns what arrives into the graph.

The program runs in its own interpreter (siaga/engine/bootstrap.py) and talks to these services exactly as it
talks to the Pulumi CLI's engine (``pulumi.runtime.settings.Settings(monitor=ADDR, engine=ADDR)``): every
``RegisterResourceRequest`` is recorded as it arrives, with all its options, ``sourcePosition``, ``remote``,
secrets marked as secrets; reads, invokes, calls and ``RegisterResourceOutputs`` too. Nothing the program does in
its own process can change what is recorded here. Values are kept in the wire encoding (model.py); every secret
is redacted (:class:`~siaga.engine.secrets.Scrubber`) before it reaches the graph.

The recorder (:class:`Recorder`) knows nothing of gRPC: it takes the protobuf requests and returns responses; the
servicers below only adapt the transport.
"""

from __future__ import annotations

import heapq
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent import futures
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, resource_pb2, resource_pb2_grpc

from siaga.engine import derived, invokes, outputs
from siaga.engine.bounded import BoundedLines
from siaga.engine.model import (
    OUTPUT_SIG,
    ROOT_STACK_TYPE,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    Graph,
    Resource,
    ResourceOptions,
    SourceLocation,
    plain,
)
from siaga.engine.secrets import Scrubber, redact_config
from siaga.engine.transforms import TransformError, Transforms

_MAX_MESSAGE = 1024 * 1024 * 400
_OPTIONS = [("grpc.max_receive_message_length", _MAX_MESSAGE), ("grpc.max_send_message_length", _MAX_MESSAGE)]
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
DEFAULT_PROVIDER_ID = "00000000-0000-0000-0000-000000000000"

# What this monitor implements, as the SDK asks for it (``SupportsFeature`` ids; ``GetDeploymentInfo`` numbers).
# Resource transforms are run (siaga/engine/transforms.py); invoke transforms and resource hooks are callbacks the
# offline engine does not run: hooks are answered false, so a program that needs them fails with the SDK's own
# message instead of being silently half-recorded, and an invoke transform is refused with a clear error.
SUPPORTED = {
    "transforms": resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
    "secrets": resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    "resourceReferences": resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    "outputValues": resource_pb2.RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES,
    "aliasSpecs": resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    "deletedWith": resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    "replaceWith": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACE_WITH,
    "replacementTrigger": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER,
    "parameterization": resource_pb2.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
}
SUPPORTED_IDS = frozenset(SUPPORTED) | {"sourcePosition"}


def wire(message: Any) -> dict[str, Any]:
    """A protobuf ``Struct`` -> its wire dict (signatures, unknowns and secrets kept)."""
    if message is None:
        return {}
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def to_struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(value))
    return s


def flatten_output_values(value: Any) -> Any:
    """Output values (``outputValues``) -> what the engine keeps for a resource that is not a remote component: the
    value itself, a secret when the output was secret, :data:`UNKNOWN` when it had none (pkg/resource/plugin
    UnmarshalProperties with KeepOutputValues false)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == OUTPUT_SIG:
            inner = flatten_output_values(value["value"]) if "value" in value else UNKNOWN
            return {SIG_KEY: SECRET_SIG, "value": inner} if value.get("secret") else inner
        return {k: flatten_output_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [flatten_output_values(v) for v in value]
    return value


def uses_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        if value.get(SIG_KEY) == OUTPUT_SIG and "value" not in value:
            return True
        return any(uses_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(uses_unknown(v) for v in value)
    return False


def _read_outputs() -> Callable[..., tuple[dict[str, Any], list[str]]]:
    """``siaga.engine.reads.read_outputs`` (the read-resource answers), imported when the first read arrives."""
    from siaga.engine.reads import read_outputs

    return read_outputs


class Recorder:
    """Everything the monitor and engine services receive, kept as the graph; transport-independent and
    thread-safe (the gRPC server answers from several threads)."""

    def __init__(self, *, project: str, stack: str, root: Path, config: dict[str, Any], secret_keys: list[str],
                 preview: bool = False, organization: str = "organization", scrubber: Scrubber | None = None,
                 stack_outputs: Mapping[str, dict[str, Any]] | None = None, python: str | None = None,
                 venvs: list[Path] | None = None) -> None:
        self.project, self.stack, self.organization = project, stack, organization
        self.root = root.resolve()
        self.config = config
        self.secret_keys = set(secret_keys)
        self.preview = preview
        self.scrubber = scrubber or Scrubber(config.get(k) for k in secret_keys)
        self.stack_outputs = dict(stack_outputs or {})
        self.python = python
        self.program_env: dict[str, str] | None = None
        """The environment the program runs with (its PYTHONPATH decides which SDK classes it imports)."""
        self.declarations: Any = None
        self.venvs = [v.resolve() for v in venvs or []]
        """The program's virtualenv(s): files there are libraries, not the program (for source positions)."""
        """The program's interpreter (the ``outputs`` slice reads the SDK's class declarations with it)."""
        self.region = config.get("aws:region") if isinstance(config.get("aws:region"), str) else \
            invokes.DEFAULT_REGION
        self.lock = threading.RLock()
        self._computing = threading.Lock()
        self.records: dict[str, Resource] = {}
        self.order: list[str] = []
        self.raw_outputs: dict[str, tuple[str, dict[str, Any]]] = {}
        """urn -> (id, unredacted outputs): what ``pulumi:pulumi:getResource`` answers (never written out)."""
        self.provider_regions: dict[str, str] = {}
        self.provider_accounts: dict[str, str] = {}
        self.provider_roles: dict[str, tuple[str, str, str]] = {}
        """provider urn -> the account it works in when not the default one (an assumed role's: derived.py)."""
        self.subnet_zones: dict[str, tuple[str, str]] = {}
        """subnet id -> (zone name, zone id) of the subnets created so far (what is placed in them is there)."""
        self.subnet_groups: dict[str, list[Any]] = {}
        """DB subnet group name -> its subnet ids."""
        self.exports: dict[str, Any] = {}
        self.warnings = BoundedLines()  # a program may log without end (siaga/engine/bounded.py)
        self._unanswered: set[str] = set()
        self.stack_urn = ""
        self.root_urn = ""
        self.packages: dict[str, tuple[str, str]] = {}
        self._files: dict[str, str | None] = {}
        self.transforms = Transforms()
        self._claimed: dict[str, str] = {}
        """urn -> how its first registration is named (type 'name' at file:line): a second one is refused."""
        self.fatal: str | None = None
        """The engine's own refusal of the program (a duplicate URN): the run fails with this line."""
        self.listeners: list[Callable[[Resource], None]] = []
        """Called with each recorded resource as it arrives (in the gRPC thread): e.g. the policy analyzer's queue."""

    # -- helpers -------------------------------------------------------------------------------------------------
    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine qualifies the type with the whole parent chain (the root stack excluded)."""
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != ROOT_STACK_TYPE:
                type_ = parent_type + "$" + type_
        return "urn:pulumi:" + "::".join([self.stack, self.project, type_, name])

    def _program_location(self, position: Any) -> SourceLocation | None:
        if position is None or not position.uri:
            return None
        uri = position.uri
        if uri not in self._files:  # resolved once per file (every registration names one of a few files)
            self._files[uri] = self._program_file(uri)
        shown = self._files[uri]
        return SourceLocation(file=shown, line=int(position.line)) if shown is not None else None

    def _program_file(self, uri: str) -> str | None:
        """The program's own file a source position names, relative to the project; None for libraries."""
        parsed = urlparse(uri)
        path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(uri)
        try:
            real = path.resolve()
            shown = real.relative_to(self.root)
        except (ValueError, OSError):
            return None
        if any(p in ("site-packages", "dist-packages") for p in shown.parts) or any(
                real.is_relative_to(v) for v in self.venvs):
            return None
        return str(shown)

    def _source(self, req: Any) -> SourceLocation | None:
        """Where the program declared it: the SDK's ``sourcePosition`` when it is in the program's own files, else
        the first frame of the SDK's ``stackTrace`` that is (a provider SDK's constructor is not the program)."""
        if req.HasField("sourcePosition"):
            found = self._program_location(req.sourcePosition)
            if found is not None:
                return found
        if req.HasField("stackTrace"):
            for frame in req.stackTrace.frames:
                found = self._program_location(frame.pc if frame.HasField("pc") else None)
                if found is not None:
                    return found
        return None

    def _region_for(self, inputs: Mapping[str, Any], provider: str | None) -> str:
        own = plain(inputs.get("region"))
        if isinstance(own, str) and own and own != UNKNOWN:
            return own
        if provider:
            found = self.provider_regions.get(provider.rsplit("::", 1)[0])
            if found:
                return found
        return self.region

    def _default_provider(self, package: str, version: str) -> str:
        """The default provider the engine creates for a package (never registered by the program)."""
        vname = "default" + ("_" + version.replace(".", "_") if version else "")
        urn = self.make_urn("", f"pulumi:providers:{package}", vname)
        created = None
        with self.lock:
            if urn not in self.records:
                prefix = package + ":"
                inputs: dict[str, Any] = {k[len(prefix):]: v for k, v in self.config.items() if k.startswith(prefix)}
                if version:
                    inputs["version"] = version
                created = Resource(urn=urn, type=f"pulumi:providers:{package}", name=vname, custom=True,
                                   id=DEFAULT_PROVIDER_ID, inputs=self.scrubber.redact_wire(inputs),
                                   outputs=self.scrubber.redact_wire(dict(inputs)), synthesized=True)
                self.records[urn] = created
                self.order.append(urn)
                if isinstance(inputs.get("region"), str):
                    self.provider_regions[urn] = inputs["region"]
                account = derived.provider_account(inputs)
                if account:
                    self.provider_accounts[urn] = account
                role = derived.assumed_role(inputs)
                if role:
                    self.provider_roles[urn] = role
        if created is not None:
            self._announce(created)
        return f"{urn}::{DEFAULT_PROVIDER_ID}"

    def _claim(self, urn: str, type_: str, name: str, source: SourceLocation | None, what: str) -> None:
        """Refuses a second registration (or read) of a URN, as the engine's step generator does (pulumi/pulumi
        pkg/resource/deploy/step_generator.go ``generateURN``; the text is pkg/diag/errors.go
        ``GetDuplicateResourceURNError``), naming both registrations."""
        shown = f"{what} {type_} {name!r}" + (f" at {source.file}:{source.line}" if source else "")
        with self.lock:
            first = self._claimed.get(urn)
            if first is None:
                self._claimed[urn] = shown
                return
            message = (f"Duplicate resource URN '{urn}'; try giving it a unique name (first: {first}; again: "
                       f"{shown})")
            self.fatal = self.fatal or message
        raise DuplicateURNError(message)

    def _add(self, res: Resource, raw: tuple[str, dict[str, Any]] | None = None) -> None:
        with self.lock:
            if res.urn not in self.records:
                self.order.append(res.urn)
            self.records[res.urn] = res
            if raw is not None:
                self.raw_outputs[res.urn] = raw
        self._announce(res)

    def _announce(self, res: Resource) -> None:
        for listener in self.listeners:
            listener(res)

    def warn(self, message: str) -> None:
        with self.lock:
            self.warnings.append(message)

    def _computed(self, type_: str, name: str, inputs: dict[str, Any], region: str) -> tuple[str, dict[str, Any]]:
        # Every output the type declares, read from the SDK classes of the program's own interpreter
        # (siaga/engine/declarations.py). One at a time: computing may import a provider SDK's module (outputs._auto_named), and concurrent first
        # imports from several gRPC threads see a half-initialised module (the answer is cached wrong, for good).
        with self._computing:
            return outputs.computed(type_, name, inputs, region, declared=self._declared(type_))

    def _account_for(self, provider: str | None) -> str | None:
        return self.provider_accounts.get(provider.rsplit("::", 1)[0]) if provider else None

    def _derived(self, type_: str, rid: str, inputs: dict[str, Any], outs: dict[str, Any], region: str,
                 provider: str | None) -> dict[str, Any]:
        """What the provider derives from the inputs (siaga/engine/derived.py): zones, the provider's account;
        and what later resources derive from this one (a subnet's zone, a DB subnet group's subnets)."""
        if type_.startswith("aws:"):
            plain_inputs = plain(inputs)
            with self.lock:
                derived.derive_zones(type_, plain_inputs, outs, region, self._subnet_zone,
                                     self.subnet_groups.get)
                if type_ in derived.SUBNET_TYPES and isinstance(outs.get("availabilityZone"), str):
                    pair = derived.zone_of(region, name=outs["availabilityZone"])
                    if pair is not None:
                        self.subnet_zones[rid] = pair
                elif type_ == derived.SUBNET_GROUP and isinstance(plain_inputs.get("subnetIds"), list):
                    self.subnet_groups[str(outs.get("name") or rid)] = plain_inputs["subnetIds"]
            account = self._account_for(provider)
            if account:
                outs = derived.in_account(outs, inputs, account)
        return outs

    def _remote(self, type_: str, name: str, urn: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
        """A multi-language component's outputs as a first preview gets them (siaga/engine/remote.py); its
        children are answered to ``getResource`` only, never recorded."""
        from siaga.engine import remote

        with self._computing:
            outs, children = remote.answer(type_, name, urn, flatten_output_values(inputs), region,
                                           self._declared(type_),
                                           self._declared, self.make_urn, self.preview)
        with self.lock:
            for child in children:
                self.raw_outputs[child.urn] = (child.id, child.state)
        return outs

    def _subnet_zone(self, subnet_id: Any) -> tuple[str, str] | None:
        return self.subnet_zones.get(subnet_id) if isinstance(subnet_id, str) else None

    def _declared(self, type_: str) -> dict[str, Any] | None:
        if self.declarations is None:
            from siaga.engine.declarations import Declarations

            # siaga's own interpreter (the ambient one, or this repository's .venv) is read in-process: no probe
            own = (self.python is None or Path(self.python).absolute() == Path(sys.executable).absolute()) and \
                not _local_sdks(self.program_env)
            self.declarations = Declarations(python=None if own else self.python, env=self.program_env)
        return self.declarations.outputs_of(type_)

    def close(self) -> None:
        """Stops the declarations probe (if one ran), writes what it learned to the cache, keeps its warnings."""
        self.transforms.close()
        with self._computing:
            decl, self.declarations = self.declarations, None
        if decl is not None:
            decl.close()
            for note in decl.warnings:
                self.warn(note)

    # -- ResourceMonitor ------------------------------------------------------------------------------------------
    def register(self, req: Any) -> Any:
        if req.type == ROOT_STACK_TYPE and not req.parent:
            urn = self.make_urn("", req.type, req.name)
            with self.lock:
                self.stack_urn = self.stack_urn or urn
                known = urn in self.records
            if not known:
                self._add(Resource(urn=urn, type=req.type, name=req.name, custom=False,
                                   source=self._source(req)))
            return resource_pb2.RegisterResourceResponse(urn=urn)
        provider = req.provider or None
        is_provider = req.type.startswith("pulumi:providers:")
        if req.custom and not provider and not is_provider:
            provider = self._default_provider(req.type.split(":", 1)[0], req.version)
        urn = self.make_urn(req.parent, req.type, req.name)
        source = self._source(req)
        self._claim(urn, req.type, req.name, source, "registered as")
        req = self.transforms.apply(urn, req)  # raises TransformError: the program's registration fails
        raw_inputs = wire(req.object)
        if not req.remote:
            raw_inputs = flatten_output_values(raw_inputs)
        region = self._region_for(raw_inputs, provider)
        if is_provider:
            found = plain(raw_inputs.get("region"))
            account = derived.provider_account(plain(raw_inputs))
            role = derived.assumed_role(plain(raw_inputs))
            with self.lock:
                if isinstance(found, str) and found and found != UNKNOWN:
                    self.provider_regions[urn] = found
                if account:
                    self.provider_accounts[urn] = account
                if role:
                    self.provider_roles[urn] = role
        if is_provider:
            rid, outs = ("" if self.preview else outputs.provider_id(req.name)), dict(raw_inputs)
        elif req.remote and not req.custom:
            rid, outs = "", self._remote(req.type, req.name, urn, raw_inputs, region)
        elif self.preview:
            # A preview knows what the program asked for, not what the provider computes, nor ids.
            rid, outs = "", dict(raw_inputs)
        else:
            rid, outs = self._computed(req.type, req.name, dict(raw_inputs), region)
            outs = self._derived(req.type, rid, raw_inputs, outs, region, provider)
        inputs = self.scrubber.redact_wire(raw_inputs)
        for key in req.additionalSecretOutputs:
            if key in outs:
                self.scrubber.add(plain(outs[key]))
        recorded_outs = self.scrubber.redact_wire(outs)
        for key in req.additionalSecretOutputs:
            if key in recorded_outs:
                recorded_outs[key] = self.scrubber.redact_wire({SIG_KEY: SECRET_SIG, "value": recorded_outs[key]})
        res = Resource(
            urn=urn, type=req.type, name=req.name, custom=bool(req.custom), id=rid or "",
            parent=req.parent or None, provider=provider, inputs=inputs, outputs=recorded_outs,
            options=self._options(req), source=source,
        )
        if req.remote:
            res.remote = True
        self._add(res, (rid or "", outs))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=rid or "", object=to_struct(outs))

    def _options(self, req: Any) -> ResourceOptions:
        o = ResourceOptions(
            protect=bool(req.protect) if req.HasField("protect") else False,
            retainOnDelete=bool(req.retainOnDelete) if req.HasField("retainOnDelete") else False,
            ignoreChanges=list(req.ignoreChanges),
            dependencies=sorted(set(req.dependencies)),
            propertyDependencies={k: sorted(set(v.urns)) for k, v in req.propertyDependencies.items()},
            aliases=[wire(a) for a in req.aliases] + list(req.aliasURNs),
            deleteBeforeReplace=bool(req.deleteBeforeReplace),
            replaceOnChanges=list(req.replaceOnChanges),
            additionalSecretOutputs=list(req.additionalSecretOutputs),
            customTimeouts={k: v for k, v in wire(req.customTimeouts).items() if v},
            version=req.version,
            importId=req.importId,
            deletedWith=req.deletedWith,
            replaceWith=list(req.replace_with),
            hideDiffs=list(req.hideDiffs),
            providers=dict(req.providers),
            pluginDownloadURL=req.pluginDownloadURL,
            packageRef=req.packageRef,
        )
        if req.HasField("replacement_trigger"):
            o.replacementTrigger = self.scrubber.redact_wire(json_format.MessageToDict(req.replacement_trigger))
        return o

    def register_outputs(self, req: Any) -> Any:
        outs = self.scrubber.redact_wire(flatten_output_values(wire(req.outputs)))
        with self.lock:
            if req.urn == self.stack_urn:
                self.exports = outs
            elif req.urn in self.records:
                self.records[req.urn].outputs = outs  # read at the end (AnalyzeStack gets outputs)
        return empty_pb2.Empty()

    def read(self, req: Any) -> Any:
        provider = req.provider or None
        if not provider and not req.type.startswith("pulumi:"):
            provider = self._default_provider(req.type.split(":", 1)[0], req.version)
        urn = self.make_urn(req.parent, req.type, req.name)
        source = self._source(req)
        self._claim(urn, req.type, req.name, source, "read as")
        raw_inputs = flatten_output_values(wire(req.properties))
        region = self._region_for(raw_inputs, provider)
        # a real preview reads too: the resource exists already, its state is known (siaga/engine/reads.py)
        declared = None
        if not req.type.startswith("pulumi:"):
            with self._computing:
                declared = self._declared(req.type)
        outs, notes = _read_outputs()(req.type, req.name, req.id, dict(raw_inputs), region, self.stack_outputs,
                                       preview=self.preview, declared=declared)
        for note in notes:
            self.warn(note)
        account = self._account_for(provider)
        if account:
            outs = derived.in_account(outs, raw_inputs, account)
        for key in req.additionalSecretOutputs:
            if key in outs:
                self.scrubber.add(plain(outs[key]))
        res = Resource(urn=urn, type=req.type, name=req.name, custom=True, id=req.id,
                       parent=req.parent or None, provider=provider if not req.type.startswith("pulumi:") else None,
                       inputs=self.scrubber.redact_wire(raw_inputs), outputs=self.scrubber.redact_wire(outs),
                       options=ResourceOptions(dependencies=sorted(set(req.dependencies)), version=req.version,
                                               additionalSecretOutputs=list(req.additionalSecretOutputs)),
                       source=source)
        res.read = True
        self._add(res, (req.id, outs))
        return resource_pb2.ReadResourceResponse(urn=urn, properties=to_struct(outs))

    def invoke(self, req: Any) -> Any:
        args = flatten_output_values(wire(req.args))
        if req.tok == "pulumi:pulumi:getResource":
            urn = plain(args.get("urn"))
            with self.lock:
                found = self.raw_outputs.get(urn)
            if found is None:
                return resource_pb2.ResourceInvokeResponse(
                    failures=[_failure("urn", f"unknown resource {urn}")])
            rid, state = found
            return resource_pb2.ResourceInvokeResponse(**{"return": to_struct({"urn": urn, "id": rid,
                                                                                "state": state})})
        region = self._region_for(args, req.provider or None)
        result = invokes.answer(req.tok, plain(args), region)
        account = self._account_for(req.provider or None)
        if result is not None and account:
            result = derived.in_account(result, plain(args), account)
            role = self.provider_roles.get((req.provider or "").rsplit("::", 1)[0])
            if req.tok == "aws:index/getCallerIdentity:getCallerIdentity" and role is not None:
                result = derived.caller_identity(role)
        if result is None:
            with self.lock:
                first = req.tok not in self._unanswered
                self._unanswered.add(req.tok)
            if first:
                self.warn(f"invoke {req.tok} is not known to the offline engine: answered with an empty result")
            result = {}
        return resource_pb2.ResourceInvokeResponse(**{"return": to_struct(result)})

    def call(self, req: Any) -> Any:
        with self.lock:
            first = req.tok not in self._unanswered
            self._unanswered.add(req.tok)
        if first:
            self.warn(f"call {req.tok} (a method of a remote component) is not known to the offline engine: "
                      "answered with an empty result")
        return resource_pb2.CallResponse(**{"return": to_struct({})})

    def register_package(self, req: Any) -> Any:
        ref = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{req.name}/{req.version}/{req.parameterization.name}"))
        with self.lock:
            self.packages[ref] = (req.parameterization.name or req.name, req.parameterization.version or req.version)
        return resource_pb2.RegisterPackageResponse(ref=ref)

    # -- Engine ---------------------------------------------------------------------------------------------------
    def log(self, req: Any) -> None:
        if req.severity == engine_pb2.WARNING:
            self.warn(str(req.message))
        elif req.severity == engine_pb2.ERROR:
            self.warn(f"error: {req.message}")

    # -- the result -----------------------------------------------------------------------------------------------
    def graph(self, program: str, extra_secret_keys: set[str] | None = None) -> Graph:
        """The graph as recorded so far, in :func:`stable_order`, every secret (and every copy of one) redacted."""
        with self.lock:
            records = stable_order([self.records[u] for u in self.order])
            keys = self.secret_keys | (extra_secret_keys or set())
            graph = Graph(project=self.project, stack=self.stack, organization=self.organization,
                          preview=self.preview, program=program, config=redact_config(self.config, keys),
                          resources=records, exports=self.exports, warnings=list(self.warnings))
        return Graph.model_validate(self.scrubber.scrub(graph.model_dump(mode="json")))


def _local_sdks(env: Mapping[str, str] | None) -> bool:
    """Whether the program's own PYTHONPATH (its project folder...) holds a provider SDK siaga's process does not
    see: its classes are then read by the probe in the program's interpreter, never imported here."""
    seen = {str(Path(p or ".").resolve()) for p in sys.path}
    for entry in (env or {}).get("PYTHONPATH", "").split(":"):
        if not entry or str(Path(entry).resolve()) in seen:
            continue
        try:
            if any((child / "pulumi-plugin.json").is_file() for child in Path(entry).iterdir() if child.is_dir()):
                return True
        except OSError:
            continue
    return False


class DuplicateURNError(Exception):
    """A registration the engine refuses: the URN was registered already."""


def stable_order(resources: list[Resource]) -> list[Resource]:
    """The resources in an order that is the same on every run and still the engine's kind of order.

    Registrations arrive in a different order each run (the program's RPCs run concurrently), so a graph in arrival
    order gave reports and documents that reordered themselves between two runs of the same program. This order is
    topological, as the engine's state is (a parent, provider or dependency before what uses it: what a policy pack's
    ``AnalyzeStack`` may rely on), and among the resources free to come next, the stack first and then by URN."""
    by_urn = {r.urn: r for r in resources}
    before: dict[str, set[str]] = {}
    for r in resources:
        needs = {r.parent, (r.provider or "").rsplit("::", 1)[0], *r.options.dependencies,
                 *(u for urns in r.options.propertyDependencies.values() for u in urns)}
        before[r.urn] = {u for u in needs if u and u in by_urn and u != r.urn}
    after: dict[str, list[str]] = {u: [] for u in by_urn}
    for urn, needs in before.items():
        for u in needs:
            after[u].append(urn)

    def key(urn: str) -> tuple[bool, str]:
        return by_urn[urn].type != ROOT_STACK_TYPE, urn

    ready = [key(u) for u, needs in before.items() if not needs]
    heapq.heapify(ready)
    left = {u: len(needs) for u, needs in before.items()}
    out: list[Resource] = []
    while ready:
        _, urn = heapq.heappop(ready)
        out.append(by_urn[urn])
        for nxt in after[urn]:
            left[nxt] -= 1
            if left[nxt] == 0:
                heapq.heappush(ready, key(nxt))
    if len(out) < len(resources):  # a cycle (a program cannot make one; a hand-made graph could): the rest by URN
        placed = {r.urn for r in out}
        out += sorted((r for r in resources if r.urn not in placed), key=lambda r: r.urn)
    return out


def _failure(prop: str, reason: str) -> Any:
    from pulumi.runtime.proto import provider_pb2

    return provider_pb2.CheckFailure(property=prop, reason=reason)


class _Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in SUPPORTED_IDS)

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        r = self.rec
        return resource_pb2.DeploymentInfo(
            project=r.project, stack=r.stack, organization=r.organization, dryRun=r.preview,
            supportedFeatures=sorted(SUPPORTED.values()))

    def RegisterResource(self, request: Any, context: Any) -> Any:
        try:
            return self.rec.register(request)
        except (TransformError, DuplicateURNError) as exc:
            context.abort(grpc.StatusCode.UNKNOWN, str(exc))

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        return self.rec.register_outputs(request)

    def ReadResource(self, request: Any, context: Any) -> Any:
        try:
            return self.rec.read(request)
        except DuplicateURNError as exc:
            context.abort(grpc.StatusCode.UNKNOWN, str(exc))

    def Invoke(self, request: Any, context: Any) -> Any:
        return self.rec.invoke(request)

    def Call(self, request: Any, context: Any) -> Any:
        return self.rec.call(request)

    def RegisterPackage(self, request: Any, context: Any) -> Any:
        return self.rec.register_package(request)

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def RegisterStackTransform(self, request: Any, context: Any) -> Any:
        self.rec.transforms.register_stack(request)
        return empty_pb2.Empty()

    def RegisterStackInvokeTransform(self, request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "invoke transforms (register_invoke_transform) are not run by "
                      "the offline engine; resource transforms are")


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def Log(self, request: Any, context: Any) -> Any:
        self.rec.log(request)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self.rec.root_urn)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        self.rec.root_urn = request.urn
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request: Any, context: Any) -> Any:
        return engine_pb2.RequirePulumiVersionResponse()


class EngineServer:
    """Both services on one port of 127.0.0.1 (the address the bootstrap passes as ``monitor`` and ``engine``)."""

    def __init__(self, recorder: Recorder, workers: int = 4) -> None:
        self.recorder = recorder
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="siaga-monitor"),
                                  options=_OPTIONS)
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_Monitor(recorder), self.server)
        engine_pb2_grpc.add_EngineServicer_to_server(_Engine(recorder), self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        if not port:
            raise OSError("could not bind the engine's gRPC port on 127.0.0.1")
        self.address = f"127.0.0.1:{port}"
        self.server.start()

    def stop(self) -> None:
        self.server.stop(grace=None)

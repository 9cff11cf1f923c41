"""Resources from the graph -> analyzer messages, encoded the way the Pulumi engine encodes them.

The engine marshals properties for analyzers keeping unknowns and secrets, turning resource references
into their id (the URN for components), dropping internal ``__`` keys at every level; protobuf
``Struct`` carries every number as a double, so ``20`` arrives as ``20.0`` like it does from the CLI.
"""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from siaga.engine.model import (
    OUTPUT_SIG,
    RESOURCE_SIG,
    ROOT_STACK_TYPE,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    Graph,
    Resource,
)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def engine_value(value: Any) -> Any:
    """One wire value -> what the engine hands an analyzer (JSON-able, before Struct conversion)."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return {SIG_KEY: SECRET_SIG, "value": engine_value(value.get("value"))}
        if sig == RESOURCE_SIG:
            rid = value.get("id")
            return rid if rid not in (None, "") else value.get("urn", UNKNOWN)
        if sig == OUTPUT_SIG:
            if "value" not in value:
                return UNKNOWN
            inner = engine_value(value["value"])
            return {SIG_KEY: SECRET_SIG, "value": inner} if value.get("secret") else inner
        if sig is not None:  # assets and archives travel as they are
            return {k: engine_value(v) for k, v in value.items()}
        return {k: engine_value(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list | tuple):
        return [engine_value(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def to_struct(props: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(engine_value(props))
    return s


def go_duration_seconds(text: str) -> float:
    """``"5m"``, ``"1h30m"``, ``"90s"`` (Go durations, as the SDK sends customTimeouts) -> seconds."""
    text = (text or "").strip()
    if not text:
        return 0.0
    total, pos = 0.0, 0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            raise ValueError(f"not a duration: {text!r}")
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if pos != len(text):
        raise ValueError(f"not a duration: {text!r}")
    return total


def _qualified_type(urn: str) -> str:
    return urn.split("::")[2] if urn.count("::") >= 3 else ""


def alias_urns(resource: Resource, graph: Graph) -> list[str]:
    """Alias specs as the SDK sends them -> the URNs the engine computes for them (own URN dropped)."""
    out: list[str] = []
    for alias in resource.options.aliases:
        if isinstance(alias, str):
            urn = alias
        elif isinstance(alias, dict) and isinstance(alias.get("urn"), str) and alias["urn"]:
            urn = alias["urn"]
        elif isinstance(alias, dict):
            spec = alias.get("spec", alias)
            name = spec.get("name") or resource.name
            type_ = spec.get("type") or resource.type
            stack = spec.get("stack") or graph.stack
            project = spec.get("project") or graph.project
            parent = None if spec.get("noParent") else (spec.get("parentUrn") or resource.parent)
            qtype = type_
            if parent and _qualified_type(parent) != ROOT_STACK_TYPE:
                qtype = f"{_qualified_type(parent)}${type_}"
            urn = f"urn:pulumi:{stack}::{project}::{qtype}::{name}"
        else:
            continue
        if urn != resource.urn and urn not in out:
            out.append(urn)
    return out


def options_message(resource: Resource, graph: Graph) -> pb.AnalyzerResourceOptions:
    o = resource.options
    msg = pb.AnalyzerResourceOptions(
        protect=o.protect,
        ignoreChanges=list(o.ignoreChanges),
        deleteBeforeReplace=o.deleteBeforeReplace,
        deleteBeforeReplaceDefined=o.deleteBeforeReplace,
        additionalSecretOutputs=list(o.additionalSecretOutputs),
        aliases=alias_urns(resource, graph),
        parent=resource.parent or "",
    )
    if o.customTimeouts:
        ct = {}
        for key in ("create", "update", "delete", "read"):
            try:
                ct[key] = go_duration_seconds(str(o.customTimeouts.get(key, "")))
            except ValueError:
                ct[key] = 0.0
        msg.customTimeouts.CopyFrom(pb.AnalyzerResourceOptions.CustomTimeouts(**ct))
    return msg


def provider_message(resource: Resource, by_urn: dict[str, Resource]) -> pb.AnalyzerProviderResource | None:
    purn = resource.provider_urn
    if not purn:
        return None
    prov = by_urn.get(purn)
    if prov is None:
        return None
    return pb.AnalyzerProviderResource(type=prov.type, urn=prov.urn, name=prov.name, properties=to_struct(prov.inputs))


def analyze_request(resource: Resource, graph: Graph, by_urn: dict[str, Resource],
                    properties: struct_pb2.Struct | None = None) -> pb.AnalyzeRequest:
    """``Analyze``/``Remediate`` request: the resource's inputs (or remediated properties)."""
    req = pb.AnalyzeRequest(
        type=resource.type, urn=resource.urn, name=resource.name,
        properties=properties if properties is not None else to_struct(resource.inputs),
        options=options_message(resource, graph),
    )
    prov = provider_message(resource, by_urn)
    if prov is not None:
        req.provider.CopyFrom(prov)
    return req


def stack_resource(resource: Resource, graph: Graph, by_urn: dict[str, Resource]) -> pb.AnalyzerResource:
    """``AnalyzeStack`` entry: the resource's outputs plus parent and dependencies."""
    msg = pb.AnalyzerResource(
        type=resource.type, urn=resource.urn, name=resource.name,
        properties=to_struct(graph.exports if resource.type == ROOT_STACK_TYPE else resource.outputs),
        options=options_message(resource, graph),
        parent=resource.parent or "",
        dependencies=list(resource.options.dependencies),
    )
    for key, urns in resource.options.propertyDependencies.items():
        msg.propertyDependencies[key].CopyFrom(pb.AnalyzerPropertyDependencies(urns=list(urns)))
    prov = provider_message(resource, by_urn)
    if prov is not None:
        msg.provider.CopyFrom(prov)
    return msg

"""The one resource graph every later stage reads (policies, reporters, documents).

Values in ``inputs`` are kept in the Pulumi wire encoding exactly as the engine receives them from
the language host: unknown values are the string ``UNKNOWN``, secrets are objects carrying the
``SECRET_SIG`` marker, resource references carry ``RESOURCE_SIG``. Use :func:`plain` to read them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
GRAPH_SCHEMA_VERSION = 1


class SourceLocation(BaseModel):
    """Where the program declared a resource: the first frame outside the Pulumi SDKs."""

    file: str
    line: int


class ResourceOptions(BaseModel):
    """Resource options as the engine receives them in ``RegisterResourceRequest``."""

    protect: bool = False
    retainOnDelete: bool = False
    ignoreChanges: list[str] = Field(default_factory=list)
    dependencies: list[str] = Field(default_factory=list)
    propertyDependencies: dict[str, list[str]] = Field(default_factory=dict)
    aliases: list[Any] = Field(default_factory=list)
    deleteBeforeReplace: bool = False
    replaceOnChanges: list[str] = Field(default_factory=list)
    additionalSecretOutputs: list[str] = Field(default_factory=list)
    customTimeouts: dict[str, str] = Field(default_factory=dict)
    version: str = ""
    importId: str = ""
    deletedWith: str = ""
    replaceWith: list[str] = Field(default_factory=list)
    replacementTrigger: Any = None
    hideDiffs: list[str] = Field(default_factory=list)
    providers: dict[str, str] = Field(default_factory=dict)
    """A component's ``providers`` option: package -> provider reference ``urn::id``."""
    pluginDownloadURL: str = ""
    packageRef: str = ""


class Resource(BaseModel):
    urn: str
    type: str
    name: str
    custom: bool
    id: str = ""
    parent: str | None = None
    provider: str | None = None
    """The provider reference ``urn::id`` (synthesised default providers included)."""
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)
    options: ResourceOptions = Field(default_factory=ResourceOptions)
    source: SourceLocation | None = None
    synthesized: bool = False
    """True for default providers, which the engine (not the program) creates."""
    read: bool = False
    """A read resource (``X.get(...)``, a StackReference; ``external`` in a state export): it exists already and the
    program does not manage it; its outputs are what the read returned."""
    remote: bool = False
    """A remote (multi-language) component (awsx, eks, ...): its provider constructs its children, which a program
    run offline never sees (the report counts them and the categories they leave unverified)."""

    @property
    def provider_urn(self) -> str | None:
        if not self.provider:
            return None
        return self.provider.rsplit("::", 1)[0]

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")

    @property
    def package(self) -> str:
        if self.is_provider:
            return self.type.split(":")[2]
        return self.type.split(":", 1)[0]

    def plain_inputs(self) -> dict[str, Any]:
        return plain(self.inputs)


class Graph(BaseModel):
    schemaVersion: int = GRAPH_SCHEMA_VERSION
    project: str
    stack: str
    organization: str = "organization"
    preview: bool = False
    program: str
    config: dict[str, Any] = Field(default_factory=dict)
    resources: list[Resource] = Field(default_factory=list)
    exports: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    source: str = "program"
    """``program`` (a program run offline) or ``state`` (an existing deployment's ``pulumi stack export``)."""

    def by_urn(self) -> dict[str, Resource]:
        return {r.urn: r for r in self.resources}

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def children(self, urn: str) -> list[Resource]:
        return [r for r in self.resources if r.parent == urn]

    def get(self, type_: str, name: str) -> Resource:
        for r in self.resources:
            if r.type == type_ and r.name == name:
                return r
        raise KeyError(f"no {type_} named {name!r} in the graph")

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.resources:
            out[r.type] = out.get(r.type, 0) + 1
        return dict(sorted(out.items()))

    def write(self, path: str | Path) -> None:
        from siaga.files import write_atomic

        write_atomic(path, self.model_dump_json(indent=2) + "\n")

    @classmethod
    def read(cls, path: str | Path) -> Graph:
        return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def is_unknown(value: Any) -> bool:
    return value == UNKNOWN


def plain(value: Any) -> Any:
    """Wire encoding -> plain Python: secrets unwrapped, references to their id (URN for components).

    Unknown values stay as :data:`UNKNOWN` so a reader can tell them apart.
    """
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return plain(value.get("value"))
        if sig == RESOURCE_SIG:
            rid = value.get("id")
            return rid if rid not in (None, "") else value.get("urn")
        if sig == OUTPUT_SIG:
            return plain(value["value"]) if "value" in value else UNKNOWN
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def effective_region(resource: Resource, graph: Graph) -> str | None:
    """The region a resource is created in: its own ``region``, its provider's, then ``aws:region``."""
    own = plain(resource.inputs.get("region"))
    if isinstance(own, str) and own and own != UNKNOWN:
        return own
    purn = resource.provider_urn
    if purn:
        prov = graph.by_urn().get(purn)
        if prov is not None:
            region = plain(prov.inputs.get("region"))
            if isinstance(region, str) and region:
                return region
    cfg = graph.config.get("aws:region")
    return cfg if isinstance(cfg, str) and cfg else None

"""An existing deployment's state (``pulumi stack export``) -> the same :class:`Graph` a program run gives.

So agencies audit what already runs with the same policy packs (the long-open request
https://github.com/pulumi/pulumi-policy/issues/253, "Allow running a policy pack against the existing state").

The format is the engine's ``apitype.UntypedDeployment`` (pulumi/pulumi ``sdk/go/common/apitype/core.go``):
``{"version": 3, "deployment": {"manifest", "secrets_providers", "resources": [ResourceV3...],
"pending_operations": [{"resource": ResourceV3, "type": "creating"|"updating"|"deleting"|"reading"}]}}``;
versions 1 and 2 differ only in the resource fields they carry (V1: no provider/external; V2: no
propertyDependencies, so every input is taken to depend on every dependency, as the engine migrates it).

What is and is not taken into the graph, as it stands in the cloud:
- ``delete: true`` (the old copy of a replaced resource, deleted at the next update) and
  ``pendingReplacement: true`` (deleted by a delete-before-replace, not yet recreated) are left out, each with a
  warning: the first shares its URN with its replacement, the second no longer exists.
- a pending ``creating`` operation may have created a resource the state does not hold: warned, not analysed.
- secrets (``{SIG: SECRET_SIG, "ciphertext"|"plaintext"|"value": ...}``) become ``[secret]`` everywhere, and their
  plaintext is scrubbed from every other string of the graph (an output that copies a secret input).
- default providers are real resources of the state (``pulumi:providers:aws::default_7_51_1``): kept, marked
  synthesized; their inputs give the ``aws:*`` config the packs see when no ``--stack`` names the config.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from siaga.engine.model import (
    ROOT_STACK_TYPE,
    SECRET_SIG,
    SIG_KEY,
    Graph,
    Resource,
    ResourceOptions,
    SourceLocation,
)
from siaga.engine.secrets import REDACTED, Scrubber
from siaga.inputs import MAX_DEPTH, InputFileError, read_text

MAX_STATE_BYTES = 256 * 1024 * 1024
"""A large stack's export is tens of MB; past this it is not one stack's state."""
MAX_STATE_NODES = 20_000_000
SUPPORTED_VERSIONS = (1, 2, 3)
WHAT = "--state"


class StateError(InputFileError):
    """``str()`` is one line naming the file and what is wrong."""


def _fail(path: Path, why: str) -> StateError:
    return StateError(f"{WHAT} {path}: {why}")


def _read(path: Path) -> Any:
    try:
        text = read_text(path, WHAT, max_bytes=MAX_STATE_BYTES)
    except StateError:
        raise
    except InputFileError as exc:
        raise StateError(str(exc)) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}; expected the output of "
                          "`pulumi stack export`") from None
    except RecursionError:
        raise _fail(path, "nested too deeply") from None
    _check_shape(value, path)
    return value


def _check_shape(value: Any, path: Path) -> None:
    """Depth and size budget, iteratively (a hostile file must not exhaust the recursion of later readers)."""
    budget = MAX_STATE_NODES
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise _fail(path, f"more than {MAX_STATE_NODES} values; allowed: one stack's export")
        if depth > MAX_DEPTH:
            raise _fail(path, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _secret_plaintext(value: dict[str, Any]) -> Any:
    """A secret's clear value when the export has it (``--show-secrets``: ``plaintext`` is the JSON-encoded value)."""
    if "plaintext" in value:
        text = value["plaintext"]
        if isinstance(text, str):
            try:
                return json.loads(text)
            except ValueError:
                return text
        return text
    if "value" in value:
        return value["value"]
    return value.get("ciphertext")


def redact(value: Any, scrubber: Scrubber) -> Any:
    """Every secret of a state value -> a secret holding ``[secret]`` (wire encoding), clear values collected."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            scrubber.add(_secret_plaintext(value))
            for key in ("ciphertext", "plaintext"):
                if isinstance(value.get(key), str):
                    scrubber.add(value[key])
            return {SIG_KEY: SECRET_SIG, "value": REDACTED}
        return {k: redact(v, scrubber) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, scrubber) for v in value]
    return value


def _urn_parts(urn: str) -> tuple[str, str, str, str] | None:
    """``urn:pulumi:STACK::PROJECT::QUALIFIED_TYPE::NAME`` (the name may itself contain ``::``)."""
    if not urn.startswith("urn:pulumi:"):
        return None
    parts = urn[len("urn:pulumi:"):].split("::", 3)
    if len(parts) != 4 or not all(parts[:3]):
        return None
    return parts[0], parts[1], parts[2], parts[3]


def _strings(value: Any, key: str, where: str, path: Path) -> list[str]:
    items = value.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _fail(path, f"{where}: {key} is not a list of strings")
    return list(items)


def _resource(raw: Any, index: int, version: int, path: Path, scrubber: Scrubber) -> Resource:
    where = f"resources[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, f"{where} is not an object")
    urn = raw.get("urn")
    if not isinstance(urn, str) or _urn_parts(urn) is None:
        raise _fail(path, f"{where}: urn {str(urn)[:80]!r} is not a Pulumi URN (urn:pulumi:STACK::PROJECT::TYPE::NAME)")
    type_ = raw.get("type")
    if not isinstance(type_, str) or not type_:
        raise _fail(path, f"{where} ({urn}): no type")
    for key in ("inputs", "outputs"):
        if raw.get(key) is not None and not isinstance(raw.get(key), dict):
            raise _fail(path, f"{where} ({urn}): {key} is not an object")
    deps = sorted(set(_strings(raw, "dependencies", where, path)))
    prop_deps_raw = raw.get("propertyDependencies")
    if prop_deps_raw is not None and not (isinstance(prop_deps_raw, dict) and all(
            isinstance(v, list) and all(isinstance(u, str) for u in v) for v in prop_deps_raw.values())):
        raise _fail(path, f"{where} ({urn}): propertyDependencies is not a map of URN lists")
    inputs = redact(raw.get("inputs") or {}, scrubber)
    if version < 3 and prop_deps_raw is None:
        # the engine's V2 -> V3 migration: every dependency affects every input property (apitype ResourceV3 doc)
        prop_deps = {k: list(deps) for k in inputs} if deps else {}
    else:
        prop_deps = {k: sorted(set(v)) for k, v in (prop_deps_raw or {}).items()}
    timeouts = raw.get("customTimeouts") if isinstance(raw.get("customTimeouts"), dict) else {}
    provider = raw.get("provider") or None
    if provider is not None and not isinstance(provider, str):
        raise _fail(path, f"{where} ({urn}): provider is not a string")
    name = _urn_parts(urn)[3]  # type: ignore[index]
    rid = raw.get("id")
    return Resource(
        urn=urn, type=type_, name=name, custom=bool(raw.get("custom")), id=str(rid) if rid is not None else "",
        parent=raw.get("parent") or None, provider=provider,
        inputs=inputs, outputs=redact(raw.get("outputs") or {}, scrubber),
        options=ResourceOptions(
            protect=bool(raw.get("protect")), retainOnDelete=bool(raw.get("retainOnDelete")),
            ignoreChanges=_strings(raw, "ignoreChanges", where, path), dependencies=deps,
            propertyDependencies=prop_deps, aliases=_strings(raw, "aliases", where, path),
            replaceOnChanges=_strings(raw, "replaceOnChanges", where, path),
            additionalSecretOutputs=_strings(raw, "additionalSecretOutputs", where, path),
            customTimeouts={k: str(v) for k, v in timeouts.items() if v},
            importId=str(raw.get("importID") or ""),
        ),
        # default providers are created by the engine, not declared by the program
        synthesized=type_.startswith("pulumi:providers:") and name.startswith("default"),
        read=bool(raw.get("external")),
        source=_source(raw),
    )


def _source(raw: dict[str, Any]) -> SourceLocation | None:
    """``sourcePosition`` (``project:///path/in/project.py#LINE[,COL]``, as the engine records the registration
    site) -> the declaring file (relative to the project) and line; anything else -> None."""
    text = raw.get("sourcePosition")
    if not isinstance(text, str) or "#" not in text:
        return None
    where, _, pos = text.rpartition("#")
    line = pos.split(",", 1)[0]
    if not line.isdigit():
        return None
    path = where.removeprefix("project://").lstrip("/")
    return SourceLocation(file=path, line=int(line)) if path else None


def _provider_config(resources: list[Resource]) -> dict[str, Any]:
    """The stack's ``PKG:key`` config as the default providers recorded it (their inputs are that config)."""
    config: dict[str, Any] = {}
    for r in resources:
        if not r.synthesized:
            continue
        package = r.type.split(":")[2]
        for key, value in r.inputs.items():
            if key == "version" or isinstance(value, dict):
                continue  # the plugin version; secrets (wrapped) stay out of the packs' config
            config[f"{package}:{key}"] = value
    return config


def load_state(path: Path, stack: str | None = None, config: Mapping[str, Any] | None = None,
               secret_keys: list[str] | None = None) -> Graph:
    """The graph of ``pulumi stack export`` output in ``path``; :class:`StateError` (one line) on a bad file.

    ``stack``/``config``: the stack name and config the packs get (``--stack``); by default the stack and project
    named by the URNs and the config the default providers recorded."""
    data = _read(path)
    if not isinstance(data, dict) or "deployment" not in data:
        raise _fail(path, "no \"deployment\" key; expected the output of `pulumi stack export` "
                          "({\"version\": 3, \"deployment\": {...}})")
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS or isinstance(version, bool):
        raise _fail(path, f"deployment version {version!r}; allowed: {', '.join(map(str, SUPPORTED_VERSIONS))}")
    deployment = data["deployment"]
    if not isinstance(deployment, dict):
        raise _fail(path, "\"deployment\" is not an object")
    raw_resources = deployment.get("resources")
    raw_resources = [] if raw_resources is None else raw_resources
    if not isinstance(raw_resources, list):
        raise _fail(path, "deployment.resources is not a list")
    scrubber = Scrubber()
    warnings: list[str] = []
    resources: list[Resource] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_resources):
        r = _resource(raw, i, version, path, scrubber)
        if isinstance(raw, dict) and raw.get("delete"):
            warnings.append(f"{r.urn}: marked for deletion (the old copy of a replaced resource, deleted at the next "
                            "update): not analysed")
            continue
        if isinstance(raw, dict) and raw.get("pendingReplacement"):
            warnings.append(f"{r.urn}: pending replacement (deleted by a delete-before-replace, not yet recreated): "
                            "not analysed")
            continue
        if r.urn in seen:
            raise _fail(path, f"resources[{i}]: URN {r.urn} appears twice (resources[{seen[r.urn]}])")
        seen[r.urn] = i
        resources.append(r)
    ops = deployment.get("pending_operations")
    ops = [] if ops is None else ops
    if not isinstance(ops, list):
        raise _fail(path, "deployment.pending_operations is not a list")
    for j, op in enumerate(ops):
        res = op.get("resource") if isinstance(op, dict) else None
        urn = res.get("urn") if isinstance(res, dict) else None
        kind = op.get("type") if isinstance(op, dict) else None
        if not isinstance(urn, str) or not isinstance(kind, str):
            raise _fail(path, f"pending_operations[{j}]: expected {{\"resource\": {{\"urn\": ...}}, \"type\": ...}}")
        if kind == "creating" and urn not in seen:
            warnings.append(f"{urn}: an interrupted create (pending operation): it may exist in the cloud but is not "
                            "in the state: not analysed; run `pulumi refresh` and export again")
        else:
            warnings.append(f"{urn}: a pending {kind} operation was interrupted: the state may not match the cloud "
                            "(run `pulumi refresh`)")
    stacks = [r for r in resources if r.type == ROOT_STACK_TYPE]
    first = _urn_parts((stacks or resources)[0].urn) if resources else None
    stack_name, project = (first[0], first[1]) if first else (path.stem, "project")
    exports: dict[str, Any] = dict(stacks[0].outputs) if stacks else {}
    graph_config = dict(config) if config is not None else _provider_config(resources)
    redacted_config = {k: (REDACTED if k in set(secret_keys or []) else v) for k, v in graph_config.items()}
    graph = Graph(project=project, stack=stack or stack_name, preview=False, program=str(path.resolve()),
                  config=redacted_config, resources=resources, exports=exports, warnings=warnings, source="state")
    _check_references(graph, path)
    # Copies of a secret anywhere else (an output interpolating a secret input, an error text) are scrubbed too.
    return Graph.model_validate(scrubber.scrub(json.loads(graph.model_dump_json())))


def _check_references(graph: Graph, path: Path) -> None:
    """A parent or provider the state does not hold is a broken export (the engine refuses such a snapshot)."""
    known = {r.urn for r in graph.resources}
    for r in graph.resources:
        if r.parent and r.parent not in known:
            graph.warnings.append(f"{r.urn}: parent {r.parent} is not in the state")
        if r.provider and r.provider_urn not in known:
            graph.warnings.append(f"{r.urn}: provider {r.provider_urn} is not in the state")

"""Policy configuration as the Pulumi CLI reconciles it before ``Configure``.

For each policy: its schema defaults and its own enforcement level; then the pack's ``initialConfig``;
then the ``--policy-config`` file. In both layers an ``"all"`` key sets every policy's level first, then
each policy's entry overrides its level and merges its properties. The result is validated against
each policy's JSON schema. (An ``initialConfig`` entry that sets properties only still carries the
protobuf default level ADVISORY, exactly as the CLI reads it: that downgrades the policy.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from siaga.analyzer.errors import AnalyzerError
from siaga.analyzer.model import ENFORCEMENT_LEVELS, PolicyInfo
from siaga.inputs import InputFileError, load_json_or_yaml

Layer = dict[str, tuple[str | None, dict[str, Any] | None]]
"""policy name (or ``all``) -> (enforcement level or None, properties or None)."""


def load_policy_config(source: dict[str, Any] | Path | str | None) -> dict[str, Any]:
    """The ``--policy-config`` file (JSON, or YAML for convenience) or an already-parsed dict."""
    if source is None:
        return {}
    if isinstance(source, dict):
        return source
    path = Path(source)
    try:
        data = load_json_or_yaml(path, "policy config")
    except InputFileError as exc:
        raise AnalyzerError(str(exc)) from None
    if not isinstance(data, dict):
        raise AnalyzerError(f"policy config {path}: must be an object mapping policy names to a level or settings")
    return data


def parse_layer(data: dict[str, Any], origin: str) -> Layer:
    layer: Layer = {}
    for name, value in data.items():
        if isinstance(value, str):
            layer[name] = (_level(value, f"{origin}: {name}"), None)
        elif isinstance(value, dict):
            level = value.get("enforcementLevel")
            props = {k: v for k, v in value.items() if k != "enforcementLevel"}
            layer[name] = (_level(level, f"{origin}: {name}.enforcementLevel") if level is not None else None,
                           props or None)
        else:
            raise AnalyzerError(f"{origin}: {name} = {value!r}: expected an enforcement level "
                                f"({', '.join(ENFORCEMENT_LEVELS)}) or an object of settings")
    return layer


def _level(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in ENFORCEMENT_LEVELS:
        raise AnalyzerError(f"{where} = {value!r}: enforcement level must be one of {', '.join(ENFORCEMENT_LEVELS)}")
    return value


def _apply(result: dict[str, tuple[str, dict[str, Any]]], layer: Layer) -> None:
    if "all" in layer:
        all_level = layer["all"][0]
        if all_level is not None:
            for name, (_, props) in result.items():
                result[name] = (all_level, props)
    for name, (level, props) in layer.items():
        if name == "all":
            continue
        cur_level, cur_props = result.get(name, ("advisory", {}))
        merged = dict(cur_props)
        merged.update(props or {})
        result[name] = (level or cur_level, merged)


def reconcile(policies: list[PolicyInfo], initial: Layer, file_layer: Layer, origin: str
              ) -> tuple[dict[str, tuple[str, dict[str, Any]]], list[str]]:
    """-> (policy name -> (level, properties)), warnings. Raises AnalyzerError naming the bad setting."""
    result: dict[str, tuple[str, dict[str, Any]]] = {}
    for p in policies:
        defaults = {}
        for key, schema in ((p.config_schema or {}).get("properties") or {}).items():
            if isinstance(schema, dict) and schema.get("default") is not None:
                defaults[key] = schema["default"]
        result[p.name] = (p.enforcement, defaults)
    _apply(result, initial)
    _apply(result, file_layer)
    known = {p.name for p in policies}
    warnings = [f"{origin}: no policy named {name!r} in this pack (ignored)"
                for name in file_layer if name != "all" and name not in known]
    for name in [n for n in result if n not in known]:
        del result[name]
    for p in policies:
        level, props = result[p.name]
        schema = p.config_schema
        if not schema or not schema.get("properties"):
            continue
        full = {"type": "object", "properties": schema["properties"]}
        if schema.get("required"):
            full["required"] = list(schema["required"])
        import jsonschema  # only with a policy config to validate (~95 ms of import otherwise)

        errors = sorted(jsonschema.Draft7Validator(full).iter_errors(props), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            key = ".".join(str(x) for x in e.path) or "(settings)"
            raise AnalyzerError(f"{origin}: policy {p.name!r} setting {key}: {e.message}")
    return result, warnings

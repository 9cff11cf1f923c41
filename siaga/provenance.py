"""Which line of the stack file caused a finding: GitHub code scanning annotates only the lines a pull request
changed, and the typical agency change is one line of ``stacks/Pulumi.<stack>.yaml``.

Two ways a finding is tied to a stack-file key:

- **declared**: :data:`CONFIG_SOURCES` says which key sets the property a policy judges (the config model,
  ``components/config.py``, documents what each key does, e.g. ``protectStatefulResources`` sets ``protect`` on
  every data store and key); the finding is tied to the key when the stack sets it to an offending value, with or
  without a base to compare with.
- **changed**: with a base (``--base``), a finding the base did not have, while the stack file's diff changed keys,
  is tied to the changed line(s).

Lines come from the YAML composed with positions (``yaml.compose``: marks are 0-based, reported 1-based).
Secret values (``secure:`` in the file, ``--secret-config``) are never shown: only the key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECRET_SHOWN = "[secret]"


@dataclass(frozen=True)
class ConfigRule:
    """A policy whose finding a stack-config key causes when ``offending(value)`` (the value as the stack sets it,
    parsed YAML)."""

    key: str
    """Key without the project namespace; a nested key as ``parent.child`` (e.g. ``detection.enabled``)."""
    offending: Callable[[Any], bool]
    why: str


def _false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


CONFIG_SOURCES: dict[str, tuple[ConfigRule, ...]] = {
    # components/config.py StackConfig.protectStatefulResources: "protect + retainOnDelete on data stores and keys"
    "protect-stateful": (ConfigRule("protectStatefulResources", _false,
                                    "sets protect=False on every data store, key and vault"),),
    # StackConfig.natStrategy: OnePerAz | Single | None; anything but OnePerAz leaves AZs without their own NAT
    "nat-gateway-per-az": (ConfigRule("natStrategy", lambda v: v != "OnePerAz",
                                      "fewer NAT gateways than Availability Zones"),),
    # Detection.enabled / Detection.config: the Security Hub and AWS Config recorder the policy looks for
    "security-hub-config-enabled": (
        ConfigRule("detection.enabled", _false, "turns detection (Security Hub, AWS Config) off"),
        ConfigRule("detection.config", lambda v: v == "off", "turns the AWS Config recorder off"),
    ),
    # Kubernetes.publicAccessCidrs: who reaches the EKS API endpoint from the internet
    "eks-public-endpoint-restricted": (
        ConfigRule("kubernetes.publicAccessCidrs", lambda v: isinstance(v, list) and bool(v),
                   "opens the EKS API endpoint to these addresses"),),
}
"""Policy -> the stack-config keys that set the property it judges (siaga's own config model; another program's
findings are tied to its stack file by the base diff only)."""


@dataclass(frozen=True)
class KeyLine:
    path: str
    """Full key: ``siaga:protectStatefulResources``, nested ``siaga:detection.enabled``."""
    line: int
    value: Any
    shown: str
    """The value as a person reads it; :data:`SECRET_SHOWN` for a secret."""


def _redacted(value: Any) -> Any:
    """``{secure: ...}`` (a value encrypted by the stack's secrets provider) anywhere inside, as ``[secret]``."""
    if isinstance(value, dict):
        return SECRET_SHOWN if set(value) == {"secure"} else {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def _shown(value: Any) -> str:
    value = _redacted(value)
    if value == SECRET_SHOWN:
        return SECRET_SHOWN
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _walk(node: yaml.Node, path: str, out: dict[str, KeyLine], line: int) -> None:
    value = yaml.safe_load(yaml.serialize(node))
    out[path] = KeyLine(path=path, line=line, value=value, shown=_shown(value))
    if isinstance(node, yaml.MappingNode) and not (isinstance(value, dict) and set(value) == {"secure"}):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                _walk(v, f"{path}.{k.value}", out, k.start_mark.line + 1)


def key_lines(text: str, project: str) -> dict[str, KeyLine]:
    """Every key under ``config:`` (nested ones too) -> its line and value. Keys without a namespace get the
    project's (as Pulumi qualifies them). Unparseable text gives an empty map (the program run reports it)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    out: dict[str, KeyLine] = {}
    for k, v in root.value:
        if isinstance(k, yaml.ScalarNode) and k.value == "config" and isinstance(v, yaml.MappingNode):
            for ck, cv in v.value:
                if isinstance(ck, yaml.ScalarNode):
                    name = ck.value if ":" in ck.value else f"{project}:{ck.value}"
                    _walk(cv, name, out, ck.start_mark.line + 1)
    return out


def redact(lines: dict[str, KeyLine], config: dict[str, Any]) -> dict[str, KeyLine]:
    """Keys the program holds as secret (``[secret]`` in the graph's config: ``--secret-config``, a ``secure:``
    value, or a plain value the program read with ``require_secret``) are shown as ``[secret]``, children too."""
    secret = {k for k, v in config.items() if v == SECRET_SHOWN}
    return {path: (KeyLine(path=path, line=kl.line, value=None, shown=SECRET_SHOWN)
                   if path.split(".", 1)[0] in secret else kl) for path, kl in lines.items()}


def shown_values(lines: dict[str, KeyLine]) -> dict[str, str]:
    """Key -> value as shown: what a saved report keeps of its stack file (secrets only as ``[secret]``)."""
    return {path: kl.shown for path, kl in lines.items()}


def changed_keys(base: dict[str, str] | None, pr: dict[str, KeyLine]) -> list[KeyLine]:
    """Keys the diff from the base's stack file (``shown_values`` of it; None: there was none) to this one
    changed: added, removed or another value, each named by the innermost key that changed, at its line here. A
    removed key is shown at its nearest remaining parent's line, else line 1. A secret's change is not seen (its
    ciphertext is never read)."""
    base = base or {}
    out: list[KeyLine] = []
    for path, kl in pr.items():
        old = base.get(path)
        if old == kl.shown:
            continue
        if old is not None and any(p.startswith(path + ".") for p in pr):
            continue  # a mapping in both: its changed children are listed themselves
        if any(path.startswith(p + ".") and p not in base for p in pr):
            continue  # inside a key that is new as a whole: named by that key
        out.append(kl)
    for path in base:
        if path in pr or any(path.startswith(p + ".") and p not in pr for p in base if p != path):
            continue
        parent = path.rsplit(".", 1)[0] if "." in path else None
        line = pr[parent].line if parent in pr else 1
        out.append(KeyLine(path=path, line=line, value=None, shown="(removed)"))
    return sorted(out, key=lambda k: (k.line, k.path))


def declared_source(policy: str, lines: dict[str, KeyLine], project: str, config: dict[str, str],
                    secret_keys: set[str]) -> tuple[ConfigRule, str, KeyLine | None, str] | None:
    """The declared rule that explains ``policy``'s finding in this stack: (rule, full key, its line in the stack
    file, or None when the value came from elsewhere (``--config``), the value shown). None when no rule's key has
    an offending value as the program saw it, or the key is secret."""
    for rule in CONFIG_SOURCES.get(policy, ()):
        full = f"{project}:{rule.key}"
        if full.split(".", 1)[0] in secret_keys:
            continue
        effective = _effective(full, config)
        if effective is _MISSING or not rule.offending(effective):
            continue
        kl = lines.get(full)
        if kl is not None and kl.shown != SECRET_SHOWN and _shown(kl.value) == _shown(effective):
            return rule, full, kl, kl.shown
        return rule, full, None, _shown(effective)
    return None


_MISSING = object()


def _effective(full: str, config: dict[str, str]) -> Any:
    """The value the program saw for ``full`` (config values are strings; objects JSON), ``_MISSING`` if unset."""
    top, _, rest = full.partition(".")
    if top not in config:
        return _MISSING
    raw = config[top]
    try:
        value: Any = json.loads(raw)
    except (TypeError, ValueError):
        value = raw
    for part in rest.split(".") if rest else []:
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return value


def read_text(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None

"""Reads a Pulumi project (Pulumi.yaml) and its stack config files the way the CLI does."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siaga.engine.project_rules import RuleError, check_policy_pack, check_project
from siaga.engine.stack_rules import check_key, check_secure, check_stack_against_project
from siaga.inputs import InputFileError, load_yaml


class ProjectError(Exception):
    """A project or stack file that cannot be read; the message is one line for the user."""


@dataclass
class Project:
    root: Path
    name: str
    main: str = "__main__.py"
    stack_config_dir: Path | None = None
    config_schema: dict[str, Any] = field(default_factory=dict)
    runtime_options: dict[str, Any] = field(default_factory=dict)
    """Pulumi.yaml ``runtime.options`` (toolchain, virtualenv): which interpreter runs the program (toolchain.py)."""
    path: Path | None = None
    """The project file read (``Pulumi.yaml`` or ``Pulumi.yml``)."""

    @property
    def main_file(self) -> Path:
        path = self.root / self.main
        return path / "__main__.py" if path.is_dir() else path

    def qualify(self, key: str) -> str:
        return key if ":" in key else f"{self.name}:{key}"

    def defaults(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, decl in self.config_schema.items():
            if isinstance(decl, dict) and "default" in decl:
                out[self.qualify(key)] = decl["default"]
            elif isinstance(decl, dict) and "value" in decl:
                out[self.qualify(key)] = decl["value"]
            elif not isinstance(decl, dict):
                out[self.qualify(key)] = decl
        return out

    def stack_file(self, stack: str) -> Path:
        check_stack_name(stack)
        return (self.stack_config_dir or self.root) / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        folder = self.stack_config_dir or self.root
        return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in folder.glob("Pulumi.*.yaml"))


STACK_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}\Z")
"""A stack name as Pulumi allows it (letters, digits, ``-``, ``_``, ``.``; at most 100), and never a path: it
names a file (``Pulumi.<stack>.yaml``) and the report folder (``reports/<stack>``)."""


def check_stack_name(stack: str) -> str:
    if not isinstance(stack, str) or not STACK_NAME.match(stack) or ".." in stack:
        raise ProjectError(f"stack {stack!r}: not a stack name; allowed: letters, digits, '-', '_' and '.' (no '/', "
                           "no '..'), at most 100 characters")
    return stack


def _rule_error(path: Path, exc: RuleError) -> ProjectError:
    """One line: the file, the key the rule is about (when it has one) and the CLI's message for the rule."""
    key = f"{exc.key}: " if exc.key and f"'{exc.key}'" not in str(exc) else ""
    return ProjectError(f"{path}: {key}{exc}")


def load_project(root: Path) -> Project:
    """Reads ``Pulumi.yaml`` and applies every rule the Pulumi CLI's project loader applies
    (``project_rules.check_project``) before anything runs; then siaga's own: the runtime is Python."""
    root = root.resolve()
    candidates = [root / "Pulumi.yaml", root / "Pulumi.yml"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise ProjectError(f"{root}: no Pulumi.yaml here; a Pulumi program folder has one")
    try:
        raw = load_yaml(path, "project file")
    except InputFileError as exc:
        raise ProjectError(str(exc)) from None
    try:
        data = check_project(raw)
    except RuleError as exc:
        raise _rule_error(path, exc) from None
    runtime = data["runtime"]
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProjectError(f"{path}: runtime: {runtime_name!r}; the offline engine runs Python programs only")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    scd = data.get("stackConfigDir")
    return Project(
        root=root,
        name=data["name"],
        main=str(data.get("main") or "__main__.py"),
        stack_config_dir=(root / scd) if scd else None,
        config_schema=data.get("config") or {},
        runtime_options=dict(options or {}),
        path=path,
    )


def load_policy_pack(pack_dir: Path) -> dict[str, Any]:
    """``PulumiPolicy.yaml`` with the rules the CLI applies when it loads a policy pack (``check_policy_pack``)."""
    path = pack_dir / "PulumiPolicy.yaml"
    try:
        raw = load_yaml(path, "policy pack file")
    except InputFileError as exc:
        raise ProjectError(str(exc)) from None
    try:
        return check_policy_pack(raw)
    except RuleError as exc:
        raise _rule_error(path, exc) from None


def _wire(value: Any) -> str:
    """The CLI hands every config value to the program as a string; objects and lists as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _override(value: str) -> Any:
    """A ``--config`` value as the CLI would store it: JSON objects/arrays as structured values (``pulumi config set
    --json``), anything else the string ``pulumi config set`` writes."""
    if value[:1] in "[{":
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        if isinstance(parsed, (dict, list)):
            return parsed
    return value


SECRET_ENV = "SIAGA_SECRET_CONFIG"
"""Secret config for offline runs, kept off command lines as the CLI keeps ``PULUMI_CONFIG_PASSPHRASE``: a JSON
object of key -> value, as if set with ``pulumi config set --secret``; ``--secret-config`` wins over it."""


def env_secrets() -> dict[str, str]:
    """``SIAGA_SECRET_CONFIG`` in the forms ``siaga`` reads it (siaga/secret_inputs.py: a JSON object or key=value
    lines); an error names the variable, never a value. The command line reads and removes it before any child
    starts; this is for programs run through the API (tests, the bench), where it stays set."""
    from siaga.secret_inputs import SecretInputError, parse

    text = os.environ.get(SECRET_ENV, "")
    if not text.strip():
        return {}
    try:
        return parse(text, SECRET_ENV)
    except SecretInputError as exc:
        raise ProjectError(str(exc)) from None


def load_stack_config(project: Project, stack: str | None, overrides: dict[str, str] | None = None,
                      secret_overrides: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Returns (config as the program sees it, secret keys): defaults, stack file, then overrides, then secret
    overrides (``--secret-config``: their keys are secret, as ``pulumi config set --secret`` makes them).

    The stack file and the overrides are checked as the CLI checks them before the program runs
    (``stack_rules``): well-formed keys, ``secure:`` values a secrets provider could have written, every project
    key without a default set, typed keys holding their type, ``secret: true`` keys encrypted."""
    secret_overrides = {**env_secrets(), **(secret_overrides or {})}
    raw: dict[str, Any] = project.defaults()
    secret_keys: list[str] = []
    values: dict[str, Any] = {}
    where: Path = project.path or project.root / "Pulumi.yaml"
    if stack is not None:
        path = project.stack_file(stack)
        where = path
        if not path.is_file():
            known = ", ".join(project.stacks()) or "none"
            raise ProjectError(f"stack {stack!r}: no file {path}; known stacks: {known}")
        try:
            data = load_yaml(path, "stack file") or {}
        except InputFileError as exc:
            raise ProjectError(str(exc)) from None
        if not isinstance(data, dict):
            raise ProjectError(f"{path}: must be a mapping with a 'config' key, not a {type(data).__name__}")
        config = data.get("config") or {}
        if not isinstance(config, dict):
            raise ProjectError(f"{path}: 'config' must be a mapping of key: value")
        for key, value in config.items():
            try:
                qkey = project.qualify(check_key(key))
                check_secure(data, qkey, value)
            except RuleError as exc:
                raise _rule_error(path, exc) from None
            values[qkey] = value
    for key, value in (overrides or {}).items():
        values[project.qualify(key)] = _override(value)
    for key in secret_overrides or {}:
        values[project.qualify(key)] = {"secure": None}  # set with --secret: encrypted, as the CLI stores it
    try:
        check_stack_against_project(project.name, project.config_schema, stack or "dev", values)
    except RuleError as exc:
        raise _rule_error(where, exc) from None
    for qkey, value in values.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            # Encrypted with the stack's secrets provider: not readable offline.
            raw[qkey] = "[secret]"
            secret_keys.append(qkey)
        else:
            raw[qkey] = value
    for key in (overrides or {}):
        raw[project.qualify(key)] = overrides[key]  # the program reads the string it was given
    for key, value in (secret_overrides or {}).items():
        raw[project.qualify(key)] = value
    return {k: _wire(v) for k, v in sorted(raw.items())}, secret_keys


def parse_overrides(pairs: list[str], flag: str = "--config", secret: bool = False) -> dict[str, str]:
    """``key=value`` pairs; an error names the pair, or only its key for ``secret`` pairs (never the value)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        shown = repr(f"{key}=[secret]" if secret and sep else ("[secret]" if secret else pair))
        if not sep:
            raise ProjectError(f"{flag} {shown}: expected key=value, e.g. {flag} siaga:azCount=2")
        if not key.strip():
            raise ProjectError(f"{flag} {shown}: the key is empty")
        out[key.strip()] = value
    return out

"""Reads a Pulumi project (Pulumi.yaml) and its stack config files the way the CLI does."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def load_project(root: Path) -> Project:
    root = root.resolve()
    candidates = [root / "Pulumi.yaml", root / "Pulumi.yml"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise ProjectError(f"{root}: no Pulumi.yaml here; a Pulumi program folder has one")
    try:
        data = load_yaml(path, "project file") or {}
    except InputFileError as exc:
        raise ProjectError(str(exc)) from None
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: must be a mapping (name, runtime, ...), not a {type(data).__name__}")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        raise ProjectError(f"{path}: 'name' is required (a string)")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProjectError(f"{path}: runtime is {runtime_name!r}; the offline engine runs Python programs only")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    if options is not None and not isinstance(options, dict):
        raise ProjectError(f"{path}: runtime.options {options!r}; allowed: a mapping (toolchain, virtualenv)")
    scd = data.get("stackConfigDir")
    if scd is not None and not isinstance(scd, str):
        raise ProjectError(f"{path}: stackConfigDir {scd!r}; allowed: a folder path (a string)")
    main = data.get("main")
    if main is not None and not isinstance(main, str):
        raise ProjectError(f"{path}: main {main!r}; allowed: a path (a string)")
    schema = data.get("config")
    if schema is not None and not isinstance(schema, dict):
        raise ProjectError(f"{path}: 'config' must be a mapping of key: declaration, not a {type(schema).__name__}")
    return Project(
        root=root,
        name=data["name"],
        main=str(data.get("main") or "__main__.py"),
        stack_config_dir=(root / scd) if scd else None,
        config_schema=data.get("config") or {},
        runtime_options=dict(options or {}),
    )


def _wire(value: Any) -> str:
    """The CLI hands every config value to the program as a string; objects and lists as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def load_stack_config(project: Project, stack: str | None, overrides: dict[str, str] | None = None,
                      secret_overrides: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Returns (config as the program sees it, secret keys): defaults, stack file, then overrides, then secret
    overrides (``--secret-config``: their keys are secret, as ``pulumi config set --secret`` makes them)."""
    raw: dict[str, Any] = project.defaults()
    secret_keys: list[str] = []
    if stack is not None:
        path = project.stack_file(stack)
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
            qkey = project.qualify(str(key))
            if isinstance(value, dict) and set(value) == {"secure"}:
                # Encrypted with the stack's secrets provider: not readable offline.
                raw[qkey] = "[secret]"
                secret_keys.append(qkey)
            else:
                raw[qkey] = value
    for key, value in (overrides or {}).items():
        raw[project.qualify(key)] = value
    for key, value in (secret_overrides or {}).items():
        qkey = project.qualify(key)
        raw[qkey] = value
        if qkey not in secret_keys:
            secret_keys.append(qkey)
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

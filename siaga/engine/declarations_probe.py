"""Reads the output properties a resource type declares, from the SDK classes of the interpreter it runs in.

Run BY PATH with the interpreter that runs the program (``python declarations_probe.py``): it uses only the
standard library and that interpreter's own ``pulumi`` SDK, never siaga (siaga is not installed there). It answers
JSON lines on stdin with JSON lines on stdout, one answer per request, until stdin closes:

- ``{"op": "inventory"}`` -> ``{"packages": {plugin: {"module": "pulumi_aws", "version": "7.51.1"}},
  "paths": {dir: mtime_ns}}``: the provider SDKs installed (every top-level package that ships a
  ``pulumi-plugin.json``, as generated SDKs do) and the folders that were scanned, so the caller can tell later
  whether the inventory is still true without starting this script again;
- ``{"op": "describe", "token": "aws:s3/bucketV2:BucketV2"}`` -> ``{"token": ..., "outputs": {wire: descriptor}}``
  (``outputs`` null when no class declares the token), or ``{"token": ..., "error": "..."}``.

siaga imports the same functions to answer in its own process (``Declarations(python=None)``).

A descriptor is JSON: ``{"type": "string"|"integer"|"number"|"boolean"|"array"|"object"|"resource"|"any",
"required": bool,
"input": bool|null, "items": D, "additionalProperties": D, "properties": {wire: D}, "enum": [...]}``. ``required``
is false for ``Output[Optional[T]]``; ``input`` tells whether the program can set the property (a parameter of the
resource's constructor, or a field of the nested type's ``...Args`` class), so only what the provider computes is
filled in. Written for every Python the SDK supports (3.8+): no newer syntax at run time.
"""

from __future__ import annotations

import enum
import importlib
import json
import os
import sys
import typing
from typing import Any

FORMAT = 4
"""Bumped when a descriptor's shape changes, so older cached answers are not read."""

MAX_DEPTH = 6
"""Nested output types deeper than this are described as an object without fields (recursive types stop)."""

_PULUMI_NAME = "_pulumi_name"  # what @pulumi.getter(name=...) sets on the getter (pulumi/_types.py)


def inventory() -> dict[str, Any]:
    """Every provider SDK on sys.path: plugin name -> its top-level module and version (from pulumi-plugin.json)."""
    packages: dict[str, Any] = {}
    paths: dict[str, int] = {}
    for entry in sys.path:
        if not entry or not os.path.isdir(entry):
            continue
        real = os.path.realpath(entry)
        if real in paths:
            continue
        try:
            paths[real] = os.stat(real).st_mtime_ns
            names = os.listdir(real)
        except OSError:
            continue
        for name in names:
            if not name.isidentifier():
                continue
            plugin_file = os.path.join(real, name, "pulumi-plugin.json")
            try:
                with open(plugin_file, encoding="utf-8") as fh:
                    info = json.load(fh)
            except (OSError, ValueError):
                continue
            plugin = info.get("name") if isinstance(info, dict) else None
            if not isinstance(plugin, str) or not plugin or plugin in packages:
                continue  # the first one on sys.path wins, as the import system decides
            version = info.get("version")
            if not isinstance(version, str) or not version:
                # no version recorded: the package's own files tell whether it changed
                init = os.path.join(real, name, "__init__.py")
                try:
                    version = "unversioned-" + str(os.stat(init).st_mtime_ns)
                except OSError:
                    version = "unversioned"
            packages[plugin] = {"module": name, "version": version, "path": os.path.join(real, name)}
    return {"packages": packages, "paths": paths}


def find_class(token: str, packages: dict[str, Any]) -> type | None:
    """The resource class for a type token, from the registrations the package makes at import.

    Generated SDKs call ``pulumi.runtime.register_resource_module(pkg, mod, Module(mod_info))`` for every module
    (``_utilities.register`` in the package's ``__init__``), with ``mod_info = {"fqn": python module, "classes":
    {token: class name}}``: the same table the SDK uses to rebuild resources from references. Tokens a package
    registers no module for follow the generators' layout: ``pkg:a/b:Type`` -> ``<package>.a.b.Type`` (the
    ``index`` module is the package itself).
    """
    parts = token.split(":")
    if len(parts) != 3:
        return None
    pkg, mod, type_name = parts
    info = packages.get(pkg)
    if not info:
        return None
    root = importlib.import_module(info["module"])
    from pulumi.runtime import rpc  # noqa: PLC0415 - after the package registered its modules

    registry = getattr(rpc, "_RESOURCE_MODULES", {})
    for module in registry.get(f"{pkg}:{mod}", []):
        mod_info = getattr(module, "mod_info", None)
        if isinstance(mod_info, dict) and token in (mod_info.get("classes") or {}):
            found = getattr(importlib.import_module(mod_info["fqn"]), mod_info["classes"][token], None)
            if isinstance(found, type):
                return found
    candidates = [info["module"]] if mod in ("index", "") else []
    segments = [s for s in mod.split("/") if s]
    if segments and mod != "index":
        # kubernetes: "apps/v1" -> apps.v1, "helm.sh/v3" -> helm.v3, "networking.k8s.io/v1" -> networking.v1
        candidates.append(".".join([info["module"]] + [s.split(".")[0] for s in segments]))
        candidates.append(f"{info['module']}.{segments[0].split('.')[0]}")  # aws: "s3/bucketV2" -> s3
    for name in candidates:
        try:
            found = getattr(importlib.import_module(name), type_name, None)
        except ImportError:
            continue
        if isinstance(found, type):
            return found
    found = getattr(root, type_name, None)
    return found if isinstance(found, type) else None


def _token_of(cls: type) -> str | None:
    """The type token of a resource class, from the modules its package registered (``mod_info``: the table the SDK
    rebuilds resources from references with): what a reference to such a resource must name."""
    from pulumi.runtime import rpc  # noqa: PLC0415

    for modules in getattr(rpc, "_RESOURCE_MODULES", {}).values():
        for module in modules:
            info = getattr(module, "mod_info", None)
            if not isinstance(info, dict):
                continue
            fqn = str(info.get("fqn") or "")
            if cls.__module__ != fqn and not cls.__module__.startswith(fqn + "."):
                continue
            for token, name in (info.get("classes") or {}).items():
                if name == cls.__name__:
                    return token
    return None


def _getters(cls: type) -> dict[str, Any]:
    """wire name -> (python name, getter function) for every ``@pulumi.getter`` property of the class."""
    out: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        for python_name, value in vars(base).items():
            if isinstance(value, property) and value.fget is not None:
                wire = getattr(value.fget, _PULUMI_NAME, None)
                if isinstance(wire, str):
                    out[wire] = (python_name, value.fget)
    return out


_GLOBALS: dict[type, dict[str, Any]] = {}


def _globals(cls: type) -> dict[str, Any]:
    """The names the class's annotations may use (its module's, and its bases' modules'), built once per class."""
    found = _GLOBALS.get(cls)
    if found is None:
        found = {}
        for base in reversed(cls.__mro__):
            module = sys.modules.get(base.__module__)
            if module is not None:
                found.update(vars(module))
        _GLOBALS[cls] = found
    return found


def _hints(fn: Any, cls: type) -> Any:
    import pulumi  # noqa: PLC0415

    globalns = _globals(cls)
    try:
        return typing.get_type_hints(fn, globalns=globalns, localns={"Output": pulumi.Output, "T": type(None)}).get(
            "return")
    except Exception:  # noqa: BLE001 - an annotation that does not resolve is described as "any"
        return None


def _unwrap(hint: Any) -> tuple:
    """(T, required) from Output[T] / Optional[T] / Input[T]."""
    import pulumi  # noqa: PLC0415

    required = True
    for _ in range(4):
        origin = typing.get_origin(hint)
        if origin is pulumi.Output:
            hint = typing.get_args(hint)[0]
            continue
        if origin is typing.Union:
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            if len(args) < len(typing.get_args(hint)):
                required = False
            plain = [a for a in args if typing.get_origin(a) not in (pulumi.Output,) and
                     not _is_awaitable(a)]
            hint = plain[0] if plain else (args[0] if args else Any)
            continue
        break
    return hint, required


def _is_awaitable(hint: Any) -> bool:
    import collections.abc  # noqa: PLC0415

    return typing.get_origin(hint) in (typing.Awaitable, collections.abc.Awaitable)


def _input_fields(output_cls: type) -> set | None:
    """The fields a program may set on a nested type: those of its ``<Name>Args`` class in ``_inputs``."""
    package = output_cls.__module__.rsplit(".", 1)[0]
    for module_name in (f"{package}._inputs", f"{package}.inputs"):
        module = sys.modules.get(module_name)
        if module is None:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
        args_cls = getattr(module, output_cls.__name__ + "Args", None)
        if isinstance(args_cls, type):
            return set(_getters(args_cls))
    return None


def describe_type(hint: Any, depth: int = 0, computed_only: bool = False) -> dict[str, Any]:
    """The descriptor of one annotation. ``computed_only``: for an object the program gives, only the fields
    it cannot give (the ones the provider fills), so the description stays small."""
    import pulumi  # noqa: PLC0415

    hint, required = _unwrap(hint)
    desc: dict[str, Any] = {"required": required}
    origin = typing.get_origin(hint)
    import collections.abc as cabc  # noqa: PLC0415

    if hint is str:
        desc["type"] = "string"
    elif hint is bool:
        desc["type"] = "boolean"
    elif hint is int:
        desc["type"] = "integer"
    elif hint is float:
        desc["type"] = "number"
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        values = [m.value for m in hint]
        desc["type"] = "string" if all(isinstance(v, str) for v in values) else "any"
        desc["enum"] = values
    elif origin in (list, tuple, cabc.Sequence) or hint in (list, tuple):
        args = typing.get_args(hint)
        desc["type"] = "array"
        desc["items"] = describe_type(args[0], depth + 1, computed_only) if args else {"type": "any"}
    elif origin in (dict, cabc.Mapping) or hint is dict:
        args = typing.get_args(hint)
        desc["type"] = "object"
        desc["additionalProperties"] = describe_type(args[1], depth + 1, computed_only) if len(args) == 2 \
            else {"type": "any"}
    elif isinstance(hint, type) and hasattr(hint, "_pulumi_output_type"):
        desc["type"] = "object"
        desc["class"] = hint.__name__
        if depth < MAX_DEPTH:
            inputs = _input_fields(hint)
            props: dict[str, Any] = {}
            for wire, (_, fn) in _getters(hint).items():
                is_input = None if inputs is None else wire in inputs
                if computed_only and is_input is not False:
                    sub = describe_type(_hints(fn, hint), depth + 1, computed_only=True)
                    if sub.get("type") != "object" or not (sub.get("properties") or sub.get("items")):
                        continue
                else:
                    sub = describe_type(_hints(fn, hint), depth + 1)
                sub["input"] = is_input
                props[wire] = sub
            desc["properties"] = props
    elif isinstance(hint, type) and issubclass(hint, pulumi.Resource):
        desc["type"] = "resource"  # a resource object (a component's child): only the engine can make one
        desc["class"] = f"{hint.__module__}.{hint.__name__}"
        desc["custom"] = issubclass(hint, pulumi.CustomResource)
        token = _token_of(hint)
        if token:
            desc["token"] = token
    elif hint is pulumi.Output or hint is Any or hint is None:
        desc["type"] = "any"
    else:
        desc["type"] = "any"
    if computed_only and desc["type"] == "array":
        items = desc["items"]
        if not items.get("properties") and not (items.get("items") or {}).get("properties"):
            desc.pop("items")
    return desc


def describe(token: str, packages: dict[str, Any]) -> dict[str, Any] | None:
    """wire name -> descriptor for every output property the token's class declares, or None."""
    cls = find_class(token, packages)
    if cls is None:
        return None
    init = getattr(cls, "_internal_init", None)
    code = getattr(init, "__code__", None)
    input_names = set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]) if code else None
    outputs: dict[str, Any] = {}
    _GLOBALS.clear()
    import pulumi  # noqa: PLC0415

    # a component's outputs are all its provider's (awsx Vpc takes `natGateways` as a strategy and answers the NAT
    # gateways it made): described whole, not only the fields a program cannot give
    component = not issubclass(cls, pulumi.CustomResource)
    for wire, (python_name, fn) in _getters(cls).items():
        if wire in ("id", "urn"):
            continue
        is_input = None if input_names is None else python_name in input_names
        desc = describe_type(_hints(fn, cls), computed_only=bool(is_input) and not component)
        desc["input"] = is_input
        outputs[wire] = desc
    return outputs


def serve(stdin: Any = None, stdout: Any = None) -> None:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if stdout is sys.__stdout__:
        sys.stdout = sys.stderr  # what a package prints when imported must not be taken for an answer
    packages: dict[str, Any] | None = None
    for line in stdin:
        if not line.strip():
            continue
        answer: dict[str, Any]
        try:
            request = json.loads(line)
            if request.get("op") == "inventory":
                found = inventory()
                packages = found["packages"]
                answer = found
            else:
                token = str(request.get("token", ""))
                if packages is None:
                    packages = inventory()["packages"]
                answer = {"token": token}
                try:
                    answer["outputs"] = describe(token, packages)
                except Exception as exc:  # noqa: BLE001 - one bad type must not stop the others
                    answer["error"] = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()


if __name__ == "__main__":
    # Run by path: the folder of this script must not shadow the program's modules.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    serve()

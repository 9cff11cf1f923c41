"""The rules the Pulumi CLI applies to ``Pulumi.yaml`` before any program runs, so siaga refuses what it refuses.

Read from pulumi/pulumi ``sdk/go/common/workspace``: ``loaders.go`` (``projectLoader.load``: ``ValidateProject``,
then ``RewriteConfigPathIntoStackConfigDir``, ``RewriteShorthandConfigValues``, ``Project.Validate``),
``project.go`` (those functions, ``ValidateConfigValue``, ``configKeyIsNamespacedByProject``, ``findClosestKey``),
``project.json`` (the JSON schema ``ValidateProject`` checks) and ``project_test.go`` (the cases the fixtures under
``tests/fixtures/project/`` are written from). The Python language host's ``parseOptions``
(``sdk/python/cmd/pulumi-language-python/main.go``) adds the rules of ``runtime.options`` for ``python``.

Each rule returns the CLI's own message (its wording, where it has one); :func:`check_project` stops at the first,
as the CLI's loader does. ``project.py`` puts the file in front: one line naming the file, the key and the rule.
"""

from __future__ import annotations

import math
import re
from typing import Any

STRING, INTEGER, BOOLEAN, ARRAY, OBJECT = "string", "integer", "boolean", "array", "object"
SIMPLE_TYPES = (STRING, INTEGER, BOOLEAN, ARRAY)
"""``$defs/simpleConfigType`` of project.json: ``object`` is not a config type (pulumi/pulumi#11321 is open; #20129,
which would add it to the schema, is not merged), so an object-valued key can only be declared untyped."""
_TOP_STRINGS = ("description", "author", "website", "license", "main", "stackConfigDir")
"""Top-level properties the schema types ``["string", "null"]``."""
_DECLARATION_KEYS = ("default", "description", "items", "secret", "type", "value")
"""``$defs/configTypeDeclaration`` properties (``additionalProperties: false``)."""
PYTHON_TOOLCHAINS = ("pip", "poetry", "uv")
PYTHON_TYPECHECKERS = ("mypy", "pyright")
_ATOI = re.compile(r"[+-]?[0-9]+\Z")
"""What Go's ``strconv.Atoi`` accepts (the range aside): ``ValidateConfigValue`` takes such strings as integers."""


class RuleError(Exception):
    """A rule the CLI applies is broken; ``str()`` is the CLI's message (one line)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def _go_type(value: Any) -> str:
    """The JSON-schema type name of a YAML value, as the schema validator reports it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _is_integer(value: Any) -> bool:
    """JSON schema ``integer``: a number with no fractional part (bool is not a number)."""
    return not isinstance(value, bool) and (isinstance(value, int) or (isinstance(value, float)
                                                                       and math.isfinite(value) and value.is_integer()))


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def closest_key(needle: str, haystack: list[str], max_distance: int = 2) -> str:
    """``findClosestKey``: the key nearest to ``needle`` (case-insensitive Levenshtein <= 2), first alphabetically."""
    match, best = "", max_distance + 1
    for key in sorted(haystack):
        d = levenshtein(needle.lower(), key.lower())
        if d == 0:
            return key
        if d < best:
            match, best = key, d
    return match


def namespaced_by_project(project: str, key: str) -> bool:
    """``configKeyIsNamespacedByProject``: no namespace, or the project's own."""
    return ":" not in key or key.startswith(project + ":")


def full_type_name(type_name: str, items: dict[str, Any] | None) -> str:
    """``InferFullTypeName``: ``array<array<string>>``."""
    if items is not None:
        return f"array<{full_type_name(str(items.get('type')), items.get('items'))}>"
    return type_name


def config_value_ok(type_name: str, items: dict[str, Any] | None, value: Any) -> bool:
    """``ValidateConfigValue``: a default (typed YAML) or a stack value (its string, or the decoded JSON of an
    object/array value) against a declared type."""
    if type_name == STRING:
        return isinstance(value, str)
    if type_name == INTEGER:
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return math.isfinite(value) and value == math.trunc(value)
        return isinstance(value, str) and bool(_ATOI.match(value))
    if type_name == BOOLEAN:
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == OBJECT:
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    return all(config_value_ok(str(items.get("type")), items.get("items"), item) for item in value)


# --- ValidateProject: the manual checks, then the JSON schema -------------------------------------------------


def _missing(attr: str, project: dict[str, Any]) -> RuleError:
    found = closest_key(attr, [k for k in project if k != attr])
    suffix = f"; found '{found}' instead" if found else ""
    return RuleError(f"project is missing a '{attr}' attribute{suffix}", attr)


def _not_allowed(where: str, attr: str, allowed: tuple[str, ...]) -> RuleError:
    """The schema's ``additionalProperties 'x' not allowed`` with the CLI's suggestion."""
    msg = f"{where}: additionalProperties '{attr}' not allowed"
    near = closest_key(attr, list(allowed))
    if near:
        msg += f"; did you mean '{near}'?"
    elif len(allowed) > 1:
        names = [f"'{a}'" for a in sorted(allowed)]
        msg += f"; the allowed attributes are {', '.join(names[:-1])} and {names[-1]}"
    else:
        msg += f"; the only allowed attribute is '{allowed[0]}'"
    return RuleError(msg, where.removeprefix("#/").replace("/", "."))


def _expected(where: str, wanted: str, value: Any) -> RuleError:
    return RuleError(f"{where}: expected {wanted}, but got {_go_type(value)}", where.removeprefix("#/").replace("/", "."))


def _check_items(where: str, items: Any) -> None:
    """``$defs/configItemsType``: an object with ``type`` (a simple type) and, for arrays, ``items``."""
    if not isinstance(items, dict):
        raise _expected(where, "object", items)
    if "type" not in items:
        raise RuleError(f"{where}: missing properties: 'type'", where.removeprefix("#/").replace("/", "."))
    if items["type"] not in SIMPLE_TYPES:
        raise RuleError(f"{where}/type: value must be one of {', '.join(repr(t) for t in SIMPLE_TYPES)}",
                        where.removeprefix("#/").replace("/", "."))
    if items["type"] == ARRAY and "items" not in items:
        raise RuleError(f"{where}: missing properties: 'items'", where.removeprefix("#/").replace("/", "."))
    if "items" in items:
        _check_items(f"{where}/items", items["items"])


def _check_declaration(key: str, decl: Any) -> None:
    """``config`` entries: a string, integer, boolean, array, or a ``configTypeDeclaration``."""
    where = f"#/config/{key}"
    if isinstance(decl, (str, list)) or _is_integer(decl) or isinstance(decl, bool):
        return
    if not isinstance(decl, dict):
        raise RuleError(f"{where}: oneOf failed: expected string, integer, boolean, array or a declaration "
                        f"(type, items, description, secret, default, value), but got {_go_type(decl)}", key)
    for attr in decl:
        if attr not in _DECLARATION_KEYS:
            raise _not_allowed(where, str(attr), _DECLARATION_KEYS)
    if "type" in decl and decl["type"] not in SIMPLE_TYPES:
        raise RuleError(f"{where}/type: value must be one of {', '.join(repr(t) for t in SIMPLE_TYPES)} "
                        f"(got {decl['type']!r}; an object-valued key is declared without a type)", key)
    if "description" in decl and not isinstance(decl["description"], str):
        raise _expected(f"{where}/description", "string", decl["description"])
    if "secret" in decl and not isinstance(decl["secret"], bool):
        raise _expected(f"{where}/secret", "boolean", decl["secret"])
    if "items" in decl:
        _check_items(f"{where}/items", decl["items"])


def _check_runtime(runtime: Any) -> None:
    if isinstance(runtime, str):
        if not runtime:
            raise RuleError("#/runtime: length must be >= 1, but got 0", "runtime")
        return
    if not isinstance(runtime, dict):
        raise RuleError(f"#/runtime: oneOf failed: expected string or object, but got {_go_type(runtime)}", "runtime")
    for attr in runtime:
        if attr not in ("name", "options"):
            raise _not_allowed("#/runtime", str(attr), ("name", "options"))
    name = runtime.get("name")
    if name is not None and not isinstance(name, str):
        raise _expected("#/runtime/name", "string", name)
    if isinstance(name, str) and not name:
        raise RuleError("#/runtime/name: length must be >= 1, but got 0", "runtime.name")
    if "options" in runtime and not isinstance(runtime["options"], dict):
        raise _expected("#/runtime/options", "object", runtime["options"])


def _check_schema(project: dict[str, Any]) -> None:
    """project.json, the parts a Python project meets (name, runtime, main, stackConfigDir, config, backend,
    options, plugins); unknown top-level keys are allowed (``additionalProperties: true``)."""
    if "runtime" not in project:
        raise _missing("runtime", project)
    _check_runtime(project["runtime"])
    for attr in _TOP_STRINGS:
        if project.get(attr) is not None and not isinstance(project[attr], str):
            raise _expected(f"#/{attr}", "string or null", project[attr])
    config = project.get("config")
    if config is not None and not isinstance(config, (dict, str)):
        raise _expected("#/config", "object, string or null", config)
    if isinstance(config, dict):
        for key, decl in config.items():
            if key == "secret" and not isinstance(decl, bool):  # the schema's one named property of config
                raise _expected("#/config/secret", "boolean", decl)
            _check_declaration(str(key), decl)
    backend = project.get("backend")
    if backend is not None:
        if not isinstance(backend, dict):
            raise _expected("#/backend", "object or null", backend)
        for attr in backend:
            if attr != "url":
                raise _not_allowed("#/backend", str(attr), ("url",))
        if "url" in backend and not isinstance(backend["url"], str):
            raise _expected("#/backend/url", "string", backend["url"])
    options = project.get("options")
    if options is not None:
        if not isinstance(options, dict):
            raise _expected("#/options", "object or null", options)
        for attr in options:
            if attr != "refresh":
                raise _not_allowed("#/options", str(attr), ("refresh",))
        if "refresh" in options and options["refresh"] != "always":
            raise RuleError("#/options/refresh: value must be 'always'", "options.refresh")
    plugins = project.get("plugins")
    if plugins is not None:
        if not isinstance(plugins, dict):
            raise _expected("#/plugins", "object", plugins)
        for kind in ("providers", "analyzers", "languages"):
            entries = plugins.get(kind)
            if entries is None:
                continue
            if not isinstance(entries, list):
                raise _expected(f"#/plugins/{kind}", "array", entries)
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    raise _expected(f"#/plugins/{kind}/{i}", "object", entry)
                for attr, val in entry.items():
                    if attr not in ("name", "path", "version"):
                        raise _not_allowed(f"#/plugins/{kind}/{i}", str(attr), ("name", "path", "version"))
                    if not isinstance(val, str):
                        raise _expected(f"#/plugins/{kind}/{i}/{attr}", "string", val)


def validate_project(raw: Any) -> None:
    """``ValidateProject``: an object with string keys, a non-empty string ``name``, then the schema."""
    if not isinstance(raw, dict):
        raise RuleError(f"expected project to be an object, was '{_go_type(raw) if raw is not None else 'nil'}'")
    _string_keys(raw)
    if "name" not in raw:
        raise _missing("name", raw)
    if not isinstance(raw["name"], str) or raw["name"] == "":
        raise RuleError("project is missing a non-empty string 'name' attribute", "name")
    _check_schema(raw)


def _string_keys(value: Any) -> None:
    """``SimplifyMarshalledValue``: every mapping key is a string."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(key, str):
                raise RuleError(f"expected only string keys, got '{key}'")
            _string_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            _string_keys(inner)


# --- the rewrites and Project.Validate ------------------------------------------------------------------------


def rewrite(raw: dict[str, Any]) -> dict[str, Any]:
    """``RewriteConfigPathIntoStackConfigDir`` then ``RewriteShorthandConfigValues``: ``config: PATH`` is the old
    spelling of ``stackConfigDir``; a plain value is a ``default`` of a project key or the ``value`` of another
    namespace's key. Returns a new mapping."""
    project = dict(raw)
    config = project.get("config")
    if isinstance(config, str):
        if "stackConfigDir" in project:
            raise RuleError("Should not use both config and stackConfigDir to define the stack directory. "
                            "Use only stackConfigDir instead.", "config")
        project["stackConfigDir"], project["config"] = config, None
        return project
    if isinstance(config, dict):
        out: dict[str, Any] = {}
        for key, value in config.items():
            if isinstance(value, (str, list, int)):  # isPrimitiveValue (string, int, bool) or isArray
                out[key] = {"default" if namespaced_by_project(project["name"], key) else "value": value}
            else:
                out[key] = value
        project["config"] = out
    return project


def validate_config_declarations(name: str, config: dict[str, Any]) -> None:
    """``Project.Validate`` over ``config`` (sorted keys: the CLI walks a Go map, in no fixed order)."""
    for key in sorted(config):
        decl = config[key]
        if not isinstance(decl, dict):
            continue
        default, value, type_name = decl.get("default"), decl.get("value"), decl.get("type")
        if default is not None and value is not None:
            raise RuleError(f"project config '{key}' cannot have both a 'default' and 'value' attribute", key)
        if namespaced_by_project(name, key):
            if type_name == ARRAY and decl.get("items") is None:
                raise RuleError(f"The configuration key '{key}' declares an array but does not specify the "
                                "underlying type via the 'items' attribute", key)
            if type_name is not None and default is not None and not config_value_ok(type_name, decl.get("items"),
                                                                                    default):
                raise RuleError(f"The default value specified for configuration key '{key}' is not of the expected "
                                f"type '{full_type_name(type_name, decl.get('items'))}'", key)
        else:
            if type_name is not None:
                raise RuleError(f"Configuration key '{key}' is not namespaced by the project and should not "
                                "define a type", key)
            if default is not None:
                raise RuleError(f"Configuration key '{key}' is not namespaced by the project and should not define "
                                "a default value. Did you mean to use the 'value' attribute instead of 'default'?",
                                key)
            if value is None:
                raise RuleError(f"Configuration key '{key}' is namespaced and must provide an attribute 'value'", key)


def check_python_options(options: dict[str, Any]) -> None:
    """The Python language host's ``parseOptions``: virtualenv a string, typechecker mypy|pyright, toolchain
    pip|poetry|uv."""
    if "virtualenv" in options and not isinstance(options["virtualenv"], str):
        raise RuleError("virtualenv option must be a string", "runtime.options.virtualenv")
    tc = options.get("typechecker")
    if "typechecker" in options:
        if not isinstance(tc, str):
            raise RuleError("typechecker option must be a string", "runtime.options.typechecker")
        if tc not in PYTHON_TYPECHECKERS:
            raise RuleError(f"unsupported typechecker option: {tc}", "runtime.options.typechecker")
    tool = options.get("toolchain")
    if "toolchain" in options:
        if not isinstance(tool, str):
            raise RuleError("toolchain option must be a string", "runtime.options.toolchain")
        if tool not in PYTHON_TOOLCHAINS:
            raise RuleError(f"unsupported toolchain option: {tool}", "runtime.options.toolchain")


def check_project(raw: Any) -> dict[str, Any]:
    """Everything the CLI's loader checks, in its order; returns the project after the rewrites (config entries
    are declarations). Raises :class:`RuleError` with the first broken rule."""
    validate_project(raw)
    project = rewrite(raw)
    validate_config_declarations(project["name"], project.get("config") or {})
    runtime = project["runtime"]
    if isinstance(runtime, dict) and runtime.get("name") == "python":
        check_python_options(runtime.get("options") or {})
    return project


def check_policy_pack(raw: Any) -> dict[str, Any]:
    """``PolicyPackProject``: a mapping whose ``runtime`` (a name, or ``{name, options}``) names a runtime
    (``Validate``: "project is missing a 'runtime' attribute"); a Python pack's options as the language host
    reads them (it runs the pack with them: ``pulumi-language-python`` is also the policy pack host)."""
    if not isinstance(raw, dict):
        raise RuleError(f"expected policy pack project to be an object, was '{_go_type(raw)}'")
    runtime = raw.get("runtime")
    if isinstance(runtime, dict):
        for attr in runtime:
            if attr not in ("name", "options"):
                raise RuleError("runtime section must be a string or an object with name and options attributes",
                                "runtime")
        name = runtime.get("name")
        options = runtime.get("options")
        if options is not None and not isinstance(options, dict):
            raise RuleError("runtime section must be a string or an object with name and options attributes",
                            "runtime.options")
    elif runtime is None or isinstance(runtime, str):
        name, options = runtime, None
    else:
        raise RuleError("runtime section must be a string or an object with name and options attributes", "runtime")
    if not isinstance(name, str) or not name:
        raise RuleError("project is missing a 'runtime' attribute", "runtime")
    if name == "python":
        check_python_options(options or {})
    return raw

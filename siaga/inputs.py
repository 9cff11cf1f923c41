"""Reading the files a user hands siaga (Pulumi.yaml, stack config, waivers, policy config): any bad file is one
line naming the file and what is wrong, never a traceback.

- unreadable (missing, a dangling symlink, a folder, no permission) or larger than :data:`MAX_BYTES`;
- not UTF-8 (the byte offset is named);
- not YAML/JSON, or YAML that expands past :data:`MAX_NODES` values through aliases (a "billion laughs" file);
- YAML values that have no meaning in a config (``!!binary``, ``!!set``, other tags); timestamps stay the
  strings they were written as (``2027-03-31``), so dates reach the models that validate them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 4 * 1024 * 1024
"""A config file is a few kB; past this it is a mistake (or an attack), refused before parsing."""
MAX_NODES = 100_000
"""Values after alias expansion; a real config has hundreds."""
MAX_DEPTH = 64


class InputFileError(Exception):
    """``str()`` is one line for the user."""


class _Loader(yaml.SafeLoader):
    """Safe YAML: timestamps stay strings; binary and sets refused; a key twice in one mapping refused (PyYAML
    keeps the last silently, so a stack file's second ``siaga:domain`` would win unseen; the YAML spec says keys
    are unique, https://yaml.org/spec/1.2.2/#mapping)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue  # merge keys (<<) may be overridden by design
            ident = (key_node.tag, key_node.value)
            line = key_node.start_mark.line + 1
            if ident in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key_node.value!r} (lines {seen[ident]} and {line}); "
                    "allowed: each key once", key_node.start_mark)
            seen[ident] = line
        return super().construct_mapping(node, deep=deep)


def _string(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _refuse(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(None, None, f"{node.tag} values are not allowed in a config file",
                                            node.start_mark)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _string)
_Loader.add_constructor("tag:yaml.org,2002:binary", _refuse)
_Loader.add_constructor("tag:yaml.org,2002:set", _refuse)
_Loader.add_constructor("tag:yaml.org,2002:omap", _refuse)
_Loader.add_constructor("tag:yaml.org,2002:pairs", _refuse)
_Loader.add_constructor(None, _refuse)  # any unknown tag


def _check_size(value: Any, where: str) -> None:
    """Walks the value as a consumer would (aliases expanded) with a budget, so a small file that expands to
    billions of values is refused instead of hanging the reader."""
    budget = MAX_NODES
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise InputFileError(f"{where}: expands to more than {MAX_NODES} values (YAML aliases?); allowed: a plain "
                                 "config file")
        if depth > MAX_DEPTH:
            raise InputFileError(f"{where}: nested deeper than {MAX_DEPTH} levels; allowed: a plain config file")
        if isinstance(item, dict):
            for k, v in item.items():
                if not isinstance(k, str | int | float | bool) and k is not None:
                    raise InputFileError(f"{where}: a mapping key {k!r} is not a plain value")
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def read_text(path: Path, what: str, max_bytes: int | None = None) -> str:
    """The file's text, or InputFileError naming it: missing, dangling link, folder, too big (``max_bytes``, default
    :data:`MAX_BYTES`), not UTF-8."""
    where = f"{what} {path}"
    limit = MAX_BYTES if max_bytes is None else max_bytes
    try:
        if path.is_symlink() and not path.exists():
            raise InputFileError(f"{where}: a symbolic link to {path.readlink()} which does not exist")
        with path.open("rb") as f:  # bounded by what is read: /dev/zero or a pipe has no size to trust
            data = f.read(limit + 1)
        if len(data) > limit:
            raise InputFileError(f"{where}: more than {limit} bytes; allowed: at most {limit} bytes")
    except IsADirectoryError:
        raise InputFileError(f"{where}: is a folder, not a file") from None
    except OSError as exc:
        raise InputFileError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{where}: not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
                             ) from None


def parse_yaml(text: str, where: str) -> Any:
    """YAML (JSON is YAML too) with the rules above; InputFileError naming ``where`` otherwise."""
    try:
        value = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputFileError(f"{where}: not valid YAML{at}: {problem}") from None
    except RecursionError:
        raise InputFileError(f"{where}: nested too deeply; allowed: a plain config file") from None
    _check_size(value, where)
    return value


def load_yaml(path: Path, what: str) -> Any:
    return parse_yaml(read_text(path, what), f"{what} {path}")


class _DuplicateKey(Exception):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def load_json_or_yaml(path: Path, what: str, json_only: bool = False) -> Any:
    """JSON when the name ends in ``.json`` (or ``json_only``), else YAML; InputFileError (one line) otherwise."""
    text = read_text(path, what)
    if json_only or path.suffix.lower() == ".json":
        try:
            value = json.loads(text, object_pairs_hook=_unique_pairs)
        except _DuplicateKey as exc:
            raise InputFileError(f"{what} {path}: duplicate key {exc.args[0]!r}; allowed: each key once") from None
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{what} {path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
                                 ) from None
        except RecursionError:
            raise InputFileError(f"{what} {path}: nested too deeply") from None
        _check_size(value, f"{what} {path}")
        return value
    return parse_yaml(text, f"{what} {path}")

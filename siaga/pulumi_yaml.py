"""Generates the ``config:`` block of ``Pulumi.yaml`` from the one config model (``components.config.StackConfig``),
so the keys the Pulumi CLI knows and the keys the program reads cannot drift (tests/test_project_pulumi_yaml.py).

``python -m siaga.pulumi_yaml`` prints the file; ``--write`` rewrites it; ``--check`` exits 1 when it differs.
Everything above ``config:`` (name, runtime, description, main, stackConfigDir) is hand-written and kept as it is.

How a model field becomes a declaration follows what the CLI does with one (pulumi/pulumi
``sdk/go/common/workspace``: ``project.json``, ``Project.Validate``, ``config.go`` ``mergeConfig``):

- ``type`` is one of string, integer, boolean, array (with ``items``): ``str`` and ``Literal`` of strings are
  ``string``, ``int`` ``integer``, ``bool`` ``boolean``, a list of those ``array``. The CLI type-checks every stack
  value of a typed key, so the type is the one the stack files hold.
- Objects, lists of objects and numbers with a fraction (``float``) get **no type**: ``object`` is not in the schema's
  ``simpleConfigType`` (pulumi/pulumi#11321 open; #20129 unmerged) and there is no number type (``integer`` refuses
  ``0.1``; ``string`` would refuse the default ``0.1``). An untyped key still carries its description and default.
- ``default`` is the model's default. The CLI *applies* it: a stack that does not set the key runs with it, so it
  must be what the model would do anyway. An object section's default is ``{}`` (the model builds the same section
  from ``{}``: every nested default applies, nothing else is implied).
- A required field (no default in the model) is declared without a default: the CLI then refuses a stack that does
  not set it ("Stack 'x' is missing configuration value 'siaga:domain'"), as the model does.
- Left **undeclared** (the CLI cannot say "optional, default computed"): a field whose default is None (``default:
  null`` is no default, so declaring it would make it required) and a field whose default the model derives from
  other keys (``protectStatefulResources`` follows ``environment``; a declared default would be applied as if set).
  Both are found from the model itself (:func:`undeclared`), never listed by hand.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from components.config import NAMESPACE, StackConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
PULUMI_YAML = REPO_ROOT / "Pulumi.yaml"
_REQUIRED_SAMPLE = REPO_ROOT / "stacks" / "Pulumi.jakarta-prod.yaml"
"""Where the values of the required keys come from when the model is run to find derived defaults."""


def _scalar_type(ann: Any) -> str | None:
    if ann is bool:
        return "boolean"
    if ann is int:
        return "integer"
    if ann is str:
        return "string"
    if get_origin(ann) is Literal and all(isinstance(a, str) for a in get_args(ann)):
        return "string"
    return None


def pulumi_type(ann: Any) -> tuple[str | None, dict[str, Any] | None]:
    """(type, items) of a field annotation; (None, None) when the CLI has no type for it."""
    scalar = _scalar_type(ann)
    if scalar is not None:
        return scalar, None
    if get_origin(ann) is list:
        (inner,) = get_args(ann)
        item_type, item_items = pulumi_type(inner)
        if item_type is not None:
            return "array", ({"type": item_type} | ({"items": item_items} if item_items else {}))
    return None, None


def _model_of(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    if get_origin(ann) in (Union, types.UnionType):
        for arg in get_args(ann):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _literals(ann: Any) -> tuple[str, ...]:
    if get_origin(ann) is Literal:
        return tuple(str(a) for a in get_args(ann))
    if get_origin(ann) is list:
        return _literals(get_args(ann)[0])
    return ()


def description(name: str, field: FieldInfo) -> str:
    """The field's description, else its section's docstring (first sentence); allowed values appended."""
    text = field.description
    model = _model_of(field.annotation)
    if not text and model is not None and model.__doc__:
        text = " ".join(model.__doc__.split("\n\n")[0].split())
    if not text:
        raise ValueError(f"{NAMESPACE}:{name}: no description in components/config.py (Field(description=...)) "
                         "and no section docstring; Pulumi.yaml declares every key with one")
    allowed = _literals(field.annotation)
    if allowed and not all(a in text for a in allowed):
        text = f"{text.rstrip('.')}. One of: {', '.join(allowed)}."
    return text


def _required_sample() -> dict[str, Any]:
    data = yaml.safe_load(_REQUIRED_SAMPLE.read_text(encoding="utf-8"))["config"]
    prefix = f"{NAMESPACE}:"
    return {k[len(prefix):]: v for k, v in data.items()
            if k.startswith(prefix) and StackConfig.model_fields.get(k[len(prefix):], FieldInfo()).is_required()}


def derived_defaults() -> set[str]:
    """Fields whose value, when unset, differs between environments: the model derives them (a before-validator)."""
    base = _required_sample()
    found: set[str] = set()
    dumps = []
    for env in typing.get_args(StackConfig.model_fields["environment"].annotation):
        extra = {"natStrategy": "OnePerAz"}
        dumps.append(StackConfig.model_validate({**base, **extra, "environment": env}))
    for name in StackConfig.model_fields:
        if name == "environment":
            continue
        if len({repr(getattr(d, name)) for d in dumps}) > 1:
            found.add(name)
    return found


def undeclared() -> dict[str, str]:
    """Model fields Pulumi.yaml cannot declare -> why."""
    out: dict[str, str] = {}
    derived = derived_defaults()
    for name, field in StackConfig.model_fields.items():
        if name in derived:
            out[name] = "its default is derived from other keys (environment)"
        elif not field.is_required() and field.get_default(call_default_factory=True) is None:
            out[name] = "optional with no default (default: null would make the CLI require it)"
    return out


def declarations() -> dict[str, dict[str, Any]]:
    """``siaga:<field>`` -> its Pulumi.yaml declaration, in the model's order."""
    skip = undeclared()
    out: dict[str, dict[str, Any]] = {}
    for name, field in StackConfig.model_fields.items():
        if name in skip:
            continue
        type_name, items = pulumi_type(field.annotation)
        decl: dict[str, Any] = {}
        if type_name is not None:
            decl["type"] = type_name
        if items is not None:
            decl["items"] = items
        decl["description"] = description(name, field)
        if not field.is_required():
            default = field.get_default(call_default_factory=True)
            decl["default"] = {} if isinstance(default, BaseModel) else default
        out[f"{NAMESPACE}:{name}"] = decl
    return out


_HEADER = """\
# config: GENERATED from components/config.py by `python -m siaga.pulumi_yaml --write`; edit the model, not this
# block (tests/test_project_pulumi_yaml.py fails when the two differ). Untyped keys are objects or fractional
# numbers (the CLI has no type for them). aws:region is a value (a key of another namespace cannot have a type or
# a default). Keys left out, with why:
"""


def render(current: str | None = None) -> str:
    """The whole Pulumi.yaml: the hand-written head of ``current`` (default: the file) + the generated config."""
    text = PULUMI_YAML.read_text(encoding="utf-8") if current is None else current
    lines = text.splitlines(keepends=True)
    head = []
    for line in lines:
        if line.startswith(("config:", "# config: GENERATED")):
            break
        head.append(line)
    skipped = "".join(f"#   {NAMESPACE}:{k}: {why}\n" for k, why in undeclared().items()) or "#   none\n"
    region = StackConfig.model_fields["region"].get_default()
    config = {"aws:region": {"value": region}, **declarations()}
    body = yaml.safe_dump({"config": config}, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    return "".join(head) + _HEADER + skipped + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m siaga.pulumi_yaml", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite Pulumi.yaml")
    parser.add_argument("--check", action="store_true", help="exit 1 when Pulumi.yaml differs from the model")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        PULUMI_YAML.write_text(text, encoding="utf-8")
    elif args.check:
        if PULUMI_YAML.read_text(encoding="utf-8") != text:
            print(f"{PULUMI_YAML}: differs from components/config.py; run python -m siaga.pulumi_yaml --write",
                  file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

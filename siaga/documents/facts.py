"""Which values in the graph a deployment alone knows, and what the documents show for them.

A program run offline gets, for every output the provider computes (a load balancer's DNS name, a hosted zone's name
servers, ARNs with the account id, ids, auto-names), a plausible stand-in from the engine (siaga/engine/outputs.py
and siaga/engine/fill.py). The graph does not record which outputs those are, so this module derives it: a string
output of a resource that is not among that resource's own inputs, nor given by the stack's config or by any input
the program wrote itself (an input with no property dependency on another resource), is a value only ``pulumi up``
knows. It may flow on into other resources' inputs (a Route 53 alias takes the load balancer's DNS name): the value
is the same, so it is recognised there too.

Values without a digit (``ACTIVE``, ``ISSUED``, ``namespace/name`` ids) are not counted: the engine's stand-ins that
identify something (hosts, ARNs, ids, addresses, name servers) all carry digits, and the status words it fills are
the ones the service reports anyway.

The documents show such a value only as the deployment knows it: from ``pulumi stack output --json`` (``siaga report
--outputs FILE``: matched through the program's exports) or ``pulumi stack export`` (``--state FILE``: matched by URN
and property path); otherwise, in its place, a note that it is known after ``pulumi up`` with the command that shows
it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from siaga.engine.model import Graph, plain
from siaga.i18n import N_, Language

Path = tuple[str | int, ...]


def leaves(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every scalar in ``value`` with its path of keys and indexes."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, (*path, i))
    else:
        yield path, value


def _config_strings(config: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    for v in config.values():
        if isinstance(v, str):
            out.add(v)
            try:
                parsed = json.loads(v)
            except ValueError:
                continue
            out |= {x for _p, x in leaves(parsed) if isinstance(x, str)}
        else:
            out |= {x for _p, x in leaves(v) if isinstance(x, str)}
    return out


@dataclass(frozen=True)
class Origin:
    urn: str
    name: str
    path: Path


def invented_values(graph: Graph) -> dict[str, Origin]:
    """Every stand-in value the offline engine gave an output (see the module docstring), with where it came from.
    Empty for a graph read from a state export (its outputs are the deployment's own)."""
    if graph.source == "state":
        return {}
    given = _config_strings(graph.config)
    for r in graph.resources:
        deps = r.options.propertyDependencies
        for key, value in r.plain_inputs().items():
            if not deps.get(key):
                given |= {x for _p, x in leaves(value) if isinstance(x, str)}
    out: dict[str, Origin] = {}
    for r in graph.resources:
        if not r.custom or r.read or r.is_provider:
            continue
        own = {x for _p, x in leaves(r.plain_inputs()) if isinstance(x, str)}
        found = [(("id",), r.id)] + [(p, v) for p, v in leaves(plain(r.outputs))]
        for p, v in found:
            if (isinstance(v, str) and v not in own and v not in given and re.search(r"\d", v)
                    and len(v) >= 6 and v != "[secret]"):
                out.setdefault(v, Origin(r.urn, r.name, p))
    return out


def _at(value: Any, path: Path) -> Any:
    for step in path:
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return None
    return value


KNOWN_AFTER = N_("known after {up}: {command}")
"""What a document shows in place of a value only the deployment knows (an export holds it)."""
KNOWN_AFTER_STATE = N_("known after {up}: output {output} of {resource} in {command}")
"""The same for a value no export holds: where in the deployment's state it is."""


@dataclass
class Facts:
    """The stand-ins of one graph and what the deployment says they are (when the caller gave its outputs/state)."""

    invented: dict[str, Origin] = field(default_factory=dict)
    exports: dict[str, Any] = field(default_factory=dict)
    """The program's exports as the offline run gave them (to find which export holds a stand-in)."""
    outputs: dict[str, Any] | None = None
    """``pulumi stack output --json`` of the deployed stack, when given."""
    state: dict[str, dict[str, Any]] | None = None
    """URN -> outputs from ``pulumi stack export``, when given."""

    @classmethod
    def of(cls, graph: Graph, outputs: Mapping[str, Any] | None = None,
           state: Graph | None = None) -> Facts:
        return cls(invented=invented_values(graph), exports=dict(graph.exports),
                   outputs=dict(outputs) if outputs is not None else None,
                   state={r.urn: {**plain(r.outputs), "id": r.id} for r in state.resources} if state else None)

    def is_invented(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.invented

    def export_of(self, value: str) -> tuple[str, Path] | None:
        """The export (name, path inside it) that holds ``value`` offline."""
        for name, exported in sorted(self.exports.items()):
            for p, v in leaves(plain(exported)):
                if v == value:
                    return name, p
        return None

    def real(self, value: str) -> str | None:
        """What the deployment says ``value`` is: from ``--outputs`` by export, else from ``--state`` by URN."""
        held = self.export_of(value)
        if held is not None and self.outputs is not None:
            found = _at(self.outputs.get(held[0]), held[1])
            if isinstance(found, (str, int, float)) and not isinstance(found, bool):
                return str(found)
        origin = self.invented.get(value)
        if origin is not None and self.state is not None and origin.urn in self.state:
            found = _at(self.state[origin.urn], origin.path)
            if isinstance(found, (str, int, float)) and not isinstance(found, bool):
                return str(found)
        return None

    def command(self, value: str) -> str | None:
        """``pulumi stack output NAME`` when an export holds ``value``, else None."""
        held = self.export_of(value)
        return f"pulumi stack output {held[0]}" if held is not None else None

    def show(self, value: Any, lang: Language, code: bool = False) -> str:
        """``value`` as a document may show it: as it is when the program set it, the deployment's value when the
        caller gave it, else the note that it is known after ``pulumi up`` and where to read it. ``code``: the value
        is shown in backquotes (a real one keeps them, the note does not)."""
        text = str(value)
        if not self.is_invented(text):
            return f"`{text}`" if code else text
        real = self.real(text)
        if real is not None:
            return f"`{real}`" if code else real
        command = self.command(text)
        if command is not None:
            note = lang.gettext(KNOWN_AFTER).format(up="`pulumi up`", command=f"`{command}`")
        else:
            origin = self.invented[text]
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in origin.path).lstrip(".")
            note = lang.gettext(KNOWN_AFTER_STATE).format(up="`pulumi up`", output=f"`{where}`",
                                                         resource=f"`{origin.name}`", command="`pulumi stack export`")
        return "(" + note + ")"  # no emphasis around the code spans: the PDF has no italic monospace font

    def unmarked(self, text: str) -> list[str]:
        """The stand-ins ``text`` shows as facts (for tests and a last check before writing)."""
        return sorted(v for v in self.invented if v in text)


__all__ = ["KNOWN_AFTER", "KNOWN_AFTER_STATE", "Facts", "Origin", "invented_values", "leaves"]

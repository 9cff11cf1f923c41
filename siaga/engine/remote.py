"""What a multi-language (``remote=True``) component answers when its provider cannot run offline.

The real engine sends such a component to its provider's ``Construct`` (awsx, pulumi-eks are Node.js programs), which
creates the children and answers the component's outputs. Offline there is no such provider, so the engine answers
the way a first preview would, from what the component's SDK class declares (siaga/engine/declarations.py, as for
custom resources):

- an output that is a resource (awsx ``Vpc.vpc``) or a list of resources (``subnets``, ``natGateways``) is a
  resource reference, as the provider sends it, to a child of the component: one per zone of the region for a
  list. The child is answered to ``pulumi:pulumi:getResource`` (how the SDK rebuilds a referenced resource) with the
  outputs its own type declares, but never enters the graph: the report keeps saying the component's children were
  not seen;
- any other output the program did not give: a plausible value of its declared type in the resolved mode (lists
  one item per zone, nested objects filled: siaga/engine/fill.py), and left out (unknown, as in a first preview)
  with ``--unknowns``.

Pure functions: the recorder (siaga/engine/monitor.py) and the tests' mock runs use the same answers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from siaga.engine import outputs
from siaga.engine.derived import zone_table
from siaga.engine.fill import _Res, value
from siaga.engine.model import RESOURCE_SIG, SIG_KEY

Describe = Callable[[str], "dict[str, Any] | None"]
"""type token -> its declared outputs (Declarations.outputs_of)."""


class Child:
    """A child the component's provider would have created: known only to ``getResource``."""

    def __init__(self, urn: str, rid: str, state: dict[str, Any], custom: bool) -> None:
        self.urn, self.id, self.state, self.custom = urn, rid, state, custom

    def reference(self) -> dict[str, Any]:
        ref: dict[str, Any] = {SIG_KEY: RESOURCE_SIG, "urn": self.urn}
        if self.custom:
            ref["id"] = self.id
        return ref


def answer(type_: str, name: str, urn: str, inputs: dict[str, Any], region: str,
           declared: dict[str, Any] | None, describe: Describe, make_urn: Callable[[str, str, str], str],
           preview: bool) -> tuple[dict[str, Any], list[Child]]:
    """(outputs, children) of the remote component ``type_`` named ``name`` (URN ``urn``) given ``inputs``."""
    out: dict[str, Any] = {}
    children: list[Child] = []
    if not declared:
        return out, children
    res = _Res(type_, name, inputs, region, "", out)
    res.declared = declared
    zones = zone_table(region)
    made: dict[str, Child] = {}

    def child(desc: dict[str, Any], label: str, index: int | None) -> dict[str, Any] | None:
        token = desc.get("token")
        if not isinstance(token, str):
            return None
        child_name = f"{name}-{label}" if index is None else f"{name}-{label}-{index + 1}"
        child_urn = make_urn(urn, token, child_name)
        custom = bool(desc.get("custom", True))
        rid, state = "", {}
        if not preview and custom:
            child_inputs: dict[str, Any] = {}
            child_declared = describe(token) or {}
            if index is not None and "availabilityZone" in child_declared:
                child_inputs["availabilityZone"] = zones[index % len(zones)][0]
            vpc = made.get("aws:ec2/vpc:Vpc")
            if vpc is not None and "vpcId" in child_declared:
                child_inputs["vpcId"] = vpc.id  # the component's own VPC (awsx puts every child in it)
            if "cidrBlock" in child_declared:
                cidr = _cidr(inputs.get("cidrBlock"), index)
                if cidr:
                    child_inputs["cidrBlock"] = cidr
            rid, state = outputs.computed(token, child_name, child_inputs, region, declared=child_declared)
            if "availabilityZone" in child_inputs and "availabilityZoneId" in (child_declared or {}):
                state["availabilityZoneId"] = zones[index % len(zones)][1]  # type: ignore[operator]
        found = Child(child_urn, rid, state, custom)
        children.append(found)
        made.setdefault(token, found)
        return found.reference()

    def fill(wire: str, desc: dict[str, Any], path: tuple[str, ...]) -> Any:
        kind = desc.get("type")
        if kind == "resource":
            return child(desc, _label(path), None)
        if kind == "array":
            items = desc.get("items") or {"type": "string"}
            singular = wire[:-1] if wire.endswith("s") and len(wire) > 1 else wire
            if items.get("type") == "resource":
                return [child(items, _label(path), i) for i in range(len(zones))]
            if preview:
                return None
            return [fill(singular, items, path + (str(i),)) for i in range(len(zones))]
        if preview:
            return None
        if kind == "object" and "properties" in desc:
            return {k: fill(k, sub, path + (k,)) for k, sub in desc["properties"].items()}
        return value(res, wire, desc, path)

    for wire, desc in declared.items():
        if not isinstance(desc, dict):
            continue
        if wire in inputs and _fits(inputs[wire], desc):
            out[wire] = inputs[wire]  # the provider passes the argument through (as given, when it has the shape)
            continue
        filled = fill(wire, desc, (wire,))
        if filled is not None:
            out[wire] = filled
    if not preview:
        _ids_of_children(out, declared, children)
    return out, children


def _ids_of_children(out: dict[str, Any], declared: dict[str, Any], children: list[Child]) -> None:
    """An id output next to the resource it names is that resource's id (awsx ``vpcId`` is ``vpc.id``;
    ``publicSubnetIds`` are ids of the ``subnets``), as the component's provider sets them."""
    ids = {c.urn: c.id for c in children}

    def id_of(ref: Any) -> Any:
        return ids.get(ref.get("urn")) if isinstance(ref, dict) else None

    for wire, desc in declared.items():
        if wire not in out or not isinstance(desc, dict):
            continue
        if desc.get("type") == "string" and wire.endswith("Id") and isinstance(out.get(wire[:-2]), dict):
            found = id_of(out[wire[:-2]])
            if found:
                out[wire] = found
        elif desc.get("type") == "array" and wire.endswith("Ids"):
            stem = wire[:-3]
            word = next((stem[i:] for i in range(len(stem) - 1, -1, -1) if stem[i].isupper()), stem).lower()
            refs = out.get(stem + "s") if isinstance(out.get(stem + "s"), list) else next(  # isolatedSubnets
                (v for k, v in out.items() if k.lower() == word + "s" and isinstance(v, list)), None)
            found_ids = [id_of(r) for r in refs or []]
            if found_ids and all(found_ids):
                out[wire] = found_ids


def _fits(given: Any, desc: dict[str, Any]) -> bool:
    """Whether an argument has the shape of the output of the same name: awsx ``Vpc`` takes ``natGateways`` as a
    strategy object and answers the NAT gateways it made, so an argument is passed through only when it fits."""
    kind = desc.get("type")
    if kind == "resource":
        return False
    if kind == "array":
        return isinstance(given, list) and all(_fits(v, desc.get("items") or {}) for v in given)
    if kind == "object":
        return isinstance(given, dict) and not any(
            isinstance(sub, dict) and sub.get("type") == "resource" for sub in (desc.get("properties") or {}).values())
    shapes = {"string": str, "integer": (int, float), "number": (int, float), "boolean": bool}
    return kind not in shapes or isinstance(given, shapes[kind])  # type: ignore[arg-type]


def _cidr(block: Any, index: int | None) -> str | None:
    """The component's CIDR block for its VPC, the index-th /20 of it (at most /28) for one of a list of children
    (awsx splits the VPC's block between its subnets)."""
    if not isinstance(block, str):
        return None
    try:
        net = ipaddress.ip_network(block, strict=False)
    except ValueError:
        return None
    if index is None:
        return str(net)
    parts = net.subnets(new_prefix=min(net.prefixlen + 4, net.max_prefixlen - 4))
    for i, part in enumerate(parts):
        if i == index:
            return str(part)
    return None


def _label(path: tuple[str, ...]) -> str:
    """A child's name from where it is in the outputs (``natGateways`` -> ``natgateways``)."""
    return "-".join(p.lower() for p in path if not p.isdigit())

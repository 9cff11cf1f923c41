"""Outputs a provider derives from a resource's inputs, kept consistent with them (issue #23, "Engine semantics").

Two kinds, both what AWS decides and the provider reports after a create:

- **Zones.** A subnet placed by ``availabilityZoneId`` is in the zone of that id, and one placed by
  ``availabilityZone`` has that zone's id (EC2 ``CreateSubnet`` takes either and ``DescribeSubnets`` reports both:
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html). What is placed in a subnet is in
  the subnet's zone: an instance or spot request (``subnetId`` -> ``availabilityZone``), an EFS mount target
  (``availabilityZoneId``/``availabilityZoneName``), an Auto Scaling group (``vpcZoneIdentifiers`` ->
  ``availabilityZones``), an RDS instance or cluster through its DB subnet group (``availabilityZone``,
  ``availabilityZones``); a One Zone EFS file system's ``availabilityZoneId`` is its ``availabilityZoneName``'s.
  Names and ids come from the same table the invokes answer ``get_availability_zones`` with
  (siaga/engine/invokes.py), so a program that places subnets by the ids it got back sees the names it got back.
- **Accounts.** ARNs, owner ids and account fields carry the account of the provider the resource was created
  through: a provider that assumes a role (``assumeRoles``/``assumeRole`` ``roleArn``) works in that role's account
  (https://www.pulumi.com/registry/packages/aws/api-docs/provider/), as does ``get_caller_identity`` through it.
  Only values the engine made up are moved to that account: what the program gave is kept as it gave it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from siaga.engine.invokes import ACCOUNT_ID, availability_zones

_ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):role/")

PLACED_IN_SUBNET = {
    "aws:ec2/instance:Instance": "subnetId",
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest": "subnetId",
    "aws:efs/mountTarget:MountTarget": "subnetId",
}
SUBNET_TYPES = ("aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet")
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"


def zone_table(region: str) -> list[tuple[str, str]]:
    """(name, id) of each zone of the region, as ``get_availability_zones`` answers."""
    zones = availability_zones({}, region)
    return list(zip(zones["names"], zones["zoneIds"], strict=True))


def zone_of(region: str, *, name: Any = None, zone_id: Any = None) -> tuple[str, str] | None:
    """The (name, id) pair of the zone named ``name`` or with id ``zone_id``; None when it is not one of the
    region's (an unknown value, another region's zone: nothing is derived, nothing is invented)."""
    for pair in zone_table(region):
        if (isinstance(name, str) and pair[0] == name) or (isinstance(zone_id, str) and pair[1] == zone_id):
            return pair
    return None


def assumed_role(inputs: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(account, role name, session name) of the role a provider assumes last, None when it assumes none."""
    roles: list[Any] = []
    for key in ("assumeRoles", "assumeRole"):
        value = _decoded(inputs.get(key))
        roles.extend([value] if isinstance(value, dict) else value if isinstance(value, list) else [])
    for role in reversed(roles):
        arn = role.get("roleArn") if isinstance(role, dict) else None
        found = _ROLE_ARN.match(arn) if isinstance(arn, str) else None
        if found:
            session = role.get("sessionName") if isinstance(role.get("sessionName"), str) else ""
            return found.group(1), arn[found.end():].rsplit("/", 1)[-1], session or "siaga"
    return None


def caller_identity(role: tuple[str, str, str]) -> dict[str, Any]:
    """What ``sts get-caller-identity`` answers through a provider that assumed ``role``: the assumed-role ARN
    ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` (https://docs.aws.amazon.com/STS/latest/APIReference/
    API_AssumeRole.html, AssumedRoleUser)."""
    account, name, session = role
    return {"id": account, "accountId": account, "arn": f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
            "userId": f"AROAEXAMPLEID:{session}"}


def provider_account(inputs: Mapping[str, Any]) -> str | None:
    """The account a provider works in, from its inputs: the account of the role it assumes (the last of
    ``assumeRoles``, as the provider chains them, or ``assumeRole``), else the only one of ``allowedAccountIds``
    (the provider refuses to work in any other). Objects arrive as JSON strings (the SDK sends a provider's
    non-string inputs JSON-encoded)."""
    role = assumed_role(inputs)
    if role is not None:
        return role[0]
    allowed = _decoded(inputs.get("allowedAccountIds"))
    if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str) and \
            re.fullmatch(r"\d{12}", allowed[0]):
        return allowed[0]
    return None


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def in_account(outputs: dict[str, Any], inputs: Mapping[str, Any], account: str) -> dict[str, Any]:
    """``outputs`` with the engine's default account replaced by ``account`` in every value the program did not
    give (an input echoed as it was given keeps the account the program wrote)."""
    if account == ACCOUNT_ID:
        return outputs
    return {k: v if k in inputs and inputs[k] == v else _moved(v, account) for k, v in outputs.items()}


def _moved(value: Any, account: str) -> Any:
    if isinstance(value, str):
        return value.replace(ACCOUNT_ID, account) if ACCOUNT_ID in value else value
    if isinstance(value, dict):
        return {k: _moved(v, account) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, account) for v in value]
    return value


def derive_zones(type_: str, inputs: Mapping[str, Any], out: dict[str, Any], region: str,
                 subnet_zone: Callable[[Any], tuple[str, str] | None],
                 group_subnets: Callable[[Any], list[Any] | None]) -> None:
    """Sets the zone outputs of ``out`` that follow from the inputs (see the module's docstring).
    ``subnet_zone(id)``: the zone of a subnet the program created; ``group_subnets(name)``: the subnet ids of a
    DB subnet group it created (None when unknown to the engine)."""
    if type_ in SUBNET_TYPES:
        pair = zone_of(region, name=inputs.get("availabilityZone"), zone_id=inputs.get("availabilityZoneId"))
        if pair is not None:
            out["availabilityZone"], out["availabilityZoneId"] = pair
        return
    if type_ == "aws:efs/fileSystem:FileSystem":
        pair = zone_of(region, name=inputs.get("availabilityZoneName"))
        if pair is not None:
            out["availabilityZoneId"] = pair[1]
        return
    field = PLACED_IN_SUBNET.get(type_)
    if field is not None:
        pair = subnet_zone(inputs.get(field))
        if pair is None:
            return
        if type_ == "aws:efs/mountTarget:MountTarget":
            out["availabilityZoneName"], out["availabilityZoneId"] = pair
        elif not inputs.get("availabilityZone"):
            out["availabilityZone"] = pair[0]
        return
    if type_ == "aws:autoscaling/group:Group" and not inputs.get("availabilityZones"):
        zones = _zones_of(inputs.get("vpcZoneIdentifiers"), subnet_zone)
        if zones:
            out["availabilityZones"] = zones
        return
    if type_ in ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster"):
        subnets = group_subnets(inputs.get("dbSubnetGroupName"))
        zones = _zones_of(subnets, subnet_zone)
        if not zones:
            return
        if type_ == "aws:rds/instance:Instance" and not inputs.get("availabilityZone"):
            out["availabilityZone"] = zones[0]  # RDS picks one of the group's zones; the first stands for it
        if type_ == "aws:rds/cluster:Cluster" and not inputs.get("availabilityZones"):
            out["availabilityZones"] = zones[:3]  # Aurora spreads storage over three of the group's zones


def _zones_of(subnets: Any, subnet_zone: Callable[[Any], tuple[str, str] | None]) -> list[str]:
    if not isinstance(subnets, list):
        return []
    names = []
    for sid in subnets:
        pair = subnet_zone(sid)
        if pair is None:
            return []  # one subnet the engine does not know: the zones are not all known
        if pair[0] not in names:
            names.append(pair[0])
    return sorted(names)

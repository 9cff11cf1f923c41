"""One model of the stack's security groups, built once per stack check, shared by the behaviour policies
``sg-flows-agree`` and ``data-store-reachable``.

What it models (and why):

- Every rule of a group, whichever way it was written: inline ``ingress``/``egress`` blocks of
  ``aws.ec2.SecurityGroup`` (and ``DefaultSecurityGroup``), ``aws.vpc.SecurityGroupIngressRule`` /
  ``SecurityGroupEgressRule`` and ``aws.ec2.SecurityGroupRule`` (``type`` ingress/egress). A group's rules
  are the union of the three.
- A group created by pulumi-aws has **no egress** unless a rule gives it some: AWS adds an allow-all egress
  rule to a new VPC security group, but the provider's Create revokes it right away (IPv4 and IPv6),
  "so users don't unknowingly have/use it" -- terraform-provider-aws
  internal/service/ec2/vpc_security_group.go resourceSecurityGroupCreate, and the "NOTE on Egress rules"
  of https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group
  (AWS's own default: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html).
  ``aws.ec2.DefaultSecurityGroup`` likewise removes every rule it adopts and keeps only its inline rules
  (https://www.pulumi.com/registry/packages/aws/api-docs/ec2/defaultsecuritygroup/).
- Inline blocks and separate rule resources on the same group are taken as a union. pulumi-aws warns against
  mixing them ("rule conflicts, perpetual differences, and result in rules being overwritten":
  https://www.pulumi.com/registry/packages/aws/api-docs/vpc/securitygroupegressrule/), and an explicit
  ``egress=[]`` makes the provider manage an empty set, revoking separately created rules at the next update
  after a refresh (https://github.com/hashicorp/terraform-provider-aws/pull/32424). That conflict is not
  judged here: a stack policy sees outputs, and a deployed group's ``egress`` output lists the separate rules
  too, so "declared inline" cannot be told from "read back".
- The EKS-created cluster security group (``vpcConfig.clusterSecurityGroupId``) is not a resource of the
  stack; EKS gives it inbound all from itself and outbound all to 0.0.0.0/0
  (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html). It is modelled as a virtual group
  with those rules, plus any rule resource of the stack attached to it.
- Who sits behind a group (instances, Auto Scaling groups through their launch template, EKS clusters and
  node groups, ECS services, Lambda functions in a VPC, DMS instances, and the data stores) and in which
  subnets: a CIDR rule reaches a group when it covers the group's VPC or every subnet of its members.

References are resolved by id/name/ARN for known values and through the engine's property dependencies
for values still unknown at preview; what stays unresolved is marked ``uncertain`` so that a policy
reports "cannot be verified" rather than passing or failing on a guess.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from siaga_rules.common import UNKNOWN_STRING_VALUE, Res, StackCtx, as_list, as_number, is_unknown, lookup

SG_TYPES = ("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
ASG = "aws:autoscaling/group:Group"
INSTANCE = "aws:ec2/instance:Instance"
ECS_SERVICE = "aws:ecs/service:Service"
LAMBDA = "aws:lambda/function:Function"
DMS = "aws:dms/replicationInstance:ReplicationInstance"
DMS_SUBNETS = "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup"

ALL_PORTS = (0, 65535)
PROTOCOLS = {"-1": "all", "all": "all", "tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp",
             "1": "icmp", "icmpv6": "icmpv6", "58": "icmpv6"}


@dataclass(eq=False)
class Group:
    """A security group of the stack, or the EKS-created cluster security group of a stack's cluster (virtual)."""

    key: str
    res: Res
    virtual: bool = False

    @property
    def label(self) -> str:
        if self.virtual:
            return f"the EKS cluster security group of {self.res.name}"
        shown = self.res.get("name")
        auto = isinstance(shown, str) and re.fullmatch(re.escape(self.res.name) + r"-[0-9a-f]{7}", shown)
        return self.res.name if not isinstance(shown, str) or is_unknown(shown) or shown == self.res.name or auto \
            else f"{self.res.name} ({shown})"


@dataclass(eq=False)
class Perm:
    """One permission: a protocol/port range from (ingress) or to (egress) one peer."""

    group: Group
    direction: str
    proto: str | None
    """'all', 'tcp', 'udp', 'icmp', 'icmpv6', another protocol number, or None when unknown."""
    lo: int
    hi: int
    kind: str
    """'sg' (peer group), 'cidr', 'pl' (prefix list with known CIDRs), 'external' (a group id outside the
    stack: never one of its groups), 'pl-external' (a prefix list whose entries the stack does not show),
    'unknown' (unknown at preview)."""
    peer: Group | None = None
    cidrs: tuple[str, ...] = ()
    where: str = ""

    @property
    def uncertain(self) -> bool:
        return self.kind == "unknown" or self.proto is None

    def traffic(self) -> str:
        return traffic(self.proto, self.lo, self.hi)

    def describe(self) -> str:
        """`tcp 443 to 0.0.0.0/0 (cluster-app-https-out)`"""
        towards = "from" if self.direction == "ingress" else "to"
        if self.kind == "sg" and self.peer is not None:
            peer = "itself" if self.peer is self.group else self.peer.label
        elif self.kind in ("cidr", "pl"):
            peer = ", ".join(self.cidrs) or "no address"
        elif self.kind == "external":
            peer = f"security group {self.cidrs[0] if self.cidrs else '?'} (not in this stack)"
        elif self.kind == "pl-external":
            peer = f"prefix list {self.cidrs[0] if self.cidrs else '?'} (entries not in this stack)"
        else:
            peer = "a peer unknown before deployment"
        return f"{self.traffic()} {towards} {peer} ({self.where})"


@dataclass(eq=False)
class Member:
    """A resource behind one or more groups (compute or data store), with the CIDRs of its subnets."""

    res: Res
    groups: list[Group]
    subnets: list[str] | None
    """CIDRs of its subnets; None when unknown or not resolvable."""
    via: str = ""
    unresolved_groups: bool = False
    """Some of its security groups could not be resolved (unknown at preview)."""
    external_ids: set[str] = field(default_factory=set)
    """Ids of its security groups that are not groups of this stack (their rules are not visible)."""

    @property
    def label(self) -> str:
        return f"{self.res.name}{f' ({self.via})' if self.via else ''}"


def traffic(proto: str | None, lo: int, hi: int) -> str:
    if proto is None:
        return "unknown traffic"
    if proto == "all":
        return "all traffic"
    if proto in ("tcp", "udp"):
        return f"{proto} {lo}" if lo == hi else f"{proto} {lo}-{hi}"
    return proto


def ranges(intervals: Iterable[tuple[int, int]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in intervals)


def norm_proto(value: Any) -> str | None:
    if value is None or is_unknown(value):
        return None
    s = str(value).strip().lower()
    n = as_number(s)
    if n is not None:
        s = str(int(n))
    return PROTOCOLS.get(s, s)


def _port(value: Any) -> int | None:
    n = as_number(value)
    return None if n is None else int(n)


def port_range(proto: str | None, lo: Any, hi: Any) -> tuple[int, int] | None:
    """(from, to) of a rule; all ports for protocol -1 or a -1/absent range on tcp/udp; None when unknown."""
    if proto == "all":
        return ALL_PORTS
    if is_unknown(lo) or is_unknown(hi):
        return None
    lo_i, hi_i = _port(lo), _port(hi)
    if proto not in ("tcp", "udp"):
        return (lo_i if lo_i is not None else -1, hi_i if hi_i is not None else -1)
    if lo_i is None and hi_i is None:
        return ALL_PORTS
    lo_i = lo_i if lo_i is not None else hi_i
    hi_i = hi_i if hi_i is not None else lo_i
    if lo_i is None or hi_i is None or lo_i < 0:
        return ALL_PORTS
    return (lo_i, hi_i)


def values_at(obj: Any, path: str) -> list[Any]:
    """Every leaf value at a dotted path, through lists (``networkInterfaces.securityGroups``)."""
    cur = [obj]
    for part in path.split("."):
        nxt = []
        for c in cur:
            for item in c if isinstance(c, list) else [c]:
                v = lookup(item, part) if isinstance(item, dict) else None
                if v is not None:
                    nxt.append(v)
        cur = nxt
    out: list[Any] = []
    for c in cur:
        # a None inside a list of references is a value unknown at preview (the engine sends nested unknowns
        # as null): never a real id
        out.extend([UNKNOWN_STRING_VALUE if v is None else v for v in c] if isinstance(c, list) else [c])
    return out


def _unknown_ref(v: Any) -> bool:
    return v is None or is_unknown(v)


def _net(cidr: Any) -> ipaddress.IPv4Network | None:
    if not isinstance(cidr, str) or is_unknown(cidr):
        return None
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    return net if isinstance(net, ipaddress.IPv4Network) else None


def covers(cidr: str, addresses: Iterable[str]) -> bool:
    """True when ``cidr`` contains every one of ``addresses`` (a non-empty list of CIDRs)."""
    outer = _net(cidr)
    nets = [_net(a) for a in addresses]
    return outer is not None and bool(nets) and all(n is not None and n.subnet_of(outer) for n in nets)


def uncovered(required: Perm, offered: list[Perm]) -> list[tuple[int, int]]:
    """The part of ``required``'s port range no ``offered`` permission (same direction's peer already
    matched) allows. A rule for all traffic is satisfied by any matching permission: it is a blanket rule,
    not a request for every protocol."""
    if not offered:
        return [(required.lo, required.hi)] if required.proto in ("tcp", "udp") else [ALL_PORTS]
    if required.proto == "all" or any(p.proto == "all" for p in offered):
        return []
    same = [p for p in offered if p.proto == required.proto]
    if required.proto not in ("tcp", "udp"):
        return [] if same else [(required.lo, required.hi)]
    gaps, start = [], required.lo
    for lo, hi in sorted((p.lo, p.hi) for p in same):
        if hi < start:
            continue
        if lo > start:
            gaps.append((start, min(lo - 1, required.hi)))
        start = max(start, hi + 1)
        if start > required.hi:
            break
    if start <= required.hi:
        gaps.append((start, required.hi))
    return [g for g in gaps if g[0] <= g[1] and g[0] <= required.hi]


@dataclass(frozen=True)
class StoreSpec:
    groups: str
    subnet_group: tuple[str, str, str] | None = None
    """(property naming the subnet group, subnet group type, its subnet ids property)"""
    subnets: str | None = None
    default_engine: str | None = None
    default_port: int | None = None
    member_of: str | None = None
    """A property that makes this resource a member of another store (judged there)."""
    requires: str | None = None
    """Only a store when this property is set (OpenSearch in a VPC)."""


STORES: dict[str, StoreSpec] = {
    "aws:rds/instance:Instance": StoreSpec("vpcSecurityGroupIds", ("dbSubnetGroupName", "aws:rds/subnetGroup:SubnetGroup",
                                                                   "subnetIds"), member_of="dbClusterIdentifier"),
    "aws:rds/cluster:Cluster": StoreSpec("vpcSecurityGroupIds", ("dbSubnetGroupName", "aws:rds/subnetGroup:SubnetGroup",
                                                                 "subnetIds"), default_engine="aurora"),
    "aws:elasticache/replicationGroup:ReplicationGroup": StoreSpec(
        "securityGroupIds", ("subnetGroupName", "aws:elasticache/subnetGroup:SubnetGroup", "subnetIds"),
        default_engine="redis"),
    "aws:elasticache/cluster:Cluster": StoreSpec(
        "securityGroupIds", ("subnetGroupName", "aws:elasticache/subnetGroup:SubnetGroup", "subnetIds"),
        member_of="replicationGroupId"),
    "aws:elasticache/serverlessCache:ServerlessCache": StoreSpec("securityGroupIds", subnets="subnetIds"),
    "aws:docdb/cluster:Cluster": StoreSpec("vpcSecurityGroupIds", ("dbSubnetGroupName", "aws:docdb/subnetGroup:SubnetGroup",
                                                                   "subnetIds"), default_port=27017),
    "aws:neptune/cluster:Cluster": StoreSpec("vpcSecurityGroupIds", ("neptuneSubnetGroupName",
                                                                     "aws:neptune/subnetGroup:SubnetGroup", "subnetIds"),
                                             default_port=8182),
    "aws:redshift/cluster:Cluster": StoreSpec("vpcSecurityGroupIds", ("clusterSubnetGroupName",
                                                                      "aws:redshift/subnetGroup:SubnetGroup", "subnetIds"),
                                              default_port=5439),
    "aws:memorydb/cluster:Cluster": StoreSpec("securityGroupIds", ("subnetGroupName", "aws:memorydb/subnetGroup:SubnetGroup",
                                                                   "subnetIds"), default_port=6379),
    "aws:opensearch/domain:Domain": StoreSpec("vpcOptions.securityGroupIds", subnets="vpcOptions.subnetIds",
                                              default_port=443, requires="vpcOptions"),
}



@dataclass
class Model:
    ctx: StackCtx
    groups: dict[str, Group] = field(default_factory=dict)
    ingress: dict[str, list[Perm]] = field(default_factory=lambda: defaultdict(list))
    egress: dict[str, list[Perm]] = field(default_factory=lambda: defaultdict(list))
    unresolved_rules: list[tuple[Res, str]] = field(default_factory=list)
    """Rule resources whose own group is unknown and unresolvable (preview)."""
    members: dict[str, list[Member]] = field(default_factory=lambda: defaultdict(list))
    computes: list[Member] = field(default_factory=list)
    stores: list[tuple[Res, StoreSpec, Member]] = field(default_factory=list)
    """Data stores of the stack (members of their groups too: a CIDR covering their subnets reaches them)."""
    compute_ids: set[int] = field(default_factory=set)
    any_unresolved_compute: bool = False
    compute_external_ids: set[str] = field(default_factory=set)
    _collect: set[str] = field(default_factory=set)
    by_cidr: dict[str, tuple[list[Member], bool]] = field(default_factory=dict)
    """CIDR -> (computes all of whose subnets it covers, whether some compute's subnets are unknown): built
    lazily once per distinct CIDR, so a stack check stays linear in its rules."""
    _by_id: dict[str, Group] = field(default_factory=dict)
    _vpc_cidr: dict[str, str | None] = field(default_factory=dict)

    # ------------------------------------------------------------------ groups and references

    def build(self) -> Model:
        for sg in self.ctx.of_type(*SG_TYPES):
            g = Group(sg.urn, sg)
            self.groups[g.key] = g
            for key in sg.ids():
                self._by_id.setdefault(key, g)
        for cluster in self.ctx.of_type(EKS_CLUSTER):
            g = Group("eks-cluster-sg:" + cluster.urn, cluster, virtual=True)
            self.groups[g.key] = g
            csg = cluster.get("vpcConfig.clusterSecurityGroupId")
            if isinstance(csg, str) and not is_unknown(csg):
                self._by_id.setdefault(csg, g)
            # EKS default rules (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html)
            self.ingress[g.key].append(Perm(g, "ingress", "all", *ALL_PORTS, kind="sg", peer=g, where="EKS default"))
            self.egress[g.key].append(Perm(g, "egress", "all", *ALL_PORTS, kind="cidr", cidrs=("0.0.0.0/0",),
                                           where="EKS default"))
        self._prefix_lists = self._index_prefix_lists()
        for g in list(self.groups.values()):
            if not g.virtual:
                for direction in ("ingress", "egress"):
                    self._inline(g, direction)
        for rule in self.ctx.of_type(INGRESS_RULE, EGRESS_RULE, LEGACY_RULE):
            self._rule_resource(rule)
        self._index_members()
        return self

    def group_refs(self, res: Res, path: str) -> tuple[list[Group], bool]:
        """The groups ``res.<path>`` points at, and whether some reference stayed unresolved (unknown at
        preview with no property dependency, or an id outside the stack)."""
        found, unknown, external = self.peer_refs(res, path)
        return found, unknown or bool(external)

    def _member_groups(self, res: Res, path: str) -> tuple[list[Group], bool]:
        """Like group_refs for a member's own groups: ids outside the stack are collected (``_collect``)
        rather than counted as unknown."""
        found, unknown, external = self.peer_refs(res, path)
        self._collect.update(external)
        return found, unknown

    def peer_refs(self, res: Res, path: str) -> tuple[list[Group], bool, list[str]]:
        """(groups of the stack ``res.<path>`` points at, some value unknown and unresolvable, the known ids
        outside the stack)."""
        found: list[Group] = []
        external: list[str] = []
        unknown = False
        for v in values_at(res.props, path):
            if is_unknown(v):
                unknown = True
            elif isinstance(v, str) and v:
                g = self._by_id.get(v)
                if g is None:
                    external.append(v)
                elif g not in found:
                    found.append(g)
        if unknown:
            extra = [g for g in self._dep_groups(res, path.split(".")[0]) if g not in found]
            found.extend(extra)
            unknown = not extra
        return found, unknown, external

    def _dep_groups(self, res: Res, prop: str) -> list[Group]:
        by_urn = self.ctx.by_urn()
        out: list[Group] = []
        for urn in res.deps.get(prop, []):
            dep = by_urn.get(urn)
            if dep is None:
                continue
            g = self.groups.get(urn) if dep.type in SG_TYPES else (
                self.groups.get("eks-cluster-sg:" + urn) if dep.type == EKS_CLUSTER else None)
            if g is not None and g not in out:
                out.append(g)
        return out

    def refs(self, res: Res, path: str, *types: str) -> tuple[list[Res], bool]:
        """Resources of ``types`` at ``res.<path>`` (ids/names/ARNs, then property dependencies for unknowns)."""
        index = self.ctx.index(*types)
        found: list[Res] = []
        unresolved = unknown = False
        for v in values_at(res.props, path):
            if is_unknown(v):
                unknown = True
            elif isinstance(v, str) and v:
                r = index.get(v)
                if r is None:
                    unresolved = True
                elif r not in found:
                    found.append(r)
        if unknown:
            by_urn = self.ctx.by_urn()
            extra = [by_urn[u] for u in res.deps.get(path.split(".")[0], [])
                     if u in by_urn and by_urn[u].type in types and by_urn[u] not in found]
            found.extend(extra)
            unresolved = unresolved or not extra
        return found, unresolved

    # ------------------------------------------------------------------ rules

    def _index_prefix_lists(self) -> dict[str, list[str] | None]:
        """prefix-list id/urn -> its CIDRs (inline entries + entry resources)."""
        out: dict[str, list[str] | None] = {}
        lists = self.ctx.of_type(PREFIX_LIST)
        cidrs: dict[str, list[str] | None] = {}
        for pl in lists:
            entries = [lookup(e, "cidr") for e in as_list(pl.get("entries")) if isinstance(e, dict)]
            cidrs[pl.urn] = None if any(is_unknown(c) for c in entries) else [c for c in entries if c]
        for entry in self.ctx.of_type(PREFIX_ENTRY):
            targets, _ = self.refs(entry, "prefixListId", PREFIX_LIST)
            for pl in targets:
                c = entry.get("cidr")
                if cidrs.get(pl.urn) is not None and isinstance(c, str) and not is_unknown(c):
                    cidrs[pl.urn].append(c)  # type: ignore[union-attr]
                else:
                    cidrs[pl.urn] = None
        for pl in lists:
            for key in pl.ids():
                out.setdefault(key, cidrs[pl.urn])
        return out

    def _add(self, group: Group, direction: str, proto_v: Any, lo_v: Any, hi_v: Any, where: str, *,
             peers: list[Group], cidrs: list[Any], prefix_lists: list[Any], unresolved: bool,
             external: Iterable[str] = ()) -> None:
        proto = norm_proto(proto_v)
        rng = port_range(proto, lo_v, hi_v)
        if rng is None:
            proto, rng = None, ALL_PORTS
        target = self.ingress if direction == "ingress" else self.egress
        lo, hi = rng
        for peer in peers:
            target[group.key].append(Perm(group, direction, proto, lo, hi, kind="sg", peer=peer, where=where))
        known = [c for c in cidrs if isinstance(c, str) and c and not is_unknown(c)]
        if known:
            target[group.key].append(Perm(group, direction, proto, lo, hi, kind="cidr", cidrs=tuple(known), where=where))
        if any(_unknown_ref(c) for c in cidrs):
            target[group.key].append(Perm(group, direction, proto, lo, hi, kind="unknown", where=where))
        for pl in prefix_lists:
            if not isinstance(pl, str) or _unknown_ref(pl):
                target[group.key].append(Perm(group, direction, proto, lo, hi, kind="unknown", where=where))
                continue
            entries = self._prefix_lists.get(pl, "external")
            if entries is None:
                target[group.key].append(Perm(group, direction, proto, lo, hi, kind="unknown", where=where))
            elif entries == "external":
                target[group.key].append(Perm(group, direction, proto, lo, hi, kind="pl-external", cidrs=(pl,),
                                              where=where))
            else:
                target[group.key].append(Perm(group, direction, proto, lo, hi, kind="pl", cidrs=tuple(entries),
                                              where=where))
        if unresolved:
            target[group.key].append(Perm(group, direction, proto, lo, hi, kind="unknown", where=where))
        for ext in external:  # a known group id of another stack/account: never one of this stack's groups
            target[group.key].append(Perm(group, direction, proto, lo, hi, kind="external", cidrs=(ext,), where=where))

    def _inline(self, g: Group, direction: str) -> None:
        blocks = [b for b in as_list(g.res.get(direction)) if isinstance(b, dict)]
        if is_unknown(g.res.get(direction)):
            self._add(g, direction, "-1", None, None, f"{g.res.name} {direction}", peers=[], cidrs=[],
                      prefix_lists=[], unresolved=True)
            return
        # known ids resolve exactly; unknown ones (preview) through the property's dependencies, which
        # name the groups of all blocks at once: they are attributed only when a single block has unknowns
        leftovers = [d for d in self._dep_groups(g.res, direction)]
        with_unknown = [i for i, b in enumerate(blocks)
                        if any(_unknown_ref(v) for v in as_list(lookup(b, "securityGroups")))]
        for i, b in enumerate(blocks):
            peers: list[Group] = []
            unresolved = False
            external: list[str] = []
            for v in as_list(lookup(b, "securityGroups")):
                if _unknown_ref(v):
                    continue
                found = self._by_id.get(v) if isinstance(v, str) else None
                if found is None:
                    external.append(str(v))
                elif found not in peers:
                    peers.append(found)
            if i in with_unknown:
                extra = [d for d in leftovers if d not in peers] if len(with_unknown) == 1 else []
                peers.extend(extra)
                unresolved = unresolved or not extra
            if lookup(b, "self") is True:
                peers.append(g)
            where = f"{g.res.name} {direction}[{i}]"
            self._add(g, direction, lookup(b, "protocol"), lookup(b, "fromPort"), lookup(b, "toPort"), where,
                      peers=peers, cidrs=as_list(lookup(b, "cidrBlocks")),
                      prefix_lists=as_list(lookup(b, "prefixListIds")), unresolved=unresolved, external=external)

    def _rule_resource(self, rule: Res) -> None:
        owners, unresolved_owner = self.group_refs(rule, "securityGroupId")
        if not owners:
            own = rule.get("securityGroupId")
            if own is None or (unresolved_owner and is_unknown(own)):
                # required by AWS: absent means not known yet (a computed attribute at preview)
                self.unresolved_rules.append((rule, "securityGroupId"))
            return  # a rule on a group outside the stack
        owner = owners[0]
        if rule.type == LEGACY_RULE:
            direction = rule.get("type")
            if direction not in ("ingress", "egress"):
                self.unresolved_rules.append((rule, "type"))
                return
            peers: list[Group] = []
            unresolved = False
            external: list[str] = []
            if rule.get("sourceSecurityGroupId") is not None:
                peers, unresolved, external = self.peer_refs(rule, "sourceSecurityGroupId")
            if rule.get("self") is True:
                peers.append(owner)
            cidrs = as_list(rule.get("cidrBlocks"))
            pls = self._prefix_list_refs(rule, "prefixListIds")
            nothing = not (peers or cidrs or pls or external or rule.get("ipv6CidrBlocks"))
            self._add(owner, direction, rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"), rule.name,
                      peers=peers, cidrs=cidrs, prefix_lists=pls, unresolved=unresolved or nothing, external=external)
            return
        direction = "ingress" if rule.type == INGRESS_RULE else "egress"
        peers = []
        unresolved = False
        external = []
        if rule.get("referencedSecurityGroupId") is not None:
            peers, unresolved, external = self.peer_refs(rule, "referencedSecurityGroupId")
        pls = self._prefix_list_refs(rule, "prefixListId")
        cidrs = [rule.get("cidrIpv4")] if rule.get("cidrIpv4") is not None else []
        # AWS requires a destination/source; none visible means it is not known yet (preview)
        nothing = not (peers or cidrs or pls or external or rule.get("cidrIpv6") is not None)
        self._add(owner, direction, rule.get("ipProtocol"), rule.get("fromPort"), rule.get("toPort"), rule.name,
                  peers=peers, cidrs=cidrs, prefix_lists=pls, unresolved=unresolved or nothing, external=external)

    def _prefix_list_refs(self, rule: Res, path: str) -> list[Any]:
        """Prefix-list ids of a rule resource, unknown ones (preview) replaced by the prefix lists of the stack
        its property depends on (their URNs key the prefix-list index)."""
        values = [v for v in values_at(rule.props, path) if v is not None]
        if not any(_unknown_ref(v) for v in values):
            return values
        by_urn = self.ctx.by_urn()
        deps = [u for u in rule.deps.get(path, []) if u in by_urn and by_urn[u].type == PREFIX_LIST]
        known = [v for v in values if not _unknown_ref(v)]
        return known + deps if deps else values

    # ------------------------------------------------------------------ members and addresses

    def subnet_cidrs(self, res: Res, path: str) -> list[str] | None:
        subnets, unresolved = self.refs(res, path, SUBNET)
        cidrs = [s.get("cidrBlock") for s in subnets]
        if unresolved or not cidrs or any(not isinstance(c, str) or is_unknown(c) for c in cidrs):
            return None
        return cidrs  # type: ignore[return-value]

    def add_member(self, member: Member, compute: bool) -> None:
        member.external_ids = set(self._collect)
        self._collect.clear()
        for g in member.groups:
            self.members[g.key].append(member)
        if compute:
            self.computes.append(member)

    def _lt_groups(self, lt: Res) -> tuple[list[Group], bool]:
        groups: list[Group] = []
        unresolved = False
        for path in ("vpcSecurityGroupIds", "securityGroupNames", "networkInterfaces.securityGroups"):
            found, unres = self._member_groups(lt, path)
            groups += [g for g in found if g not in groups]
            unresolved = unresolved or unres
        return groups, unresolved

    def _launch_templates(self, res: Res, *paths: str) -> list[Res]:
        out: list[Res] = []
        for path in paths:
            for sub in ("id", "name", "launchTemplateId", "launchTemplateName"):
                found, _ = self.refs(res, f"{path}.{sub}", LAUNCH_TEMPLATE)
                out += [lt for lt in found if lt not in out]
        return out

    def _index_members(self) -> None:
        for inst in self.ctx.of_type(INSTANCE):
            groups, unres = self._member_groups(inst, "vpcSecurityGroupIds")
            more, unres2 = self._member_groups(inst, "securityGroups")
            self.add_member(Member(inst, groups + [g for g in more if g not in groups], self.subnet_cidrs(inst, "subnetId"),
                                   unresolved_groups=unres or unres2), compute=True)
        for asg in self.ctx.of_type(ASG):
            lts = self._launch_templates(asg, "launchTemplate",
                                         "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification")
            groups: list[Group] = []
            unresolved = not lts
            via = []
            for lt in lts:
                found, unres = self._lt_groups(lt)
                groups += [g for g in found if g not in groups]
                unresolved = unresolved or unres
                via.append(f"launch template {lt.name}")
            lcs, _ = self.refs(asg, "launchConfiguration", LAUNCH_CONFIGURATION)
            for lc in lcs:
                found, unres = self._member_groups(lc, "securityGroups")
                groups += [g for g in found if g not in groups]
                unresolved = unres
                via.append(f"launch configuration {lc.name}")
            self.add_member(Member(asg, groups, self.subnet_cidrs(asg, "vpcZoneIdentifiers"), via=", ".join(via),
                                   unresolved_groups=unresolved and not groups), compute=True)
        for cluster in self.ctx.of_type(EKS_CLUSTER):
            groups, unres = self._member_groups(cluster, "vpcConfig.securityGroupIds")
            groups.append(self.groups["eks-cluster-sg:" + cluster.urn])
            self.add_member(Member(cluster, groups, self.subnet_cidrs(cluster, "vpcConfig.subnetIds"),
                                   unresolved_groups=unres), compute=True)
        for ng in self.ctx.of_type(EKS_NODE_GROUP):
            lts = self._launch_templates(ng, "launchTemplate")
            groups, unresolved = [], False
            for lt in lts:
                found, unres = self._lt_groups(lt)
                groups += [g for g in found if g not in groups]
                unresolved = unresolved or unres
            via = f"launch template {lts[0].name}" if lts else ""
            if not groups and not unresolved:
                # without security groups in its launch template, EKS puts the nodes in the cluster security
                # group (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html)
                clusters, _ = self.refs(ng, "clusterName", EKS_CLUSTER)
                groups = [self.groups["eks-cluster-sg:" + c.urn] for c in clusters]
                unresolved = not groups
            self.add_member(Member(ng, groups, self.subnet_cidrs(ng, "subnetIds"), via=via,
                                   unresolved_groups=unresolved), compute=True)
        for svc in self.ctx.of_type(ECS_SERVICE):
            if svc.get("networkConfiguration") is None:
                continue  # bridge/host networking: the container instances' groups apply
            groups, unres = self._member_groups(svc, "networkConfiguration.securityGroups")
            self.add_member(Member(svc, groups, self.subnet_cidrs(svc, "networkConfiguration.subnets"),
                                   unresolved_groups=unres), compute=True)
        for fn in self.ctx.of_type(LAMBDA):
            if not values_at(fn.props, "vpcConfig.subnetIds"):
                continue  # not in a VPC: it cannot reach a VPC data store at all
            groups, unres = self._member_groups(fn, "vpcConfig.securityGroupIds")
            self.add_member(Member(fn, groups, self.subnet_cidrs(fn, "vpcConfig.subnetIds"),
                                   unresolved_groups=unres), compute=True)
        for dms in self.ctx.of_type(DMS):
            groups, unres = self._member_groups(dms, "vpcSecurityGroupIds")
            subnets = None
            for sg in self.refs(dms, "replicationSubnetGroupId", DMS_SUBNETS)[0][:1]:
                subnets = self.subnet_cidrs(sg, "subnetIds")
            self.add_member(Member(dms, groups, subnets, unresolved_groups=unres), compute=True)

        for type_, spec in STORES.items():
            for store in self.ctx.of_type(type_):
                if (spec.member_of and store.get(spec.member_of)) or (spec.requires and not store.get(spec.requires)):
                    continue
                groups, unres = self._member_groups(store, spec.groups)
                member = Member(store, groups, self._store_subnets(store, spec), unresolved_groups=unres)
                self.add_member(member, compute=False)
                self.stores.append((store, spec, member))
        self.compute_ids = {id(m) for m in self.computes}
        self.compute_external_ids = {e for m in self.computes for e in m.external_ids}
        self.any_unresolved_compute = any(m.unresolved_groups for m in self.computes)

    def _store_subnets(self, store: Res, spec: StoreSpec) -> list[str] | None:
        if spec.subnets:
            return self.subnet_cidrs(store, spec.subnets)
        if spec.subnet_group:
            prop, group_type, subnets_prop = spec.subnet_group
            groups, _ = self.refs(store, prop, group_type)
            if groups:
                return self.subnet_cidrs(groups[0], subnets_prop)
        return None

    def vpc_cidr(self, g: Group) -> str | None:
        if g.key not in self._vpc_cidr:
            res, path = (g.res, "vpcConfig.vpcId") if g.virtual else (g.res, "vpcId")
            vpcs, _ = self.refs(res, path, VPC)
            cidr = vpcs[0].get("cidrBlock") if vpcs else None
            self._vpc_cidr[g.key] = cidr if isinstance(cidr, str) and not is_unknown(cidr) else None
        return self._vpc_cidr[g.key]

    def cidr_reaches(self, cidrs: Iterable[str], g: Group) -> bool | None:
        """Does a CIDR rule reach the members of ``g``? True when a CIDR is 0.0.0.0/0, covers g's VPC, or
        covers every subnet of g's members; None when neither the VPC nor the members' subnets are known."""
        cidrs = list(cidrs)
        if "0.0.0.0/0" in cidrs:
            return True
        vpc = self.vpc_cidr(g)
        subnets: list[str] = []
        known = True
        for m in self.members.get(g.key, []):
            if m.subnets is None:
                known = False
            else:
                subnets += m.subnets
        for c in cidrs:
            if vpc and covers(c, [vpc]):
                return True
            if known and subnets and covers(c, subnets):
                return True
        if vpc is None and not (known and subnets):
            return None
        return False

    def _by_peer(self, perms: list[Perm]) -> tuple[dict[int, list[Perm]], list[Perm]]:
        """``perms`` split once into {id(peer group): by-reference permissions} and the others (CIDR, prefix
        list, unknown), cached per list: a hub group with many rules is indexed once, not scanned per peer."""
        cache = self.__dict__.setdefault("_peer_index", {})
        if id(perms) not in cache:
            by_peer: dict[int, list[Perm]] = defaultdict(list)
            rest: list[Perm] = []
            for p in perms:
                if p.kind == "sg" and p.peer is not None:
                    by_peer[id(p.peer)].append(p)
                elif p.kind != "external":
                    rest.append(p)
            cache[id(perms)] = (perms, by_peer, rest)  # keeps perms alive: its id stays unique
        return cache[id(perms)][1], cache[id(perms)][2]

    def matching(self, perms: list[Perm], peer: Group) -> tuple[list[Perm], list[Perm]]:
        """(the permissions of ``perms`` whose peer is ``peer`` -- by reference, or a CIDR/prefix list reaching
        it --, the ones that might but cannot be told: unknown peer, ports or addresses, a prefix list the
        stack does not show)."""
        by_peer, rest = self._by_peer(perms)
        out: list[Perm] = []
        maybe: list[Perm] = []
        for p in by_peer.get(id(peer), []):
            (out if p.proto is not None else maybe).append(p)
        for p in rest:
            if p.kind in ("cidr", "pl"):
                hit = self._cidr_reaches_cached(p.cidrs, peer)
                if hit and p.proto is not None:
                    out.append(p)
                elif hit is None or p.proto is None:
                    maybe.append(p)
            else:  # unknown, pl-external
                maybe.append(p)
        return out, maybe

    def _cidr_reaches_cached(self, cidrs: tuple[str, ...], g: Group) -> bool | None:
        cache = self.__dict__.setdefault("_reach_cache", {})
        key = (cidrs, g.key)
        if key not in cache:
            cache[key] = self.cidr_reaches(cidrs, g)
        return cache[key]

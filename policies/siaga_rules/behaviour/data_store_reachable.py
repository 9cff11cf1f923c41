"""Every database or cache of the stack can be reached on its port by some compute of the stack.

"Reach" = some security group of the compute allows egress on the store's port towards the store (by
referencing one of the store's groups, or a CIDR/prefix list covering the store's subnets or VPC), AND some
group of the store admits the compute (by referencing one of its groups, or a CIDR covering every subnet of
the compute). A data store nothing can reach deploys and silently serves nobody.

A stack with no compute at all (a data-only stack whose clients live elsewhere) is not judged.
"""

from __future__ import annotations

from siaga_rules.behaviour.sg_model import Group, Member, Model, Perm, StoreSpec, covers, values_at
from siaga_rules.common import Controls, Res, StackCtx, as_number, is_unknown, stack_policy

# Default ports when `port` is not set:
# RDS https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html (Port: MySQL/MariaDB 3306,
#   PostgreSQL 5432, Oracle 1521, SQL Server 1433, Db2 50000) and API_CreateDBCluster.html (Aurora MySQL 3306,
#   Aurora PostgreSQL 5432);
# ElastiCache https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/accessing-elasticache.html (Redis OSS/Valkey
#   6379, Memcached 11211); MemoryDB 6379
#   (https://docs.aws.amazon.com/memorydb/latest/devguide/API_CreateCluster.html);
# DocumentDB 27017 (https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBCluster.html);
# Neptune 8182 (https://docs.aws.amazon.com/neptune/latest/userguide/api-clusters.html);
# Redshift 5439 (https://docs.aws.amazon.com/redshift/latest/APIReference/API_CreateCluster.html);
# OpenSearch in a VPC: HTTPS 443 (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/vpc.html).
ENGINE_PORTS = [("aurora-postgresql", 5432), ("postgres", 5432), ("aurora-mysql", 3306), ("aurora", 3306),
                ("mysql", 3306), ("mariadb", 3306), ("oracle", 1521), ("sqlserver", 1433), ("db2", 50000),
                ("custom-oracle", 1521), ("custom-sqlserver", 1433), ("redis", 6379), ("valkey", 6379),
                ("memcached", 11211)]


def _port(store: Res, spec: StoreSpec) -> tuple[int | None, str]:
    """(port, how it was decided); None when unknown."""
    port = store.get("port")
    if is_unknown(port):
        return None, "port unknown"
    n = as_number(port)
    if n is not None:
        return int(n), "its port"
    if spec.default_port is not None:
        return spec.default_port, "the service's default port"
    engine = store.get("engine") or spec.default_engine
    if is_unknown(engine):
        return None, "engine unknown"
    engine = str(engine or "").lower()
    for prefix, p in ENGINE_PORTS:
        if engine.startswith(prefix):
            return p, f"the {engine} default port"
    return None, f"engine {engine!r} has no known default port"


def _admits(perm: Perm, port: int) -> bool:
    return perm.proto == "all" or (perm.proto == "tcp" and perm.lo <= port <= perm.hi)


def _fix(store: Res, store_groups: list[Group], compute: Member | None, port: int) -> str:
    sg = store_groups[0].res.name
    csg = next((g.res.name for g in compute.groups if not g.virtual), None) if compute else None
    if csg is None:
        csg = "<the compute's security group>"
    return (f"admit the compute's group in the store's group -- aws.vpc.SecurityGroupIngressRule(security_group_id="
            f"{sg}.id, referenced_security_group_id={csg}.id, ip_protocol='tcp', from_port={port}, to_port={port}) -- "
            f"and allow it in the compute's egress -- aws.vpc.SecurityGroupEgressRule(security_group_id={csg}.id, "
            f"referenced_security_group_id={sg}.id, ip_protocol='tcp', from_port={port}, to_port={port})")


def check(ctx: StackCtx) -> None:
    model = Model(ctx).build()
    if not model.computes:
        return
    for store, spec, member in model.stores:
        _judge(ctx, model, store, spec, member)


def _judge(ctx: StackCtx, model: Model, store: Res, spec: StoreSpec, member: Member) -> None:
    port, how = _port(store, spec)
    if port is None:
        ctx.cannot_verify(store, how)
        return
    if not values_at(store.props, spec.groups):
        ctx.cannot_verify(store, f"{spec.groups} not set: the store uses its VPC's default security group, "
                                 "whose rules this stack does not show")
        return
    store_groups, unresolved = model.group_refs(store, spec.groups)
    if not store_groups:
        ctx.cannot_verify(store, f"{spec.groups} (security groups outside this stack or unknown before deployment)")
        return
    uncertain = unresolved
    # 1. which computes does the store admit on its port?
    admitted: dict[int, tuple[Member, Perm]] = {}
    unmanned: list[Group] = []  # admitted groups no visible compute of the stack sits in
    for g in store_groups:
        for perm in model.ingress.get(g.key, []):
            if perm.proto is None or perm.kind in ("unknown", "pl-external"):
                uncertain = uncertain or perm.proto is None or _admits(perm, port)
                continue
            if not _admits(perm, port):
                continue
            if perm.kind == "external":
                # a group id outside the stack: a compute of this stack that uses it may be the client, but
                # that group's egress is not visible; a client of another stack is not this policy's business
                uncertain = uncertain or perm.cidrs[0] in model.compute_external_ids
                continue
            if perm.kind == "sg" and perm.peer is not None:
                visible = [m for m in model.members.get(perm.peer.key, []) if id(m) in model.compute_ids]
                for m in visible:
                    admitted.setdefault(id(m), (m, perm))
                if not visible:
                    unmanned.append(perm.peer)
            elif perm.kind in ("cidr", "pl"):
                for c in perm.cidrs:
                    hits, unsure = _computes_in(model, c)
                    uncertain = uncertain or unsure
                    for m in hits:
                        admitted.setdefault(id(m), (m, perm))
    # 2. may one of them send on the port towards the store?
    misses: list[str] = []
    for m, perm in admitted.values():
        ok, unsure, egress = _egress_reaches(model, m, store_groups, member, port)
        if ok:
            return
        uncertain = uncertain or unsure or m.unresolved_groups
        misses.append(f"{m.label} is admitted by {perm.describe()} but the egress of its group(s) "
                      f"{', '.join(g.label for g in m.groups) or '(none)'} "
                      + (f"allows only {egress}" if egress else "has no rule at all (pulumi-aws removes AWS's "
                         "default allow-all egress)")
                      + f", nothing on tcp {port} towards {store.name}")
    if model.any_unresolved_compute:
        # a compute whose groups are unknown (preview) may sit in an admitted group that may send to the store
        uncertain = uncertain or any(_egress_reaches(model, Member(g.res, [g], None), store_groups, member, port)[0]
                                     for g in unmanned)
    if uncertain:
        ctx.cannot_verify(store, f"reachability on tcp {port} (security groups, peers or subnets unknown)")
        return
    groups = ", ".join(g.label for g in store_groups)
    if misses:
        why = "; ".join(misses[:3])
        fix_member = next(iter(admitted.values()))[0]
        sender = next((g.res.name for g in fix_member.groups if not g.virtual), "<the compute's group>")
        fix = (f"allow tcp {port} in the egress of {sender}"
               f" -- aws.vpc.SecurityGroupEgressRule(security_group_id={sender}.id, referenced_security_group_id="
               f"{store_groups[0].res.name}.id, ip_protocol='tcp', from_port={port}, to_port={port})")
    else:
        ingress = [p.describe() for g in store_groups for p in model.ingress.get(g.key, [])]
        computes = ", ".join(f"{m.label} [{', '.join(g.label for g in m.groups) or 'no security group'}]"
                             for m in model.computes[:4])
        more = f" and {len(model.computes) - 4} more" if len(model.computes) > 4 else ""
        why = (f"its group(s) {groups} admit no compute of this stack on tcp {port} ("
               + ("; ".join(ingress[:4]) if ingress else "no ingress rule at all")
               + f"); compute in this stack: {computes}{more}")
        fix = _fix(store, store_groups, model.computes[0], port)
    ctx.fail(f"no compute in this stack can reach {store.name} on tcp {port} ({how}): {why}. Fix: {fix}.", store)


def _computes_in(model: Model, cidr: str) -> tuple[list[Member], bool]:
    """The computes all of whose subnets ``cidr`` covers (cached per CIDR), and whether some compute's
    subnets are unknown."""
    cache = model.by_cidr
    if cidr not in cache:
        hits = [m for m in model.computes if m.subnets is not None and (cidr == "0.0.0.0/0" or covers(cidr, m.subnets))]
        cache[cidr] = (hits, any(m.subnets is None for m in model.computes))
    return cache[cidr]


def _egress_reaches(model: Model, m: Member, store_groups: list[Group], store: Member, port: int,
                    ) -> tuple[bool, bool, str]:
    """(reaches, uncertain, summary of the compute's egress)."""
    unsure = False
    shown: list[str] = []
    for g in m.groups:
        for perm in model.egress.get(g.key, []):
            shown.append(perm.describe())
            if perm.proto is None or perm.kind in ("unknown", "pl-external"):
                unsure = unsure or perm.proto is None or _admits(perm, port)
                continue
            if not _admits(perm, port):
                continue
            if perm.kind == "sg" and perm.peer in store_groups:
                return True, False, ""
            if perm.kind in ("cidr", "pl"):
                if "0.0.0.0/0" in perm.cidrs:
                    return True, False, ""
                if store.subnets and any(covers(c, store.subnets) for c in perm.cidrs):
                    return True, False, ""
                vpc = model.vpc_cidr(store_groups[0])
                if vpc and any(covers(c, [vpc]) for c in perm.cidrs):
                    return True, False, ""
                if store.subnets is None and vpc is None:
                    unsure = True
    return False, unsure, "; ".join(shown[:4])


POLICY = stack_policy(
    id="data-store-reachable",
    name="Data stores reachable by the stack's compute",
    category="behaviour",
    description="Every database or cache of the stack (RDS, Aurora, ElastiCache, MemoryDB, DocumentDB, Neptune, "
                "Redshift, OpenSearch in a VPC) is reachable on its port by some compute of the stack (instances, "
                "Auto Scaling groups, EKS, ECS services, Lambda in a VPC, DMS): the compute's egress allows the port "
                "towards the store and the store's security group admits the compute. Stacks without compute are "
                "not judged.",
    remediation="Admit the compute's security group on the store's port in the store's security group and allow "
                "that port towards the store's group in the compute's egress (aws.vpc.SecurityGroupIngressRule / "
                "SecurityGroupEgressRule with referenced_security_group_id).",
    check=check,
    controls=Controls(nist=("SC-7", "CP-10", "CM-6"), iso=("A.8.20", "A.8.14")),
)

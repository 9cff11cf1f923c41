"""An EKS cluster's managed node groups, together, span AZs and keep enough nodes.

One node group per AZ (the cluster-autoscaler pattern) and one node group over several AZs both pass:
the rule looks at all the node groups of a cluster together.
"""

from siaga_rules.common import Controls, Res, StackCtx, as_list, has_unknown, stack_policy, zone_of

CLUSTER = "aws:eks/cluster:Cluster"
SUBNET = "aws:ec2/subnet:Subnet"


def _zones(ctx: StackCtx, group: Res) -> set[str] | None:
    """AZs of the node group's subnets when the subnets are in the stack, else the subnet ids."""
    subnets = ctx.resolve(group, "subnetIds", SUBNET)
    if subnets:
        azs = {zone_of(s) for s in subnets}  # the AZ id when the program gave one (common.zone_of)
        if None not in azs:
            return {str(a) for a in azs}
        return None
    ids = as_list(group.get("subnetIds"))
    if has_unknown(ids):
        return None
    return {str(i) for i in ids}


def check(ctx: StackCtx) -> None:
    min_azs = int(ctx.config["minAzs"])
    clusters: dict[str, list[Res]] = {}
    for group in ctx.of_type("aws:eks/nodeGroup:NodeGroup"):
        found = ctx.resolve(group, "clusterName", CLUSTER)
        key = found[0].urn if found else str(group.get("clusterName"))
        clusters.setdefault(key, []).append(group)
    for key, groups in clusters.items():
        zones: set[str] = set()
        unknown = False
        for g in groups:
            z = _zones(ctx, g)
            if z is None:
                unknown = True
            else:
                zones |= z
        total_min = sum(float(g.get("scalingConfig.minSize") or 0) for g in groups
                        if not has_unknown(g.get("scalingConfig.minSize")))
        label = key.rsplit("::", 1)[-1]
        for g in groups:
            if len(zones) < min_azs:
                if unknown:
                    ctx.cannot_verify(g, "subnetIds")
                else:
                    ctx.fail(f"the node groups of cluster {label!r} span {len(zones)} AZ(s)/subnet(s); at least "
                             f"{min_azs} required", g)
            if total_min < min_azs:
                ctx.fail(f"the node groups of cluster {label!r} keep {int(total_min)} node(s) at minimum; at least "
                         f"{min_azs} (one per AZ) required", g)


POLICY = stack_policy(
    id="eks-nodegroup-multi-az",
    name="EKS node groups across AZs",
    category="availability",
    description="The managed node groups of each EKS cluster together use subnets in at least two AZs and keep at "
                "least one node per AZ at minimum (one node group per AZ is fine).",
    remediation="Give the cluster node groups whose subnets cover every AZ (one private subnet per AZ) and "
                "scaling_config.min_size so that every AZ keeps a node.",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",)),
    config={"minAzs": {"type": "integer", "minimum": 1, "default": 2, "description": "Minimum AZs."}},
)

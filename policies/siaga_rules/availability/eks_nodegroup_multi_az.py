"""EKS managed node groups span AZs and keep enough nodes."""

from siaga_rules.common import Controls, Ctx, as_list, resource_policy


def check(ctx: Ctx) -> None:
    min_azs = int(ctx.config["minAzs"])
    n = len(as_list(ctx.get("subnetIds")))
    if n < min_azs:
        ctx.fail(f"subnetIds has {n} subnet(s); at least {min_azs} AZs required")
    min_size = ctx.get("scalingConfig.minSize")
    if min_size is not None and float(min_size) < min_azs:
        ctx.fail(f"scalingConfig.minSize is {int(float(min_size))}; at least {min_azs} nodes required")


POLICY = resource_policy(
    id="eks-nodegroup-multi-az",
    name="EKS node groups across AZs",
    category="availability",
    types=("aws:eks/nodeGroup:NodeGroup",),
    description="EKS managed node groups use subnets in at least two AZs with scalingConfig.minSize >= that count.",
    remediation="Pass one private subnet per AZ in subnet_ids and scaling_config.min_size >= AZ count.",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",)),
    config={"minAzs": {"type": "integer", "minimum": 1, "default": 2, "description": "Minimum AZs."}},
)

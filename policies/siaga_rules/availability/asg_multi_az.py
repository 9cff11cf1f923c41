"""Auto Scaling groups span at least N AZs (failure domains, not subnets) and keep at least one instance per AZ.

AZs are counted from the group's subnets (``vpcZoneIdentifiers``: each subnet's ``availabilityZoneId`` or
``availabilityZone``, common.zone_of), or from ``availabilityZones`` (EC2-Classic style placement); two subnets of one
AZ are one failure domain. Subnets outside the stack cannot be placed before deployment.
"""

from siaga_rules.common import Controls, StackCtx, as_list, has_unknown, stack_policy, subnet_zones

GROUP = "aws:autoscaling/group:Group"


def check(ctx: StackCtx) -> None:
    min_azs = int(ctx.config["minAzs"])
    for g in ctx.of_type(GROUP):
        subnets = as_list(g.get("vpcZoneIdentifiers"))
        if subnets:
            zones, unknown = subnet_zones(ctx, g, "vpcZoneIdentifiers")
            if unknown and len(zones) < min_azs:
                ctx.cannot_verify(g, "the AZs of vpcZoneIdentifiers")
                continue
            what = f"{len(subnets)} subnet(s) in {len(zones)} AZ(s) ({', '.join(sorted(zones))})"
        else:
            zones = {str(a) for a in as_list(g.get("availabilityZones")) if not has_unknown(a)}
            what = f"{len(zones)} AZ(s)"
        if len(zones) < min_azs:
            ctx.fail(f"{g.name} spans {what}; at least {min_azs} AZs required: losing one AZ stops it", g)
        min_size = g.get("minSize")
        if min_size is not None and not has_unknown(min_size) and float(min_size) < max(len(zones), min_azs):
            ctx.fail(f"{g.name} minSize is {int(float(min_size))}; at least one instance per AZ "
                     f"({max(len(zones), min_azs)}) required", g)


POLICY = stack_policy(
    id="asg-multi-az",
    name="Auto Scaling groups across AZs",
    category="availability",
    description="Auto Scaling groups use subnets in at least the minimum number of AZs (counted by AZ, not by "
                "subnet), with minSize >= number of AZs.",
    remediation="Set vpc_zone_identifiers to one private subnet per AZ and min_size to at least the AZ count.",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",),
                      fsbp=("AutoScaling.2",)),
    config={"minAzs": {"type": "integer", "minimum": 1, "default": 2, "description": "Minimum AZs."}},
)

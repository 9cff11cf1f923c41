"""Auto Scaling groups span at least N AZs and keep at least one instance per AZ."""

from siaga_rules.common import Controls, Ctx, as_list, resource_policy


def check(ctx: Ctx) -> None:
    min_azs = int(ctx.config["minAzs"])
    subnets = as_list(ctx.get("vpcZoneIdentifiers"))
    azs = as_list(ctx.get("availabilityZones"))
    spread = max(len(subnets), len(azs))
    if spread < min_azs:
        ctx.fail(f"spans {spread} subnet(s)/AZ(s); at least {min_azs} required")
    min_size = ctx.get("minSize")
    if min_size is not None and float(min_size) < max(spread, min_azs):
        ctx.fail(f"minSize is {int(float(min_size))}; at least one instance per AZ ({max(spread, min_azs)}) required")


POLICY = resource_policy(
    id="asg-multi-az",
    name="Auto Scaling groups across AZs",
    category="availability",
    types=("aws:autoscaling/group:Group",),
    description="Auto Scaling groups use subnets in at least the minimum number of AZs, with minSize >= number of AZs.",
    remediation="Set vpc_zone_identifiers to one private subnet per AZ and min_size to at least the AZ count.",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",),
                      fsbp=("AutoScaling.2",)),
    config={"minAzs": {"type": "integer", "minimum": 1, "default": 2, "description": "Minimum AZs."}},
)

"""Load balancers are placed in at least two AZs (failure domains, not subnets).

AZs are counted from the subnets of ``subnets`` / ``subnetMappings`` (common.zone_of: the AZ id when the program gave
one, else the AZ name). ELB itself refuses two subnets of one AZ ("You can specify only one subnet per Availability
Zone": https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SetSubnets.html), so the count
is what the load balancer will actually span. Subnets outside the stack cannot be placed before deployment.
"""

from siaga_rules.common import LB_TYPES, Controls, StackCtx, as_list, stack_policy, subnet_zones


def check(ctx: StackCtx) -> None:
    min_azs = int(ctx.config["minAzs"])
    for lb in ctx.of_type(*LB_TYPES):
        prop = "subnets" if as_list(lb.get("subnets")) else "subnetMappings"
        n = len(as_list(lb.get(prop)))
        zones, unknown = subnet_zones(ctx, lb, prop)
        if unknown:
            if n < min_azs:
                ctx.fail(f"{lb.name} is placed in {n} subnet(s); at least {min_azs} AZs required", lb)
            elif len(zones) < min_azs:
                ctx.cannot_verify(lb, f"the AZs of {prop}")
            continue
        if len(zones) < min_azs:
            ctx.fail(f"{lb.name} is placed in {n} subnet(s) in {len(zones)} AZ(s) ({', '.join(sorted(zones))}); at "
                     f"least {min_azs} AZs required", lb)


POLICY = stack_policy(
    id="lb-multi-az",
    name="Load balancers across AZs",
    category="availability",
    description="Application/Network Load Balancers have subnets in at least two AZs (counted by AZ).",
    remediation="Pass one public (or private) subnet per AZ in subnets=[...].",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",),
                      fsbp=("ELB.13",)),
    config={"minAzs": {"type": "integer", "minimum": 1, "default": 2, "description": "Minimum AZs."}},
)

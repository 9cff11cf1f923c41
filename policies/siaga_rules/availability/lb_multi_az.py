"""Load balancers are placed in at least two AZs."""

from siaga_rules.common import LB_TYPES, Controls, Ctx, as_list, resource_policy


def check(ctx: Ctx) -> None:
    min_azs = int(ctx.config["minAzs"])
    n = max(len(as_list(ctx.get("subnets"))), len(as_list(ctx.get("subnetMappings"))))
    if n < min_azs:
        ctx.fail(f"placed in {n} subnet(s); at least {min_azs} AZs required")


POLICY = resource_policy(
    id="lb-multi-az",
    name="Load balancers across AZs",
    category="availability",
    types=LB_TYPES,
    description="Application/Network Load Balancers have subnets in at least two AZs.",
    remediation="Pass one public (or private) subnet per AZ in subnets=[...].",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",),
                      fsbp=("ELB.13",)),
    config={"minAzs": {"type": "integer", "minimum": 1, "default": 2, "description": "Minimum AZs."}},
)

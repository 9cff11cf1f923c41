"""One NAT gateway per AZ: no private route table sends traffic through a NAT in another AZ."""

from siaga_rules.common import Controls, Res, StackCtx, has_unknown, stack_policy, zone_of


def _az(subnet: Res | None) -> str | None:
    """AZ id when the program placed the subnet by id, else its AZ name (common.zone_of)."""
    return zone_of(subnet) if subnet is not None else None


def check(ctx: StackCtx) -> None:
    subnet_t, nat_t, table_t = "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/routeTable:RouteTable"
    tables = ctx.of_type(table_t)
    nat_of_table: dict[str, list[Res]] = {t.urn: ctx.resolve(t, "routes", nat_t) for t in tables}
    for route in ctx.of_type("aws:ec2/route:Route"):
        for t in ctx.resolve(route, "routeTableId", table_t):
            nat_of_table[t.urn] += ctx.resolve(route, "natGatewayId", nat_t)
    for assoc in ctx.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation"):
        found_t, found_s = ctx.resolve(assoc, "routeTableId", table_t), ctx.resolve(assoc, "subnetId", subnet_t)
        if not found_t or not found_s:
            if has_unknown(assoc.get("routeTableId")) or has_unknown(assoc.get("subnetId")):
                ctx.cannot_verify(assoc, "routeTableId/subnetId")
            continue
        t, subnet_az = found_t[0], _az(found_s[0])
        for nat in nat_of_table[t.urn]:
            subnets = ctx.resolve(nat, "subnetId", subnet_t)
            nat_az = _az(subnets[0]) if subnets else None
            if subnet_az and nat_az and subnet_az != nat_az:
                ctx.fail(f"route table {t.name!r} sends a subnet in {subnet_az} through NAT gateway "
                         f"{nat.name!r} in {nat_az}: losing {nat_az} cuts {subnet_az}'s egress", t)


POLICY = stack_policy(
    id="nat-gateway-per-az",
    name="One NAT gateway per AZ",
    category="availability",
    description="Private route tables route to a NAT gateway in the same AZ as their subnets (one NAT per AZ).",
    remediation="Create one NAT gateway per AZ and one private route table per AZ whose default route uses that "
                "AZ's NAT gateway.",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",)),
)

"""One NAT gateway per AZ: no private route table sends traffic through a NAT in another AZ."""

from siaga_rules.common import Controls, Res, StackCtx, as_list, has_unknown, stack_policy


def _az(subnet: Res | None) -> str | None:
    if subnet is None:
        return None
    az = subnet.get("availabilityZone") or subnet.get("availabilityZoneId")
    return None if has_unknown(az) else az


def check(ctx: StackCtx) -> None:
    subnets = ctx.index("aws:ec2/subnet:Subnet")
    nats = ctx.index("aws:ec2/natGateway:NatGateway")
    tables = ctx.of_type("aws:ec2/routeTable:RouteTable")
    table_index = ctx.index("aws:ec2/routeTable:RouteTable")
    nat_of_table: dict[str, set[str]] = {t.urn: set() for t in tables}
    for t in tables:
        for route in as_list(t.get("routes")):
            nat = (route or {}).get("natGatewayId")
            if nat:
                nat_of_table[t.urn].add(nat)
    for route in ctx.of_type("aws:ec2/route:Route"):
        t, nat = table_index.get(route.get("routeTableId")), route.get("natGatewayId")
        if t is not None and nat:
            nat_of_table[t.urn].add(nat)
    for assoc in ctx.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation"):
        table, subnet_ref = assoc.get("routeTableId"), assoc.get("subnetId")
        if has_unknown(table) or has_unknown(subnet_ref):
            ctx.cannot_verify(assoc, "routeTableId/subnetId")
            continue
        t = table_index.get(table)
        if t is None or not subnet_ref:
            continue
        subnet_az = _az(subnets.get(subnet_ref))
        for nat_ref in nat_of_table[t.urn]:
            if has_unknown(nat_ref):
                ctx.cannot_verify(t, "route natGatewayId")
                continue
            nat = nats.get(nat_ref)
            nat_az = _az(subnets.get(nat.get("subnetId"))) if nat is not None else None
            if subnet_az and nat_az and subnet_az != nat_az:
                ctx.fail(f"route table {t.name!r} sends subnet in {subnet_az} through NAT gateway "
                         f"{nat.name!r} in {nat_az}: losing {nat_az} cuts {subnet_az}'s egress", t)
            elif subnet_az and nat is None:
                ctx.fail(f"route table {t.name!r} uses NAT gateway {nat_ref!r} not in this stack; its AZ is unknown", t)


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

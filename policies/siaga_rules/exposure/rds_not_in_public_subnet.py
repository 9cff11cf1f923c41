"""RDS DB instances are not placed in subnets that route to an internet gateway (FSBP RDS.46).

The instance's DB subnet group (``dbSubnetGroupName``) names its subnets; a subnet is public when the route table
associated with it (aws.ec2.RouteTableAssociation) has a route (inline, or an aws.ec2.Route) to an internet gateway
(an aws.ec2.InternetGateway of the stack or an ``igw-`` id). A subnet group, subnet or route table outside the
stack, or a subnet without an explicit association (it uses the VPC's main route table), is not judged.
"""

from siaga_rules.common import Controls, Res, StackCtx, as_list, lookup, stack_policy

INSTANCE, SUBNET_GROUP, SUBNET = ("aws:rds/instance:Instance", "aws:rds/subnetGroup:SubnetGroup",
                                  "aws:ec2/subnet:Subnet")
ASSOC, TABLE, ROUTE, IGW = ("aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/routeTable:RouteTable",
                            "aws:ec2/route:Route", "aws:ec2/internetGateway:InternetGateway")


def _to_igw(ctx: StackCtx, holder: Res, value: object, prop: str) -> bool:
    if isinstance(value, str) and value.startswith("igw-"):
        return True
    return bool(ctx.resolve(holder, prop, IGW)) if prop else False


def _public_tables(ctx: StackCtx) -> set[str]:
    out = set()
    for t in ctx.of_type(TABLE):
        for route in as_list(t.get("routes")):
            gw = lookup(route, "gatewayId") if isinstance(route, dict) else None
            if isinstance(gw, str) and (gw.startswith("igw-") or gw in ctx.index(IGW)):
                out.add(t.urn)
    for r in ctx.of_type(ROUTE):
        if _to_igw(ctx, r, r.get("gatewayId"), "gatewayId"):
            out.update(t.urn for t in ctx.resolve(r, "routeTableId", TABLE))
    return out


def check(ctx: StackCtx) -> None:
    instances = ctx.of_type(INSTANCE)
    if not instances:
        return
    public = _public_tables(ctx)
    public_subnets: dict[str, str] = {}
    for a in ctx.of_type(ASSOC):
        tables = ctx.resolve(a, "routeTableId", TABLE)
        if any(t.urn in public for t in tables):
            for s in ctx.resolve(a, "subnetId", SUBNET):
                public_subnets[s.urn] = s.name
    if not public_subnets:
        return
    for db in instances:
        for group in ctx.resolve(db, "dbSubnetGroupName", SUBNET_GROUP):
            hits = sorted({public_subnets[s.urn] for s in ctx.resolve(group, "subnetIds", SUBNET)
                           if s.urn in public_subnets})
            if hits:
                ctx.fail(f"its DB subnet group {group.name!r} includes subnets routed to an internet gateway "
                         f"({', '.join(hits)}): a failover or a publicly_accessible change exposes it", db)


POLICY = stack_policy(
    id="rds-not-in-public-subnet",
    name="RDS not in public subnets",
    category="exposure",
    description="The DB subnet group of every RDS instance contains no subnet whose route table routes to an "
                "internet gateway.",
    remediation="Build the DB subnet group from private/isolated subnets (route tables without an igw- route).",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4"), iso=("A.8.20", "A.8.22"), fsbp=("RDS.46",)),
)

"""A default route to an internet gateway serves only the public tier (load balancers, NAT gateways).

cdk-nag's VPCNoUnrestrictedRouteToIGW fails every ``0.0.0.0/0`` / ``::/0`` route through a gateway
(cdklabs/cdk-nag src/rules/vpc/VPCNoUnrestrictedRouteToIGW.ts); an internet-facing load balancer and a NAT gateway
cannot work without one. This rule fails what makes such a route dangerous: a route table with it whose subnets
also hold instances, Auto Scaling groups, node groups, ENIs, ECS services, EFS mount targets or database/cache subnet
groups (their hosts are one public IP away from the internet), and a main route table with it (every subnet without
its own table inherits the route). EKS control-plane and Lambda ENIs are left out: AWS never gives them a public
address.
"""

from typing import Any

from siaga_rules.common import Controls, Res, StackCtx, is_unknown, stack_policy

SUBNET = "aws:ec2/subnet:Subnet"
IGW = "aws:ec2/internetGateway:InternetGateway"
RT = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MAIN = ("aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",)
# type -> properties naming the subnets its hosts live in
HOSTS: dict[str, tuple[str, ...]] = {
    "aws:ec2/instance:Instance": ("subnetId",),
    "aws:ec2/networkInterface:NetworkInterface": ("subnetId",),
    "aws:autoscaling/group:Group": ("vpcZoneIdentifiers",),
    "aws:eks/nodeGroup:NodeGroup": ("subnetIds",),
    "aws:ecs/service:Service": ("networkConfiguration",),
    "aws:rds/subnetGroup:SubnetGroup": ("subnetIds",),
    "aws:elasticache/subnetGroup:SubnetGroup": ("subnetIds",),
    "aws:docdb/subnetGroup:SubnetGroup": ("subnetIds",),
    "aws:neptune/subnetGroup:SubnetGroup": ("subnetIds",),
    "aws:redshift/subnetGroup:SubnetGroup": ("subnetIds",),
    "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup": ("subnetIds",),
    "aws:efs/mountTarget:MountTarget": ("subnetId",),
}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _subnets(ctx: StackCtx, res: Res, prop: str) -> list[Res]:
    found = ctx.resolve(res, prop, SUBNET)
    index = ctx.index(SUBNET)
    found += [index[s] for s in _strings(res.get(prop)) if s in index and index[s] not in found]
    return found


def _to_igw(ctx: StackCtx, route: dict[str, Any] | Res, owner: Res) -> bool:
    get = route.get
    dest = [get("cidrBlock") if isinstance(route, dict) else None, get("destinationCidrBlock"),
            get("ipv6CidrBlock"), get("destinationIpv6CidrBlock")]
    if not any(isinstance(d, str) and d.endswith("/0") for d in dest):
        return False
    gw = get("gatewayId")
    if isinstance(gw, str) and gw.startswith("igw-"):
        return True
    if isinstance(route, Res):
        return bool(ctx.resolve(route, "gatewayId", IGW))
    return bool(gw) and (gw in ctx.index(IGW) or (is_unknown(gw) and any(
        ctx.by_urn()[u].type == IGW for u in owner.deps.get("routes", []) if u in ctx.by_urn())))


def check(ctx: StackCtx) -> None:
    public: dict[str, Res] = {}
    for rt in ctx.of_type(RT):
        routes = rt.get("routes")
        if any(isinstance(r, dict) and _to_igw(ctx, r, rt) for r in routes or []):
            public[rt.urn] = rt
    for route in ctx.of_type(ROUTE):
        if _to_igw(ctx, route, route):
            public.update({t.urn: t for t in ctx.resolve(route, "routeTableId", RT)})
    if not public:
        return
    for main in ctx.of_type(*MAIN):
        for t in ctx.resolve(main, "routeTableId", RT):
            if t.urn in public:
                ctx.fail("the VPC's main route table routes 0.0.0.0/0 to the internet gateway: every subnet "
                         "without its own route table is public", t)
    table_of: dict[str, Res] = {}
    for a in ctx.of_type(ASSOC):
        for t in ctx.resolve(a, "routeTableId", RT):
            if t.urn in public:
                for s in ctx.resolve(a, "subnetId", SUBNET):
                    table_of[s.urn] = t
    for kind, props in HOSTS.items():
        for host in ctx.of_type(kind):
            for prop in props:
                for s in _subnets(ctx, host, prop):
                    if s.urn in table_of:
                        ctx.fail(f"uses subnet {s.name}, whose route table {table_of[s.urn].name} routes 0.0.0.0/0 "
                                 "to the internet gateway: put it in a private subnet (egress through NAT)", host)


POLICY = stack_policy(
    id="igw-route-public-tier-only",
    name="Internet gateway routes only for the public tier",
    category="exposure",
    description="Route tables with a 0.0.0.0/0 or ::/0 route to an internet gateway are not the main table and "
                "serve no subnet holding instances, node groups, ENIs, ECS services, mount targets or database "
                "subnet groups (only load balancers and NAT gateways).",
    remediation="Keep compute and data in private subnets whose default route goes to a NAT gateway; leave the "
                "internet-gateway route to the public subnets of the load balancers and NAT gateways.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4", "SC-7(5)"), iso=("A.8.20", "A.8.22"),
                      cdk_nag=("NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",)),
)

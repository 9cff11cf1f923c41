"""RedundantNetwork: a VPC spread over every Availability Zone, no AZ depending on another.

Per AZ: one public, one private (app) and one isolated (data) subnet; with ``nat_strategy="OnePerAz"``
one NAT gateway with its own Elastic IP and a private route table routing to the NAT of the SAME AZ.
Isolated route tables have no internet route. Flow logs (ALL traffic) go to a KMS-encrypted,
in-region CloudWatch log group with retention. S3/DynamoDB gateway endpoints and interface
endpoints keep AWS traffic private. The default security group is closed. Optional redundant
site-to-site VPN (two tunnels) to the agency data centre.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

NatStrategy = Literal["OnePerAz", "Single", "None"]
NAT_STRATEGIES: tuple[str, ...] = ("OnePerAz", "Single", "None")
DEFAULT_INTERFACE_ENDPOINTS: tuple[str, ...] = ("ssm", "ssmmessages", "ec2messages", "logs", "kms", "secretsmanager",
                                                "sts")


@dataclass(frozen=True)
class RedundantNetworkArgs:
    """Inputs of RedundantNetwork (defaults in brackets, like terraform-aws-modules)."""

    name_prefix: str
    """Prefix of every resource name (required)."""
    cidr: str = "10.20.0.0/16"
    """VPC CIDR [10.20.0.0/16], /16-/24; split into 16 equal blocks (prefix + 4): tier t, AZ i -> block 4*t + i."""
    az_count: int = 3
    """Availability Zones to use [3], 1-4; the first ``az_count`` distinct zone IDs of the region, API order."""
    nat_strategy: NatStrategy = "OnePerAz"
    """OnePerAz [default]: one NAT + EIP per AZ; Single: one NAT (non-prod); None: no egress."""
    flow_log_key_arn: pulumi.Input[str] | None = None
    """KMS key ARN encrypting the flow-log group [required; None is refused unless flow_log_kms_key_arn is set]."""
    flow_log_retention_days: int = 365
    """Flow-log retention in days [365]."""
    interface_endpoints: list[str] = field(default_factory=lambda: list(DEFAULT_INTERFACE_ENDPOINTS))
    """Interface endpoint service short names [ssm, ssmmessages, ec2messages, logs, kms, secretsmanager, sts];
    private DNS on, in the private subnets, own SG allowing 443 from the VPC CIDR."""
    standby_networks: list[str] = field(default_factory=list)
    """Standby (data centre) networks routed over the VPN as static routes [none]."""
    vpn_customer_gateway_ip: str | None = None
    """Public IPv4 of the data centre VPN device [None = no VPN]."""
    protect: bool = True
    """protect/retain_on_delete for stateful children (the flow-log group) [True]."""
    flow_log_kms_key_arn: pulumi.Input[str] | None = None
    """Deprecated spelling of ``flow_log_key_arn`` [None]; used when ``flow_log_key_arn`` is None."""
    vpn_static_routes: list[str] = field(default_factory=list)
    """Deprecated spelling of ``standby_networks`` [none]; merged into it."""


def _check(args: RedundantNetworkArgs) -> ipaddress.IPv4Network:
    """Validates ``args``; raises ValueError with one line naming the field, the value and what is allowed."""
    try:
        net = ipaddress.ip_network(args.cidr)
    except ValueError:
        raise ValueError(f"RedundantNetworkArgs.cidr: {args.cidr!r} is not a network; allowed: an IPv4 CIDR "
                         "such as 10.20.0.0/16 (host bits zero)") from None
    if not isinstance(net, ipaddress.IPv4Network) or not 16 <= net.prefixlen <= 24:
        raise ValueError(f"RedundantNetworkArgs.cidr: {args.cidr!r}; allowed: an IPv4 network from /16 to /24")
    if not isinstance(args.az_count, int) or not 1 <= args.az_count <= 4:
        raise ValueError(f"RedundantNetworkArgs.az_count: {args.az_count!r}; allowed: 1-4")
    if args.nat_strategy not in NAT_STRATEGIES:
        raise ValueError(f"RedundantNetworkArgs.nat_strategy: {args.nat_strategy!r}; allowed: {list(NAT_STRATEGIES)}")
    if args.flow_log_key_arn is None and args.flow_log_kms_key_arn is None:
        raise ValueError("RedundantNetworkArgs.flow_log_key_arn: None; allowed: the ARN of a customer-managed KMS key "
                         "(flow logs hold confidential metadata)")
    if not isinstance(args.flow_log_retention_days, int) or args.flow_log_retention_days < 1:
        raise ValueError(f"RedundantNetworkArgs.flow_log_retention_days: {args.flow_log_retention_days!r}; "
                         "allowed: a CloudWatch retention in days (365 or more for audit)")
    for cidr in [*args.standby_networks, *args.vpn_static_routes]:
        try:
            other = ipaddress.ip_network(cidr)
        except ValueError:
            raise ValueError(f"RedundantNetworkArgs.standby_networks: {cidr!r} is not a network; "
                             "allowed: IPv4 CIDRs") from None
        if other.overlaps(net):
            raise ValueError(f"RedundantNetworkArgs.standby_networks: {cidr} overlaps the VPC {net}; "
                             "allowed: networks outside the VPC CIDR")
    if args.vpn_customer_gateway_ip is not None:
        try:
            ip = ipaddress.IPv4Address(args.vpn_customer_gateway_ip)
        except ValueError:
            raise ValueError(f"RedundantNetworkArgs.vpn_customer_gateway_ip: {args.vpn_customer_gateway_ip!r}; "
                             "allowed: a public IPv4 address") from None
        example = any(ip in ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
        if not ip.is_global and not example:
            raise ValueError(f"RedundantNetworkArgs.vpn_customer_gateway_ip: {ip} is not public; "
                             "allowed: a public IPv4 address")
        if example:  # RFC 5737 documentation address: valid in a reference stack, never a real data centre
            pulumi.log.warn(f"siaga:standby.customerGatewayIp: {ip} is a documentation example (RFC 5737): the VPN "
                            "tunnels never come up; set the data centre VPN device's public IPv4")
    return net


class RedundantNetwork(pulumi.ComponentResource):
    """VPC with public/private/isolated subnets in every AZ; see module docstring."""

    def __init__(self, name: str, args: RedundantNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:aws:RedundantNetwork", name, None, opts)
        net = _check(args)
        child = pulumi.ResourceOptions(parent=self)
        p = args.name_prefix
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        azs = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=self))
        seen: dict[str, str] = {}  # zone id -> name, API order (dict keeps insertion order)
        for zone_name, zone_id in zip(azs.names, azs.zone_ids, strict=True):
            seen.setdefault(zone_id, zone_name)
        zone_ids = list(seen)[: args.az_count]
        if len(zone_ids) < args.az_count:
            raise ValueError(f"RedundantNetworkArgs.az_count: {args.az_count} but the region has {len(zone_ids)} "
                             f"available zones; allowed: 1-{len(zone_ids)}")
        zone_names = [seen[z] for z in zone_ids]

        self.vpc = aws.ec2.Vpc(f"{p}-vpc", cidr_block=args.cidr, enable_dns_hostnames=True, enable_dns_support=True,
                               tags={"Name": f"{p}-vpc"}, opts=child)
        vpc_opts = pulumi.ResourceOptions(parent=self.vpc)
        aws.ec2.DefaultSecurityGroup(f"{p}-default-sg", vpc_id=self.vpc.id, ingress=[], egress=[],
                                     tags={"Name": f"{p}-default-closed"}, opts=vpc_opts)
        igw = aws.ec2.InternetGateway(f"{p}-igw", vpc_id=self.vpc.id, tags={"Name": f"{p}-igw"}, opts=vpc_opts)

        # 16 blocks (a /16 gives /20s): tier t, AZ i -> block t*4+i (room for 4 AZs per tier; block 12-15 spare).
        blocks = list(net.subnets(new_prefix=net.prefixlen + 4))

        public_rt = aws.ec2.RouteTable(f"{p}-public-rt", vpc_id=self.vpc.id, tags={"Name": f"{p}-public"},
                                       opts=vpc_opts)
        aws.ec2.Route(f"{p}-public-default", route_table_id=public_rt.id, destination_cidr_block="0.0.0.0/0",
                      gateway_id=igw.id, opts=pulumi.ResourceOptions(parent=public_rt))

        self.public_subnets: list[aws.ec2.Subnet] = []
        self.private_subnets: list[aws.ec2.Subnet] = []
        self.isolated_subnets: list[aws.ec2.Subnet] = []
        self.nat_gateways: list[aws.ec2.NatGateway] = []
        self.private_route_tables: list[aws.ec2.RouteTable] = []
        isolated_rts: list[aws.ec2.RouteTable] = []
        for i, zid in enumerate(zone_ids):
            def subnet(tier: str, t: int, zid: str = zid, i: int = i) -> aws.ec2.Subnet:
                return aws.ec2.Subnet(f"{p}-{tier}-{zid}", vpc_id=self.vpc.id, availability_zone_id=zid,
                                      cidr_block=str(blocks[t * 4 + i]), map_public_ip_on_launch=False,
                                      tags={"Name": f"{p}-{tier}-{zid}", "siaga:tier": tier}, opts=vpc_opts)
            pub, prv, iso = subnet("public", 0), subnet("private", 1), subnet("isolated", 2)
            self.public_subnets.append(pub)
            self.private_subnets.append(prv)
            self.isolated_subnets.append(iso)
            aws.ec2.RouteTableAssociation(f"{p}-public-{zid}", subnet_id=pub.id, route_table_id=public_rt.id,
                                          opts=pulumi.ResourceOptions(parent=pub))
            if args.nat_strategy == "OnePerAz" or (args.nat_strategy == "Single" and i == 0):
                eip = aws.ec2.Eip(f"{p}-nat-{zid}", domain="vpc", tags={"Name": f"{p}-nat-{zid}"},
                                  opts=pulumi.ResourceOptions(parent=pub))
                self.nat_gateways.append(aws.ec2.NatGateway(
                    f"{p}-nat-{zid}", allocation_id=eip.id, subnet_id=pub.id, tags={"Name": f"{p}-nat-{zid}"},
                    opts=pulumi.ResourceOptions(parent=pub, depends_on=[igw])))
            rt = aws.ec2.RouteTable(f"{p}-private-rt-{zid}", vpc_id=self.vpc.id, tags={"Name": f"{p}-private-{zid}"},
                                    opts=vpc_opts)
            if self.nat_gateways:
                nat = self.nat_gateways[-1] if args.nat_strategy == "OnePerAz" else self.nat_gateways[0]
                aws.ec2.Route(f"{p}-private-default-{zid}", route_table_id=rt.id, destination_cidr_block="0.0.0.0/0",
                              nat_gateway_id=nat.id, opts=pulumi.ResourceOptions(parent=rt))
            aws.ec2.RouteTableAssociation(f"{p}-private-{zid}", subnet_id=prv.id, route_table_id=rt.id,
                                          opts=pulumi.ResourceOptions(parent=prv))
            self.private_route_tables.append(rt)
            irt = aws.ec2.RouteTable(f"{p}-isolated-rt-{zid}", vpc_id=self.vpc.id,
                                     tags={"Name": f"{p}-isolated-{zid}"}, opts=vpc_opts)  # no internet route
            aws.ec2.RouteTableAssociation(f"{p}-isolated-{zid}", subnet_id=iso.id, route_table_id=irt.id,
                                          opts=pulumi.ResourceOptions(parent=iso))
            isolated_rts.append(irt)

        flow_key = args.flow_log_key_arn if args.flow_log_key_arn is not None else args.flow_log_kms_key_arn
        # Flow logs, ALL traffic, to an encrypted in-region log group.
        state = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        group = aws.cloudwatch.LogGroup(f"{p}-flow-logs", name=f"/siaga/{p}/vpc-flow-logs",
                                        retention_in_days=args.flow_log_retention_days,
                                        kms_key_id=flow_key, opts=state)
        role = aws.iam.Role(f"{p}-flow-logs", assume_role_policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]}), opts=child)
        aws.iam.RolePolicy(f"{p}-flow-logs", role=role.id, policy=group.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Resource": [arn, f"{arn}:*"],
                           "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]}]})),
            opts=pulumi.ResourceOptions(parent=role))
        aws.ec2.FlowLog(f"{p}-flow-logs", vpc_id=self.vpc.id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
                        log_destination=group.arn, iam_role_arn=role.arn, max_aggregation_interval=60, opts=vpc_opts)

        # Endpoints: gateway (S3, DynamoDB) on every private and isolated route table.
        rt_ids = [rt.id for rt in self.private_route_tables + isolated_rts]
        for svc in ("s3", "dynamodb"):
            aws.ec2.VpcEndpoint(f"{p}-{svc}", vpc_id=self.vpc.id, vpc_endpoint_type="Gateway",
                                service_name=pulumi.Output.concat("com.amazonaws.", region, f".{svc}"),
                                route_table_ids=rt_ids, opts=vpc_opts)
        self.endpoints_security_group_id: pulumi.Output[str] | None = None
        """The interface endpoints' security group (HTTPS from the VPC), None without interface endpoints."""
        if args.interface_endpoints:
            sg = aws.ec2.SecurityGroup(f"{p}-endpoints", vpc_id=self.vpc.id, description="Interface endpoints (HTTPS from the VPC)",
                                       ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443,
                                                 "cidr_blocks": [args.cidr], "description": "HTTPS from the VPC"}],
                                       opts=vpc_opts)
            self.endpoints_security_group_id = sg.id
            for svc in args.interface_endpoints:
                aws.ec2.VpcEndpoint(f"{p}-{svc}", vpc_id=self.vpc.id, vpc_endpoint_type="Interface",
                                    service_name=pulumi.Output.concat("com.amazonaws.", region, f".{svc}"),
                                    private_dns_enabled=True, security_group_ids=[sg.id],
                                    subnet_ids=[s.id for s in self.private_subnets], opts=vpc_opts)

        if args.vpn_customer_gateway_ip:
            cgw = aws.ec2.CustomerGateway(f"{p}-dc", bgp_asn="65000", ip_address=args.vpn_customer_gateway_ip,
                                          type="ipsec.1", tags={"Name": f"{p}-dc"}, opts=child)
            vgw = aws.ec2.VpnGateway(f"{p}-vgw", vpc_id=self.vpc.id, tags={"Name": f"{p}-vgw"}, opts=vpc_opts)
            vpn = aws.ec2.VpnConnection(f"{p}-dc", customer_gateway_id=cgw.id, vpn_gateway_id=vgw.id, type="ipsec.1",
                                        static_routes_only=True, opts=child)  # AWS always builds two tunnels
            for cidr in dict.fromkeys([*args.standby_networks, *args.vpn_static_routes]):
                aws.ec2.VpnConnectionRoute(f"{p}-dc-{cidr.replace('/', '-')}", vpn_connection_id=vpn.id,
                                           destination_cidr_block=cidr, opts=pulumi.ResourceOptions(parent=vpn))
            for j, rt in enumerate(self.private_route_tables):
                aws.ec2.VpnGatewayRoutePropagation(f"{p}-vgw-{zone_ids[j]}", vpn_gateway_id=vgw.id,
                                                   route_table_id=rt.id, opts=pulumi.ResourceOptions(parent=rt))
            # the data tier too: the DMS replication instance in the isolated subnets reaches the standby database
            # over the tunnels (only routes to standby.networks: the isolated tables still have no internet route)
            for j, rt in enumerate(isolated_rts):
                aws.ec2.VpnGatewayRoutePropagation(f"{p}-vgw-isolated-{zone_ids[j]}", vpn_gateway_id=vgw.id,
                                                   route_table_id=rt.id, opts=pulumi.ResourceOptions(parent=rt))
            self.vpn_connection: aws.ec2.VpnConnection | None = vpn
        else:
            self.vpn_connection = None

        self.azs = zone_names
        self.private_cidrs = [str(blocks[1 * 4 + i]) for i in range(len(zone_ids))]
        self.isolated_cidrs = [str(blocks[2 * 4 + i]) for i in range(len(zone_ids))]
        self.zone_ids = zone_ids
        self.vpc_id = self.vpc.id
        self.public_subnet_ids: list[pulumi.Output[str]] = [s.id for s in self.public_subnets]
        self.private_subnet_ids: list[pulumi.Output[str]] = [s.id for s in self.private_subnets]
        self.isolated_subnet_ids: list[pulumi.Output[str]] = [s.id for s in self.isolated_subnets]
        self.register_outputs({
            "vpc_id": self.vpc_id, "azs": zone_names, "zone_ids": zone_ids,
            "public_subnet_ids": self.public_subnet_ids, "private_subnet_ids": self.private_subnet_ids,
            "isolated_subnet_ids": self.isolated_subnet_ids,
            "nat_gateway_ids": [n.id for n in self.nat_gateways],
            "private_route_table_ids": [rt.id for rt in self.private_route_tables],
        })

"""RedundantNetwork topology through the offline engine (fixture rush_network: 3 networks, one engine run).

net3: 3 AZs, NAT per AZ, VPN; net2: 2 AZs, one shared NAT; net0: 2 AZs, no NAT. References between resources are
followed both ways the engine records them: the resolved id in ``inputs`` and the URN in ``propertyDependencies``.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from components.network import RedundantNetworkArgs, _check
from siaga.analyzer import analyze
from siaga.engine import Graph, Resource, run_program
from siaga.engine.model import plain

FIXTURE = "tests/fixtures/programs/rush_network"
COMPONENT = "siaga:aws:RedundantNetwork"
ZONES = {"ap-southeast-3a": "apse3-az1", "ap-southeast-3b": "apse3-az2", "ap-southeast-3c": "apse3-az3"}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev")


class Net:
    """The resources under one RedundantNetwork component, with id/URN lookups."""

    def __init__(self, g: Graph, label: str) -> None:
        (comp,) = [r for r in g.of_type(COMPONENT) if r.name == label]
        by_urn = g.by_urn()

        def under(r: Resource) -> bool:
            p = r.parent
            while p:
                if p == comp.urn:
                    return True
                p = by_urn[p].parent
            return False

        self.g = g
        self.resources = [r for r in g.resources if under(r)]
        self.by_id = {r.id: r for r in self.resources if r.id}
        self.by_id.update({r.outputs["arn"]: r for r in self.resources if isinstance(r.outputs.get("arn"), str)})
        self.by_urn = {r.urn: r for r in self.resources}
        self.exports = {k[len(label):]: v for k, v in g.exports.items() if k.startswith(label)}

    def of(self, short: str) -> list[Resource]:
        return [r for r in self.resources if r.type.endswith(f":{short}")]

    def ref(self, r: Resource, prop: str) -> Resource:
        """The resource ``r.inputs[prop]`` (an id or an ARN) points at; the recorded property dependency must agree."""
        target = self.by_id[plain(r.inputs[prop])]
        assert target.urn in (r.options.propertyDependencies or {}).get(prop, []), (r.name, prop)
        return target

    def tier(self, tier: str) -> list[Resource]:
        return [s for s in self.of("Subnet") if s.plain_inputs()["tags"]["siaga:tier"] == tier]

    def tables_of(self, subnet: Resource) -> list[Resource]:
        return [self.ref(a, "routeTableId") for a in self.of("RouteTableAssociation")
                if self.ref(a, "subnetId").urn == subnet.urn]

    def routes(self, table: Resource) -> list[Resource]:
        return [r for r in self.of("Route") if self.ref(r, "routeTableId").urn == table.urn]

    def default_route(self, table: Resource) -> Resource | None:
        found = [r for r in self.routes(table) if r.plain_inputs().get("destinationCidrBlock") == "0.0.0.0/0"]
        assert len(found) <= 1
        return found[0] if found else None


@pytest.fixture(scope="module")
def nets(graph: Graph) -> dict[str, Net]:
    return {label: Net(graph, label) for label in ("net3", "net2", "net0")}


def _zone(subnet: Resource) -> str:
    return str(subnet.plain_inputs()["availabilityZoneId"])


@pytest.mark.parametrize(("label", "count"), [("net3", 3), ("net2", 2), ("net0", 2)])
def test_three_tiers_in_distinct_zones_with_carved_cidrs(nets: dict[str, Net], label: str, count: int) -> None:
    net = nets[label]
    (vpc,) = net.of("Vpc")
    v = vpc.plain_inputs()
    assert v["enableDnsSupport"] is True and v["enableDnsHostnames"] is True
    vpc_net = ipaddress.ip_network(v["cidrBlock"])
    assert net.exports["Azs"] == list(ZONES)[:count]
    assert net.exports["ZoneIds"] == [ZONES[a] for a in net.exports["Azs"]]
    cidrs: list[ipaddress.IPv4Network] = []
    for tier in ("public", "private", "isolated"):
        subnets = net.tier(tier)
        assert sorted(_zone(s) for s in subnets) == sorted(net.exports["ZoneIds"]), tier
        for s in subnets:
            assert s.plain_inputs()["mapPublicIpOnLaunch"] is False
            assert net.ref(s, "vpcId").urn == vpc.urn
            cidrs.append(ipaddress.ip_network(s.plain_inputs()["cidrBlock"]))
    assert all(c.subnet_of(vpc_net) for c in cidrs)  # type: ignore[arg-type]
    assert not [(a, b) for i, a in enumerate(cidrs) for b in cidrs[i + 1:] if a.overlaps(b)]
    by_zone = {t: {_zone(s): s.plain_inputs()["cidrBlock"] for s in net.tier(t)} for t in ("private", "isolated")}
    assert net.exports["PrivateCidrs"] == [by_zone["private"][z] for z in net.exports["ZoneIds"]]
    assert net.exports["IsolatedCidrs"] == [by_zone["isolated"][z] for z in net.exports["ZoneIds"]]
    private_ids = {s.id: _zone(s) for s in net.tier("private")}
    assert [private_ids[i] for i in net.exports["PrivateSubnetIds"]] == net.exports["ZoneIds"]


def test_public_subnets_route_to_the_internet_gateway(nets: dict[str, Net]) -> None:
    for net in nets.values():
        (igw,) = net.of("InternetGateway")
        for s in net.tier("public"):
            (table,) = net.tables_of(s)
            route = net.default_route(table)
            assert route is not None and net.ref(route, "gatewayId").urn == igw.urn


def test_one_nat_per_zone_and_private_default_routes_stay_in_their_zone(nets: dict[str, Net]) -> None:
    net = nets["net3"]
    nats = net.of("NatGateway")
    nat_zone = {n.urn: _zone(net.ref(n, "subnetId")) for n in nats}
    assert sorted(nat_zone.values()) == ["apse3-az1", "apse3-az2", "apse3-az3"]
    assert all(net.ref(n, "subnetId").plain_inputs()["tags"]["siaga:tier"] == "public" for n in nats)
    assert len({net.ref(n, "allocationId").urn for n in nats}) == len(nats)  # one EIP each
    for s in net.tier("private"):
        (table,) = net.tables_of(s)
        route = net.default_route(table)
        assert route is not None, s.name
        assert nat_zone[net.ref(route, "natGatewayId").urn] == _zone(s), (s.name, route.name)


def test_single_nat_shared_and_no_nat_means_no_egress(nets: dict[str, Net]) -> None:
    single = nets["net2"]
    (nat,) = single.of("NatGateway")
    for s in single.tier("private"):
        (table,) = single.tables_of(s)
        route = single.default_route(table)
        assert route is not None and single.ref(route, "natGatewayId").urn == nat.urn
    none = nets["net0"]
    assert not none.of("NatGateway") and not none.of("Eip")
    for s in none.tier("private"):
        (table,) = none.tables_of(s)
        assert none.default_route(table) is None


def test_isolated_tables_have_no_internet_route(nets: dict[str, Net]) -> None:
    for net in nets.values():
        for s in net.tier("isolated"):
            (table,) = net.tables_of(s)
            assert net.default_route(table) is None
            assert not [r for r in net.routes(table) if r.plain_inputs().get("gatewayId")
                        or r.plain_inputs().get("natGatewayId")]


def test_default_security_group_closed(nets: dict[str, Net]) -> None:
    for net in nets.values():
        (sg,) = net.of("DefaultSecurityGroup")
        assert sg.plain_inputs().get("ingress") == [] and sg.plain_inputs().get("egress") == []
        assert net.ref(sg, "vpcId").urn == net.of("Vpc")[0].urn


def test_flow_logs_all_traffic_to_encrypted_protected_group(graph: Graph, nets: dict[str, Net]) -> None:
    (logs_key,) = [k for k in graph.of_type("aws:kms/key:Key") if plain(k.inputs)["tags"]["Purpose"] == "logs"]
    for label, net in nets.items():
        (fl,) = net.of("FlowLog")
        i = fl.plain_inputs()
        assert i["trafficType"] == "ALL" and i["logDestinationType"] == "cloud-watch-logs"
        assert net.ref(fl, "vpcId").urn == net.of("Vpc")[0].urn
        group = net.ref(fl, "logDestination")
        assert group.type == "aws:cloudwatch/logGroup:LogGroup"
        assert group.plain_inputs()["kmsKeyId"] == logs_key.outputs["arn"]
        assert group.plain_inputs()["retentionInDays"] == (400 if label == "net3" else 365)
        assert group.options.protect is True and group.options.retainOnDelete is True
        role = net.ref(fl, "iamRoleArn")
        trust = json.loads(role.plain_inputs()["assumeRolePolicy"])
        assert trust["Statement"][0]["Principal"]["Service"] == "vpc-flow-logs.amazonaws.com"
        (policy,) = [p for p in net.of("RolePolicy") if net.ref(p, "role").urn == role.urn]
        resources = json.loads(policy.plain_inputs()["policy"])["Statement"][0]["Resource"]
        assert group.outputs["arn"] in resources


def test_gateway_and_interface_endpoints(nets: dict[str, Net]) -> None:
    for label, net in nets.items():
        (vpc,) = net.of("Vpc")
        inner = {t.urn for tier in ("private", "isolated") for s in net.tier(tier) for t in net.tables_of(s)}
        eps = {e.plain_inputs()["serviceName"]: e for e in net.of("VpcEndpoint")}
        for svc in ("s3", "dynamodb"):
            ep = eps[f"com.amazonaws.ap-southeast-3.{svc}"]
            assert ep.plain_inputs()["vpcEndpointType"] == "Gateway"
            assert {net.by_id[i].urn for i in ep.plain_inputs()["routeTableIds"]} == inner
        interface = [e for e in eps.values() if e.plain_inputs()["vpcEndpointType"] == "Interface"]
        expected = {"net3": 7, "net2": 2, "net0": 0}[label]
        assert len(interface) == expected
        private = {s.urn for s in net.tier("private")}
        for ep in interface:
            i = ep.plain_inputs()
            assert i["privateDnsEnabled"] is True
            assert {net.by_id[s].urn for s in i["subnetIds"]} == private
            (sg_id,) = i["securityGroupIds"]
            rules = net.by_id[sg_id].plain_inputs()["ingress"]
            assert [(r["fromPort"], r["toPort"], r["cidrBlocks"]) for r in rules] == \
                [(443, 443, [vpc.plain_inputs()["cidrBlock"]])]


def test_vpn_to_the_standby_networks(nets: dict[str, Net]) -> None:
    net = nets["net3"]
    (cgw,) = net.of("CustomerGateway")
    assert cgw.plain_inputs()["bgpAsn"] == "65000" and cgw.plain_inputs()["type"] == "ipsec.1"
    assert cgw.plain_inputs()["ipAddress"] == "103.28.52.10"
    (vgw,) = net.of("VpnGateway")
    assert net.ref(vgw, "vpcId").urn == net.of("Vpc")[0].urn
    (vpn,) = net.of("VpnConnection")
    assert vpn.plain_inputs()["staticRoutesOnly"] is True
    assert net.ref(vpn, "customerGatewayId").urn == cgw.urn and net.ref(vpn, "vpnGatewayId").urn == vgw.urn
    routes = net.of("VpnConnectionRoute")
    assert sorted(r.plain_inputs()["destinationCidrBlock"] for r in routes) == ["10.50.0.0/16", "172.16.8.0/21"]
    assert all(net.ref(r, "vpnConnectionId").urn == vpn.urn for r in routes)
    private_tables = {t.urn for s in net.tier("private") for t in net.tables_of(s)}
    # the data tier too (the DMS replication instance to the standby database), still without an internet route
    isolated_tables = {t.urn for s in net.tier("isolated") for t in net.tables_of(s)}
    propagated = {net.ref(p, "routeTableId").urn for p in net.of("VpnGatewayRoutePropagation")}
    assert propagated == private_tables | isolated_tables and len(isolated_tables) == 3
    assert not nets["net2"].of("VpnConnection") and not nets["net0"].of("CustomerGateway")


def test_no_mandatory_policy_violation(graph: Graph) -> None:
    result = analyze(graph, packs=[Path("policies")])
    bad = [f"{f.policy}: {f.name}: {f.message}" for f in result.findings if f.enforcement == "mandatory"]
    assert not bad


@pytest.mark.parametrize(("change", "message"), [
    ({"cidr": "10.20.0.1/16"}, "RedundantNetworkArgs.cidr: '10.20.0.1/16' is not a network"),
    ({"cidr": "10.20.0.0/26"}, "RedundantNetworkArgs.cidr: '10.20.0.0/26'; allowed: an IPv4 network from /16 to /24"),
    ({"az_count": 5}, "RedundantNetworkArgs.az_count: 5; allowed: 1-4"),
    ({"nat_strategy": "PerAz"}, "RedundantNetworkArgs.nat_strategy: 'PerAz'; allowed: ['OnePerAz', 'Single', 'None']"),
    ({"flow_log_key_arn": None}, "RedundantNetworkArgs.flow_log_key_arn: None; allowed"),
    ({"standby_networks": ["10.20.4.0/24"]}, "standby_networks: 10.20.4.0/24 overlaps the VPC 10.20.0.0/16"),
    ({"vpn_customer_gateway_ip": "192.168.1.1"}, "vpn_customer_gateway_ip: 192.168.1.1 is not public"),
    ({"vpn_customer_gateway_ip": "dc.example"}, "vpn_customer_gateway_ip: 'dc.example'; allowed: a public IPv4"),
])
def test_bad_args_one_clear_line(change: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"name_prefix": "x", "cidr": "10.20.0.0/16", "flow_log_key_arn": "arn:aws:kms:k"}
    with pytest.raises(ValueError) as e:
        _check(RedundantNetworkArgs(**{**base, **change}))
    assert message in str(e.value) and "\n" not in str(e.value)


def test_good_args_pass_and_deprecated_key_spelling_accepted() -> None:
    _check(RedundantNetworkArgs(name_prefix="x", flow_log_kms_key_arn="arn:aws:kms:k", vpn_static_routes=["10.9.0.0/16"]))

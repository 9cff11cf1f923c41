"""RedundantNetwork topology through the offline engine (jakarta-prod, jakarta-staging)."""

from __future__ import annotations

import pytest

from siaga.engine import Graph, run_stack
from siaga.engine.model import plain


@pytest.fixture(scope="module")
def prod() -> Graph:
    return run_stack("jakarta-prod")


def _by_id(g: Graph) -> dict[str, object]:
    return {r.id: r for r in g.resources if r.id}


def test_nat_per_distinct_az_and_private_routes_stay_in_az(prod: Graph) -> None:
    ids = _by_id(prod)
    nats = prod.of_type("aws:ec2/natGateway:NatGateway")
    nat_zone = {n.id: ids[plain(n.inputs["subnetId"])].plain_inputs()["availabilityZoneId"] for n in nats}
    assert sorted(nat_zone.values()) == ["apse3-az1", "apse3-az2", "apse3-az3"]
    assocs = prod.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    routes = [r for r in prod.of_type("aws:ec2/route:Route") if r.plain_inputs().get("natGatewayId")]
    assert len(routes) == 3
    for route in routes:
        rt_id = route.plain_inputs()["routeTableId"]
        subnets = [ids[a.plain_inputs()["subnetId"]] for a in assocs if a.plain_inputs()["routeTableId"] == rt_id]
        assert subnets and all(s.plain_inputs()["availabilityZoneId"] == nat_zone[route.plain_inputs()["natGatewayId"]]
                               for s in subnets)


def test_isolated_tables_have_no_internet_route_and_default_sg_closed(prod: Graph) -> None:
    iso_rts = {r.id for r in prod.of_type("aws:ec2/routeTable:RouteTable") if "isolated" in r.name}
    assert len(iso_rts) == 3
    assert not [r for r in prod.of_type("aws:ec2/route:Route") if r.plain_inputs()["routeTableId"] in iso_rts]
    (sg,) = prod.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not sg.plain_inputs().get("ingress") and not sg.plain_inputs().get("egress")


def test_flow_logs_all_traffic_with_retention(prod: Graph) -> None:
    (fl,) = prod.of_type("aws:ec2/flowLog:FlowLog")
    assert fl.plain_inputs()["trafficType"] == "ALL"
    (group,) = [g for g in prod.of_type("aws:cloudwatch/logGroup:LogGroup") if "flow" in g.name]
    assert group.plain_inputs()["retentionInDays"] >= 365 and group.options.protect


def test_staging_has_two_azs() -> None:
    g = run_stack("jakarta-staging")
    zones = {s.plain_inputs()["availabilityZoneId"] for s in g.of_type("aws:ec2/subnet:Subnet")}
    assert len(zones) == 2


def test_flow_log_group_encrypted_with_stack_logs_key(prod: Graph) -> None:
    (group,) = [g for g in prod.of_type("aws:cloudwatch/logGroup:LogGroup") if "flow" in g.name]
    key_arns = {r.outputs.get("arn") for r in prod.of_type("aws:kms/key:Key")}
    assert group.plain_inputs().get("kmsKeyId") in key_arns

"""The stack's hosted zone comes first: the listener's certificate is validated in it, the failover records live in it.

Asserted on the graph of the reference program (``run_stack``), through the engine's property dependencies: the
HTTPS listener's ``certificateArn`` comes from an ``acm.CertificateValidation`` whose validation record is written
into the one zone the stack creates (or adopts), and DnsFailover writes its records there and creates no zone.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from siaga.engine import Graph, run_stack
from siaga.engine.model import Resource

ZONE = "aws:route53/zone:Zone"
RECORD = "aws:route53/record:Record"
LISTENER = "aws:lb/listener:Listener"
CERT = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
OLD_ZONE_URN = "urn:pulumi:{stack}::siaga::siaga:components:DnsFailover$aws:route53/zone:Zone::dns-zone"
SNAPSHOTS = Path(__file__).parent / "snapshots"


@cache
def graph(stack: str = "jakarta-prod", **overrides: str) -> Graph:
    return run_stack(stack, overrides={f"siaga:{k}": v for k, v in overrides.items()})


def _deps(r: Resource, prop: str) -> list[str]:
    return r.options.propertyDependencies.get(prop, [])


def _one(g: Graph, urns: list[str], type_: str) -> Resource:
    found = [g.by_urn()[u] for u in urns if u in g.by_urn() and g.by_urn()[u].type == type_]
    assert len(found) == 1, f"expected one {type_} among {urns}"
    return found[0]


def _validation_record_of_listener(g: Graph) -> tuple[Resource, Resource, Resource]:
    """HTTPS listener -> its CertificateValidation -> the validation record (the chain CreateListener relies on)."""
    listener = next(r for r in g.of_type(LISTENER) if r.plain_inputs().get("protocol") == "HTTPS")
    validation = _one(g, _deps(listener, "certificateArn"), VALIDATION)
    record = _one(g, _deps(validation, "validationRecordFqdns"), RECORD)
    return listener, validation, record


@pytest.mark.parametrize("stack", ["jakarta-prod", "jakarta-staging"])
def test_listener_certificate_is_validated_in_the_stacks_zone(stack: str) -> None:
    g = graph(stack)
    zones = g.of_type(ZONE)
    assert len(zones) == 1, [z.urn for z in zones]
    zone = zones[0]
    domain = g.config["siaga:domain"]
    assert zone.plain_inputs()["name"] == domain.split(".", 1)[1]  # the parent: records never at the apex

    listener, validation, record = _validation_record_of_listener(g)
    cert = _one(g, _deps(validation, "certificateArn"), CERT)
    assert cert.plain_inputs()["domainName"] == domain and cert.plain_inputs()["validationMethod"] == "DNS"
    # the record ACM looks for, in the zone the stack owns (by reference, not by a copied id)
    assert zone.urn in _deps(record, "zoneId")
    assert record.plain_inputs()["zoneId"] == zone.outputs["zoneId"]
    assert cert.urn in _deps(record, "name") and cert.urn in _deps(record, "records")
    # the zone is registered before anything writes into it
    order = [r.urn for r in g.resources]
    assert order.index(zone.urn) < order.index(record.urn) < order.index(listener.urn)

    # the failover pair lives in the same zone; DnsFailover made no zone of its own
    pair = [r for r in g.of_type(RECORD) if r.plain_inputs().get("failoverRoutingPolicies")]
    assert len(pair) == 2 and all(r.plain_inputs()["zoneId"] == zone.outputs["zoneId"] for r in pair)
    assert all(zone.urn in _deps(r, "zoneId") for r in pair)
    assert g.exports["zoneId"] == zone.outputs["zoneId"]
    assert g.exports["nameServers"] == zone.outputs["nameServers"] and len(g.exports["nameServers"]) == 4


@pytest.mark.parametrize("stack", ["jakarta-prod", "jakarta-staging"])
def test_zone_keeps_its_protected_identity_through_an_alias(stack: str) -> None:
    zone = graph(stack).of_type(ZONE)[0]
    old = OLD_ZONE_URN.format(stack=stack)
    assert zone.urn != old
    # production keeps the lock; staging is tear-down-able (protectStatefulResources defaults to cfg.production)
    production = graph(stack).config["siaga:environment"] == "prod"
    assert zone.options.protect is production and zone.options.retainOnDelete is production
    assert old in json.loads((SNAPSHOTS / f"stateful-urns.{stack}.json").read_text())
    spec = zone.options.aliases[0]["spec"]
    # the engine computes the old URN from the alias: parent type + the resource's own type + the old name
    parent_type = spec["parentUrn"].split("::")[2]
    assert f"urn:pulumi:{stack}::siaga::{parent_type}${zone.type}::{spec['name']}" == old
    # same inputs as the zone DnsFailover used to create: the aliased state plans no update
    domain = graph(stack).config["siaga:domain"]
    assert zone.plain_inputs()["comment"] == f"Siaga failover zone for {domain} (records below the apex)"
    assert set(zone.plain_inputs()) <= {"name", "comment", "forceDestroy"}


def test_adopted_zone_is_used_everywhere_and_nothing_is_created() -> None:
    g = graph(dns=json.dumps({"hostedZoneId": "Z0ADOPTED0000"}))
    assert g.of_type(ZONE) == []
    _, _, record = _validation_record_of_listener(g)
    assert record.plain_inputs()["zoneId"] == "Z0ADOPTED0000"
    pair = [r for r in g.of_type(RECORD) if r.plain_inputs().get("failoverRoutingPolicies")]
    assert {r.plain_inputs()["zoneId"] for r in pair} == {"Z0ADOPTED0000"}
    assert g.exports["zoneId"] == "Z0ADOPTED0000" and len(g.exports["nameServers"]) == 4  # read with get_zone


def test_eks_path_validates_in_the_same_zone() -> None:
    g = graph("hybrid-pdn")
    zone = g.of_type(ZONE)[0]
    validations = g.of_type(VALIDATION)
    assert validations, "the EKS path validates its certificate"
    for v in validations:
        record = _one(g, _deps(v, "validationRecordFqdns"), RECORD)
        assert record.plain_inputs()["zoneId"] == zone.outputs["zoneId"]


def test_readme_figures_are_the_computed_ones() -> None:
    """README's failover figures are the component's output for the reference settings, not a hand-written claim."""
    from components.failover_time import worst_case

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    prod = graph()
    assert f"worst-case failover **{prod.exports['failoverSeconds']:.0f} s**" in readme
    assert prod.exports["failoverBreakdown"]["failover"]["seconds"] == prod.exports["failoverSeconds"]
    assert f"| **total** | | **{worst_case(10, 3, 60).seconds} s** | **{worst_case(30, 3, 60).seconds} s** |" in readme
    assert prod.exports["nameServers"] and "pulumi stack output nameServers" in readme


def test_bad_zone_id_is_one_line() -> None:
    import yaml

    from components.config import ConfigError, parse_config

    base = yaml.safe_load((Path(__file__).parent.parent / "stacks" / "Pulumi.jakarta-prod.yaml").read_text())["config"]
    with pytest.raises(ConfigError) as info:
        parse_config({**base, "siaga:dns": json.dumps({"hostedZoneId": "/hostedzone/Z123"})})
    assert str(info.value) == ("siaga:dns.hostedZoneId: '/hostedzone/Z123' is invalid: allowed: a Route 53 hosted zone id "
                               "such as Z0123456789ABCDEFGHIJ (without /hostedzone/)")
    assert parse_config({**base, "siaga:dns": json.dumps({"hostedZoneId": "Z0ADOPTED0000"})}).dns.hostedZoneId == "Z0ADOPTED0000"


def test_primary_health_check_is_coherent_with_the_listener() -> None:
    """The Route 53 check probes what the HTTPS listener serves: the ALB's own name (sent as Host), the listener's
    port, the target group's health path; the listener forwards every Host (no host rules), so the check is answered."""
    g = graph()
    primary = next(r for r in g.of_type(RECORD)
                   if (r.plain_inputs().get("failoverRoutingPolicies") or [{}])[0].get("type") == "PRIMARY")
    hc = next(r for r in g.of_type("aws:route53/healthCheck:HealthCheck") if r.id == primary.plain_inputs()["healthCheckId"])
    alb = g.of_type("aws:lb/loadBalancer:LoadBalancer")[0]
    listener, _, _ = _validation_record_of_listener(g)
    i, li = hc.plain_inputs(), listener.plain_inputs()
    assert i["fqdn"] == alb.outputs["dnsName"] and alb.urn in _deps(hc, "fqdn")
    assert i["fqdn"] != g.config["siaga:domain"]  # never through the failover records themselves
    assert i["type"] == "HTTPS" and i["port"] == li["port"] == 443
    forward = li["defaultActions"][0]
    assert forward["type"] == "forward"
    tg = next(r for r in g.of_type("aws:lb/targetGroup:TargetGroup") if r.urn in _deps(listener, "defaultActions"))
    assert i["resourcePath"] == tg.plain_inputs()["healthCheck"]["path"]
    host_rules = [r for r in g.of_type("aws:lb/listenerRule:ListenerRule") if listener.urn in _deps(r, "listenerArn")]
    assert host_rules == []

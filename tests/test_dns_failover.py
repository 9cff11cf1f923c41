"""DnsFailover through the offline engine: health-checked PRIMARY/SECONDARY pairs, failover time, policy pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.dns_failover import DnsFailoverArgs, parent_domain
from components.failover_time import STATUS_PROPAGATION_SECONDS, answer_ttl, worst_case
from siaga.analyzer import analyze
from siaga.engine import Graph, run_program
from siaga.engine.model import plain

FIXTURE = "tests/fixtures/programs/rush_dns"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev")


def _pair(graph: Graph, component: str) -> dict[str, dict]:
    out = {}
    for r in graph.of_type("aws:route53/record:Record"):
        if r.parent and r.parent.endswith(f"::{component}"):
            i = r.plain_inputs()
            out[i["failoverRoutingPolicies"][0]["type"]] = i
    return out


def _health_checks(graph: Graph) -> dict[str, dict]:
    return {r.outputs.get("id") or r.id: r.plain_inputs() for r in graph.of_type("aws:route53/healthCheck:HealthCheck")}


@pytest.mark.parametrize("component", ["dns-ip", "dns-host"])
def test_primary_and_secondary_same_name_type_each_health_checked(graph: Graph, component: str) -> None:
    pair = _pair(graph, component)
    assert set(pair) == {"PRIMARY", "SECONDARY"}
    p, s = pair["PRIMARY"], pair["SECONDARY"]
    assert (p["name"], p["type"], p["zoneId"]) == (s["name"], s["type"], s["zoneId"])
    assert (p["setIdentifier"], s["setIdentifier"]) == ("primary", "secondary")
    checks = _health_checks(graph)
    assert p["healthCheckId"] in checks and s["healthCheckId"] in checks
    assert p["healthCheckId"] != s["healthCheckId"]
    primary_hc, standby_hc = checks[p["healthCheckId"]], checks[s["healthCheckId"]]
    assert primary_hc["fqdn"] == "rush-alb-1234567890.ap-southeast-3.elb.amazonaws.com"
    assert primary_hc["type"] == "HTTPS" and primary_hc["resourcePath"] == "/healthz"
    assert primary_hc["requestInterval"] == 10 and primary_hc["failureThreshold"] == 3
    assert primary_hc["enableSni"] is True and primary_hc["measureLatency"] is True
    assert standby_hc["type"] == "HTTPS"


def test_ipv4_standby_alias_primary_and_a_secondary_below_the_apex(graph: Graph) -> None:
    pair = _pair(graph, "dns-ip")
    assert pair["PRIMARY"]["type"] == "A"
    alias = pair["PRIMARY"]["aliases"][0]
    assert alias["evaluateTargetHealth"] is True and alias["zoneId"] == "Z10000000EXAMPLE"
    assert pair["SECONDARY"]["records"] == ["203.0.113.10"] and pair["SECONDARY"]["ttl"] == 60
    zone = graph.get("aws:route53/zone:Zone", "dns-ip-zone")
    assert zone.plain_inputs()["name"] == "contoh.go.id"
    assert pair["PRIMARY"]["zoneId"] == zone.outputs["zoneId"]
    standby = _health_checks(graph)[pair["SECONDARY"]["healthCheckId"]]
    assert standby["ipAddress"] == "203.0.113.10" and "fqdn" not in standby and standby["port"] == 443


def test_hostname_standby_cname_pair_in_given_zone(graph: Graph) -> None:
    pair = _pair(graph, "dns-host")
    assert pair["PRIMARY"]["type"] == pair["SECONDARY"]["type"] == "CNAME"
    assert pair["PRIMARY"]["records"] == ["rush-alb-1234567890.ap-southeast-3.elb.amazonaws.com"]
    assert pair["SECONDARY"]["records"] == ["standby.pdn.go.id"]
    assert pair["PRIMARY"]["zoneId"] == "Z20000000EXISTING"
    standby = _health_checks(graph)[pair["SECONDARY"]["healthCheckId"]]
    assert standby["fqdn"] == "standby.pdn.go.id" and standby["port"] == 8443
    assert not [z for z in graph.of_type("aws:route53/zone:Zone") if z.parent and z.parent.endswith("::dns-host")]


def test_failover_seconds_exported_from_settings(graph: Graph) -> None:
    # 10 s x 3, TTL 60: per checker 3 x (10 s + 6 s probe timeout) = 48, + 30 s assumed propagation, + 60 s TTL
    # (the alias PRIMARY is answered with the ELB's 60 s; the CNAME PRIMARY with ttl_seconds = 60)
    assert graph.exports["ipFailoverSeconds"] == 138
    assert graph.exports["hostFailoverSeconds"] == 138
    assert graph.exports["primaryHealthCheckId"] == _pair(graph, "dns-ip")["PRIMARY"]["healthCheckId"]
    comp = next(r for r in graph.resources if r.type == "siaga:components:DnsFailover" and r.name == "dns-host")
    breakdown = plain(comp.outputs["failoverBreakdown"])
    assert {t["name"]: t["seconds"] for t in breakdown["failover"]["terms"]} == {
        "detection": 48, "aggregation": 0, "propagation": 30, "cached answer (TTL)": 60, "resolver caching beyond TTL": 0}
    assert breakdown["failover"]["seconds"] == comp.outputs["failoverSeconds"] == 138
    assert breakdown["failback"]["seconds"] == comp.outputs["failbackSeconds"] == 138
    assert any("publishes no figure" in a for a in breakdown["failover"]["assumptions"])


def test_failover_seconds_follows_a_changed_setting() -> None:
    g = run_program(FIXTURE, stack="dev", overrides={"rush:intervalSeconds": "30", "rush:ttlSeconds": "20"})
    # CNAME pair: 3 x (30 + 6) + 30 + 20 = 158; alias pair: the PRIMARY keeps the ELB's 60 s -> 3 x 36 + 30 + 60 = 198
    assert g.exports["hostFailoverSeconds"] == 158
    assert g.exports["ipFailoverSeconds"] == 198
    checks = g.of_type("aws:route53/healthCheck:HealthCheck")
    assert {c.plain_inputs()["requestInterval"] for c in checks} == {30}
    assert {r.plain_inputs().get("ttl") for r in g.of_type("aws:route53/record:Record")} - {None} == {20}


def _hand(interval: int, threshold: int, ttl: int, timeout: int = 6, propagation: int = 30) -> int:
    """The worst case worked out by hand: every checker's threshold probes, each after a full interval, each timing out."""
    detection = 0
    for _ in range(threshold):
        detection += interval  # wait after the previous (last good, or failed) response
        detection += timeout  # 4 s to connect + 2 s for the status, then counted as failed
    return detection + propagation + ttl


@pytest.mark.parametrize(("interval", "threshold", "ttl", "expected"), [(10, 3, 60, 138), (30, 3, 60, 198)])
def test_worst_case_matches_the_hand_computation(interval: int, threshold: int, ttl: int, expected: int) -> None:
    est = worst_case(interval, threshold, ttl)
    assert est.seconds == _hand(interval, threshold, ttl) == expected
    terms = {t.name: t.seconds for t in est.terms}
    assert terms["detection"] == threshold * (interval + 6)
    assert terms["propagation"] == STATUS_PROPAGATION_SECONDS == 30
    assert terms["cached answer (TTL)"] == ttl
    assert "18 %" in next(t.basis for t in est.terms if t.name == "aggregation")
    assert est.formula == f"{threshold * (interval + 6)} s detection + 30 s propagation + {ttl} s cached answer (TTL)"


def test_worst_case_terms_follow_check_type_ttl_and_direction() -> None:
    assert worst_case(10, 3, 60, check_type="TCP").seconds == 3 * (10 + 10) + 30 + 60
    assert answer_ttl(True, 5) == 60 and answer_ttl(False, 5) == 5
    args = DnsFailoverArgs(domain="a.b.c", standby_address="203.0.113.10", primary_dns_name="alb", primary_zone_id="Z",
                           interval_seconds=10, failure_threshold=3, ttl_seconds=20)
    assert args.failover.seconds == 48 + 30 + 60  # alias PRIMARY: resolvers hold the ELB's 60 s answer
    assert args.failback.seconds == 48 + 30 + 20  # then they hold the SECONDARY A record's 20 s answer
    assert "SECONDARY" in next(t.basis for t in args.failback.terms if t.name.startswith("cached"))
    assert worst_case(10, 3, 60, resolver_extra_seconds=300).seconds == 138 + 300
    with pytest.raises(ValueError, match="^direction: "):
        worst_case(10, 3, 60, direction="sideways")


def test_no_mandatory_findings(graph: Graph) -> None:
    report = analyze(graph, packs=[Path("policies")])
    mandatory = [f"{f.policy}: {f.name}: {f.message}" for f in report.findings if f.enforcement == "mandatory"]
    assert mandatory == []
    assert not [f for f in report.findings if f.policy == "route53-failover-pair"]


@pytest.mark.parametrize(("change", "key"), [
    ({"interval_seconds": 15}, "interval_seconds"),
    ({"failure_threshold": 0}, "failure_threshold"),
    ({"ttl_seconds": -1}, "ttl_seconds"),
    ({"health_check_path": "healthz"}, "health_check_path"),
    ({"primary_zone_id": None}, "primary_zone_id"),
    ({"domain": "contoh.id"}, "domain"),
])
def test_bad_input_names_the_key(change: dict, key: str) -> None:
    base = {"domain": "layanan.contoh.go.id", "standby_address": "203.0.113.10", "primary_dns_name": "alb",
            "primary_zone_id": "Z1"}
    with pytest.raises(ValueError, match=f"^{key}: "):
        DnsFailoverArgs(**{**base, **change}).validate()


def test_parent_domain_and_formula() -> None:
    assert parent_domain("layanan.contoh.go.id.") == "contoh.go.id"
    args = DnsFailoverArgs(domain="a.b.c", standby_address="x.example", primary_dns_name="alb",
                           interval_seconds=30, failure_threshold=2, ttl_seconds=5)
    assert args.failover_seconds == 2 * (30 + 6) + 30 + 5


def test_pack_would_catch_a_mismatched_pair(graph: Graph) -> None:
    """The zero-findings test is not vacuous: a SECONDARY of another type breaks the pair."""
    broken = graph.model_copy(deep=True)
    for r in broken.of_type("aws:route53/record:Record"):
        if r.name == "dns-host-secondary":
            r.inputs["type"] = "TXT"
            if r.outputs:
                r.outputs["type"] = "TXT"
    report = analyze(broken, packs=[Path("policies")])
    assert [f for f in report.findings if f.policy == "route53-failover-pair"]  # advisory by default


def test_preview_has_no_mandatory_findings() -> None:
    g = run_program(FIXTURE, stack="dev", preview=True)
    report = analyze(g, packs=[Path("policies")])
    assert [f.policy for f in report.findings if f.enforcement == "mandatory"] == []

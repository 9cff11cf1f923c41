"""siaga report on the real reference stacks (this repository's program + stacks/).

Skipped, with the reason, while the root program does not yet create the resources the figures
come from (Route 53 failover, RDS, ASG); tests/test_report.py covers the same logic on a fixture.
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from siaga.documents import availability, drp, residency
from siaga.documents.topology import HEALTH_CHECK, RDS_CLUSTER, RDS_INSTANCE, Topology, analyse
from siaga.engine import run_stack


@cache
def topo(stack: str, **overrides: str) -> Topology:
    g = run_stack(stack, overrides={f"siaga:{k}": v for k, v in overrides.items()})
    missing = [t for t, types in (("Route 53 health checks", (HEALTH_CHECK,)), ("an RDS database", (RDS_INSTANCE, RDS_CLUSTER)),
                                  ("an Auto Scaling group", ("aws:autoscaling/group:Group",))) if not g.of_type(*types)]
    if missing:
        pytest.skip(f"the root program does not create {', '.join(missing)} for {stack} yet")
    return analyse(g)


@pytest.mark.parametrize("stack", ["jakarta-prod", "jakarta-staging"])
def test_reference_failover_figure_matches_the_settings(stack: str) -> None:
    t = topo(stack)
    assert t.config is not None
    dns = t.config.dns
    assert t.primary is not None and t.secondary is not None and t.primary.health_check is not None
    assert t.primary.health_check.interval == dns.healthCheckIntervalSeconds
    assert t.primary.health_check.threshold == dns.failureThreshold
    # the component's output and the documents come from the same function on the same settings
    assert t.dns_failover_seconds() == t.graph.exports["failoverSeconds"]
    assert t.dns_failover_seconds() == dns.failureThreshold * (dns.healthCheckIntervalSeconds + 6) + 30 + t.primary.ttl
    assert f"{t.dns_failover_seconds()} s worst case" in drp.render_markdown(t, stack)


def test_reference_dns_override_changes_the_figure() -> None:
    base = topo("jakarta-prod").dns_failover_seconds()
    changed = topo("jakarta-prod", dns=json.dumps({"healthCheckIntervalSeconds": 30, "failureThreshold": 5, "ttlSeconds": 60}))
    assert base is not None and changed.dns_failover_seconds() is not None
    assert changed.dns_failover_seconds() > base  # type: ignore[operator]
    assert changed.primary.health_check.detection_seconds == 5 * (30 + 6)  # type: ignore[union-attr]
    assert changed.dns_failover_seconds() == changed.graph.exports["failoverSeconds"]


def test_reference_prod_is_redundant_and_meets_the_target() -> None:
    t = topo("jakarta-prod")
    assert t.config is not None
    assert len(t.app_zones()) == t.config.azCount == 3
    assert len(t.nat_zones()) == 3
    assert t.databases and all(d.multi_az for d in t.databases)
    b = availability.budget(t)
    assert b.spofs == [], b.spofs
    assert b.meets_target
    rows = residency.rows(t)
    assert {r.region for r in rows if r.scope == "regional"} == {"ap-southeast-3"}
    assert {r.region for r in rows if r.scope == "global"} == {"none (global service)"}
    assert [r.inCountry for r in rows if r.scope == "on-prem"] == ["declared by the agency"]  # the standby copy
    assert [r.name for r in rows if r.holds == "data" and r.backup == "NOT covered"] == []


def test_reference_less_redundancy_lowers_the_estimate() -> None:
    prod = availability.budget(topo("jakarta-prod"))
    two = availability.budget(topo("jakarta-prod", azCount="2"))
    single = availability.budget(topo("jakarta-staging", natStrategy="Single"))
    assert two.availability < prod.availability
    assert single.availability < availability.budget(topo("jakarta-staging")).availability
    assert any(s.startswith("NAT:") for s in single.spofs)


def test_reference_drp_says_how_to_verify_after_recovery() -> None:
    text = drp.render_markdown(topo("jakarta-prod"), "jakarta-prod")
    section = text.split("## Verify after every recovery and drill", 1)[1].split("## Contacts", 1)[0]
    assert "siaga verify --stack jakarta-prod --outputs outputs.json" in section
    assert "siaga verify --stack jakarta-prod --public  # https://layanan.contoh.go.id" in section
    assert "--backend kubectl" not in section  # jakarta-prod runs no Kubernetes workload


def test_reference_hybrid_drp_verifies_the_pods_on_both_clusters() -> None:
    text = drp.render_markdown(analyse(run_stack("hybrid-pdn")), "hybrid-pdn")
    section = text.split("## Verify after every recovery and drill", 1)[1].split("## Contacts", 1)[0]
    assert 'siaga verify --stack hybrid-pdn --backend kubectl --kube-context "$PRIMARY_KUBE_CONTEXT"' in section
    assert '"$STANDBY_KUBE_CONTEXT"' in section and "layanan/layanan-pdn pods" in section  # namespace/app (siaga:service layanan-pdn)
    assert "--outputs outputs.json" not in section  # hybrid-pdn has no EC2 hosts

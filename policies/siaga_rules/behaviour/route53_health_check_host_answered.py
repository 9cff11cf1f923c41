"""A Route 53 HTTP(S) health check on a load balancer of this stack asks for a Host the load balancer answers.

Route 53 sends the health check's ``fqdn`` as the Host header (``fqdn:port`` on ports other than 80/443), and counts
only 2xx/3xx answers as healthy (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html,
FullyQualifiedDomainName and Type). When ``fqdn`` is the load balancer's own DNS name, that is the Host: an ALB whose
listener answers only host-header rules for the service's domain (default action a 404), or an Ingress whose rules
all name ``host: <domain>``, answers the checker with 404, the primary is never healthy and failover/failback
never works. Port defaults: 80 for HTTP(_STR_MATCH), 443 for HTTPS(_STR_MATCH) (same page, Port).

The endpoint is an ALB of this stack when ``fqdn`` comes from its ``dnsName`` (property dependency or equal value),
or an Ingress when ``fqdn`` comes from the Ingress (its status' load balancer address, known after deploy). ALB
Ingresses sharing ``alb.ingress.kubernetes.io/group.name`` share one ALB, so their rules are judged together.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from siaga_rules.behaviour._wiring import INGRESS_TYPES, alb_host_matches, ingress_host_matches
from siaga_rules.common import (
    LB_TYPES,
    LISTENER_TYPES,
    Controls,
    Res,
    StackCtx,
    as_list,
    as_number,
    is_unknown,
    lookup,
    stack_policy,
)

HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
RULE_TYPES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
HTTP_TYPES = {"HTTP": 80, "HTTP_STR_MATCH": 80, "HTTPS": 443, "HTTPS_STR_MATCH": 443}
GROUP = "alb.ingress.kubernetes.io/group.name"


def _action_answers(actions: Any) -> tuple[bool, str]:
    """Whether the first terminal action answers 2xx/3xx, and what it is."""
    for a in sorted((a for a in as_list(actions) if isinstance(a, dict)),
                    key=lambda a: as_number(lookup(a, "order")) or 0):
        kind = str(lookup(a, "type") or "").lower()
        if kind.startswith("authenticate"):
            continue
        if kind == "fixed-response":
            code = str(lookup(lookup(a, "fixedResponse") or {}, "statusCode") or "")
            return code[:1] in ("2", "3"), f"fixed-response {code or '?'}"
        return True, kind or "forward"
    return False, "no action"


def _rule_matches(rule: Res, host: str | None, path: str, lb: Res) -> bool:
    """Whether a listener rule's conditions match the checker's request (host None: the LB's own name)."""
    own_name = lb.urn in rule.deps.get("conditions", [])
    for cond in as_list(rule.get("conditions")):
        if not isinstance(cond, dict):
            return False
        for key, value in cond.items():
            values = [v for v in as_list(lookup(value, "values")) if isinstance(v, str)]
            regexes = [v for v in as_list(lookup(value, "regexValues")) if isinstance(v, str)]
            if key == "hostHeader":
                if not (own_name or (host is not None and (any(alb_host_matches(v, host) for v in values)
                                                           or any(_regex(v, host) for v in regexes)))):
                    return False
            elif key == "pathPattern":
                if not (any(fnmatch.fnmatchcase(path, v) for v in values) or any(_regex(v, path) for v in regexes)):
                    return False
            elif key == "httpRequestMethod":
                if not any(v.upper() in ("GET", "HEAD") for v in values):
                    return False
            else:  # headers, query strings, source IPs: the checker sends none of the rule's
                return False
    return True


def _regex(pattern: str, value: str) -> bool:
    """An ALB ``regexValues`` condition (host or path); an invalid pattern matches nothing."""
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False


def _wildcard_hosts(rule: Res) -> bool:
    """True when a listener rule has a host-header wildcard or regex (it may match a name not known yet)."""
    for cond in as_list(rule.get("conditions")):
        header = lookup(cond, "hostHeader") if isinstance(cond, dict) else None
        if isinstance(header, dict) and (lookup(header, "regexValues") or any(
                "*" in v or "?" in v for v in as_list(lookup(header, "values")) if isinstance(v, str))):
            return True
    return False


def _path_matches(paths: Any, path: str) -> bool:
    for p in as_list(paths):
        if not isinstance(p, dict):
            continue
        want = str(lookup(p, "path") or "/")
        kind = str(lookup(p, "pathType") or "ImplementationSpecific")
        if kind == "Exact":
            if path == want:
                return True
        elif want == "/" or path == want or path.startswith(want.rstrip("/") + "/"):
            return True
    return False


def _ingress_answers(ingresses: list[Res], host: str | None, path: str) -> bool:
    for ing in ingresses:
        if ing.get("spec.defaultBackend"):
            return True
        for rule in as_list(ing.get("spec.rules")):
            if not isinstance(rule, dict):
                continue
            rule_host = lookup(rule, "host")
            if rule_host and not (host is not None and isinstance(rule_host, str) and ingress_host_matches(rule_host, host)):
                continue
            if _path_matches(lookup(lookup(rule, "http") or {}, "paths"), path):
                return True
    return False


def check(ctx: StackCtx) -> None:
    checks = [h for h in ctx.of_type(HEALTH_CHECK)
              if str(h.get("type") or "").upper() in HTTP_TYPES and h.get("fqdn") and not h.get("ipAddress")]
    if not checks:
        return
    lbs = ctx.of_type(*LB_TYPES)
    by_dns = {d.lower(): lb for lb in lbs if isinstance(d := lb.get("dnsName"), str) and not is_unknown(d)}
    listeners: dict[str, list[Res]] = {}
    for listener in ctx.of_type(*LISTENER_TYPES):
        for lb in ctx.resolve(listener, "loadBalancerArn", *LB_TYPES):
            listeners.setdefault(lb.urn, []).append(listener)
    rules: dict[str, list[Res]] = {}
    for rule in ctx.of_type(*RULE_TYPES):
        for listener in ctx.resolve(rule, "listenerArn", *LISTENER_TYPES):
            rules.setdefault(listener.urn, []).append(rule)
    ingresses = ctx.of_type(*INGRESS_TYPES)
    by_address: dict[str, Res] = {}
    groups: dict[str, list[Res]] = {}
    for ing in ingresses:
        for entry in as_list(ing.get("status.loadBalancer.ingress")):
            address = (lookup(entry, "hostname") or lookup(entry, "ip")) if isinstance(entry, dict) else None
            if isinstance(address, str) and address and not is_unknown(address):
                by_address[address.lower()] = ing
        group = lookup(ing.get("metadata.annotations") or {}, GROUP)
        if isinstance(group, str) and group:
            groups.setdefault(group, []).append(ing)

    for hc in checks:
        fqdn = hc.get("fqdn")
        host = fqdn.lower().rstrip(".") if isinstance(fqdn, str) and not is_unknown(fqdn) else None
        path = hc.get("resourcePath") or "/"
        path = path if isinstance(path, str) and not is_unknown(path) else "/"
        kind = str(hc.get("type")).upper()
        port = as_number(hc.get("port")) or HTTP_TYPES[kind]
        lb_hits = ctx.resolve(hc, "fqdn", *LB_TYPES) or ([by_dns[host]] if host in by_dns else [])
        ing_hits = ctx.resolve(hc, "fqdn", *INGRESS_TYPES) or ([by_address[host]] if host in by_address else [])
        shown = host or "the load balancer's DNS name (known after deploy)"
        for lb in lb_hits:
            on_port = [li for li in listeners.get(lb.urn, []) if as_number(li.get("port")) == port]
            if not on_port:
                ctx.fail(f"Route 53 health check {hc.name} probes {kind} port {int(port)} of load balancer {lb.name} "
                         f"(fqdn {shown}) but no listener of {lb.name} listens on that port: the check never "
                         f"connects. Fix: probe a port a listener serves, or add the listener.", hc)
                continue
            for li in on_port:
                matched = [r for r in rules.get(li.urn, []) if _rule_matches(r, host, path, lb)]
                matched.sort(key=lambda r: as_number(r.get("priority")) or 50000)
                answers, what = (_action_answers(matched[0].get("actions")) if matched
                                 else _action_answers(li.get("defaultActions")))
                if answers:
                    continue
                if host is None and any(_wildcard_hosts(r) for r in rules.get(li.urn, [])):
                    ctx.cannot_verify(hc, f"fqdn (the DNS name of {lb.name}) against the wildcard host-header rules "
                                          f"of {li.name}")
                    continue
                decider = f"rule {matched[0].name}" if matched else f"its default action ({what})"
                ctx.fail(f"Route 53 health check {hc.name} sends Host {shown}, path {path} to listener {li.name} of "
                         f"{lb.name} (port {int(port)}); no listener rule with a host-header condition matches that "
                         f"host, so {decider} answers and the check fails (404): failover and failback never work. "
                         f"Fix: a listener rule with host_header values [{lb.name}.dns_name] forwarding {path} to the "
                         "target group (or a default action that forwards), or set the health check's fqdn to the "
                         "service domain the rules answer (with ip_address unset, the record must resolve to the "
                         "ALB).", hc)
        for ing in ing_hits:
            group = lookup(ing.get("metadata.annotations") or {}, GROUP)
            peers = groups.get(group, [ing]) if isinstance(group, str) and group else [ing]
            if _ingress_answers(peers, host, path):
                continue
            if host is None and any("*" in str(lookup(r, "host") or "") for p in peers
                                    for r in as_list(p.get("spec.rules")) if isinstance(r, dict)):
                ctx.cannot_verify(hc, f"fqdn (the address of Ingress {ing.name}) against its wildcard hosts")
                continue
            hosts = sorted({str(lookup(r, "host")) for p in peers for r in as_list(p.get("spec.rules"))
                            if isinstance(r, dict) and lookup(r, "host")})
            ctx.fail(f"Route 53 health check {hc.name} sends Host {shown}, path {path} to the load balancer of "
                     f"Ingress {ing.name}, whose rules answer only host {', '.join(hosts) or '(none)'}: the controller "
                     "returns 404 for any other Host, so the check fails and failover/failback never works. Fix: add an "
                     f"Ingress rule without host (or a defaultBackend) routing {path} to the service, or health-check "
                     "the service domain instead of the load balancer's address.", hc)


POLICY = stack_policy(
    id="route53-health-check-host-answered",
    name="Route 53 health checks ask for a Host the load balancer answers",
    category="behaviour",
    description="A Route 53 HTTP/HTTPS health check whose fqdn is an ALB or Ingress load balancer of this stack sends "
                "that fqdn as Host: a listener (default action or host-header rule) or an Ingress rule (no host, or "
                "host = fqdn) must route the health path, or the check 404s.",
    remediation="Add a listener rule / Ingress rule answering the health path for the load balancer's own DNS name "
                "(or no host), or probe the service domain the rules answer.",
    check=check,
    controls=Controls(nist=("CP-7", "CP-10", "SC-36"), iso=("A.8.14", "A.5.30")),
)

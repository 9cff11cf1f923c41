"""Route 53 failover record sets have a PRIMARY and a SECONDARY, each health-checked."""

from siaga_rules.common import Controls, Res, StackCtx, as_list, has_unknown, stack_policy


def _failover_type(r: Res) -> str | None:
    for p in as_list(r.get("failoverRoutingPolicies")):
        if isinstance(p, dict):
            return p.get("type")
    return None


def _checked(r: Res) -> bool:
    return bool(r.get("healthCheckId")) or any(
        isinstance(a, dict) and a.get("evaluateTargetHealth") is True for a in as_list(r.get("aliases")))


def check(ctx: StackCtx) -> None:
    groups: dict[tuple, list[Res]] = {}
    for r in ctx.of_type("aws:route53/record:Record"):
        kind = _failover_type(r)
        if kind is None:
            continue
        zone = tuple(r.deps.get("zoneId") or []) or r.get("zoneId")
        key = (zone, str(r.get("name") or "").rstrip(".").lower(), r.get("type"))
        if any(has_unknown(k) for k in key):
            ctx.cannot_verify(r, "zoneId/name/type")
            continue
        groups.setdefault(key, []).append(r)
    require_secondary = ctx.config["requireSecondaryHealthCheck"]
    for (_, name, rtype), records in groups.items():
        kinds = {_failover_type(r): r for r in records}
        for missing in ("PRIMARY", "SECONDARY"):
            if missing not in kinds:
                ctx.fail(f"failover record set {name} {rtype} has no {missing} record: there is nothing to fail "
                         "over to" if missing == "SECONDARY" else f"failover record set {name} {rtype} has no "
                         "PRIMARY record", records[0])
        for kind, r in kinds.items():
            if kind == "SECONDARY" and not require_secondary:
                continue
            if not _checked(r):  # a healthCheckId unknown at preview is still a health check
                ctx.fail(f"{kind} record of {name} {rtype} has no healthCheckId (nor alias evaluateTargetHealth): "
                         "Route 53 cannot tell it is down", r)


POLICY = stack_policy(
    id="route53-failover-pair",
    name="Route 53 failover pairs are health-checked",
    category="availability",
    description="Every Route 53 failover record set has both PRIMARY and SECONDARY records, each with a health check.",
    remediation="Declare both records (same zone, name, type) with failover_routing_policies=[{'type': 'PRIMARY'}] / "
                "'SECONDARY' and set health_check_id on each.",
    check=check,
    controls=Controls(nist=("CP-7", "CP-10", "SC-36"), iso=("A.8.14", "A.5.30")),
    config={"requireSecondaryHealthCheck": {"type": "boolean", "default": True,
                                            "description": "Require a health check on the SECONDARY record too."}},
)

"""A record or health check pointing at a name inside a zone of the stack points at a name some record answers.

Once a zone is delegated, resolvers ask it, and only it, about every name below it (RFC 1034 4.3.2): a name in the
zone with no record set is NXDOMAIN. A CNAME to it hands clients a name to nothing; a Route 53 health check on it
fails ("the endpoint's domain name can't be resolved" counts as unhealthy:
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html), so
a failover record guarded by it is never answered. Answered means: a record set of the stack with that name (or a
wildcard ``*.`` one label up) in the deepest zone of the stack that contains the name. Names in zones that are not
in the stack, and unknown names, are not judged.
"""

from __future__ import annotations

from siaga_rules.behaviour._dns import RECORD, claims, norm, under, zones
from siaga_rules.common import Controls, Res, StackCtx, as_list, stack_policy

HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"


def check(ctx: StackCtx) -> None:
    zone_names = sorted({norm(z.get("name")) or "" for z in zones(ctx).values()}, key=len, reverse=True)
    answered: dict[str, set[str]] = {}  # zone name -> names with a record set there
    for c in claims(ctx):
        if c.kind != "zone" and c.zone:
            answered.setdefault(c.zone, set()).add(c.name)

    def judge(user: Res, what: str, target: object) -> None:
        name = norm(target)
        if name is None:
            return
        zone = next((z for z in zone_names if under(name, z)), None)
        if zone is None:
            return
        names = answered.get(zone, set())
        wildcard = "*." + name.split(".", 1)[1] if "." in name else None
        if name in names or (wildcard and wildcard in names and name != zone):
            return
        ctx.fail(f"{user.name} {what} {name}, which lies inside the stack's zone {zone}, but no record of the stack "
                 f"answers it: once the zone is delegated the name is NXDOMAIN. Fix: add an aws.route53.Record for "
                 f"{name} in zone {zone} (e.g. an A record with the endpoint's addresses), or point at a name outside "
                 "the zone.", user)

    for r in ctx.of_type(RECORD):
        if str(r.get("type")).upper() == "CNAME":
            for value in as_list(r.get("records")):
                judge(r, "is a CNAME to", value)
    for hc in ctx.of_type(HEALTH_CHECK):
        if hc.get("fqdn") and not hc.get("ipAddress"):
            judge(hc, "probes", hc.get("fqdn"))


POLICY = stack_policy(
    id="dns-name-answered",
    name="Names pointed at inside the stack's zones are answered",
    category="behaviour",
    description="A CNAME record or Route 53 health check whose target lies inside a hosted zone of the stack targets a "
                "name some record of that zone answers.",
    remediation="Create the record that answers the target name in its zone, or point at a name outside the zone.",
    check=check,
    controls=Controls(nist=("SC-20", "CP-10"), iso=("A.8.14", "A.8.20")),
)

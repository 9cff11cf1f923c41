"""No DNS name is claimed twice where a delegation needs it (one stack; the reference stacks across stack files).

A hosted zone is answered only once its parent delegates to it with NS records at the zone's name, so that name in
the parent belongs to the delegation: a CNAME there is refused by Route 53 (a CNAME cannot coexist with other data,
RFC 1034 3.6.2), any other record there is never answered once the delegation exists (RFC 1034 4.2.1). Two hosted
zones of one name cannot both be delegated to. Whichever of the two claims is deployed second fails or is silently
unreachable. The names, zones and rules are in ``_dns.py``; ``tests/test_stacks_together.py`` applies the same rules
across the reference stack files (one account, one parent zone).
"""

from __future__ import annotations

from siaga_rules.behaviour._dns import claims, conflicts
from siaga_rules.common import Controls, StackCtx, stack_policy


def check(ctx: StackCtx) -> None:
    seen: set[str] = set()
    for a, b, why in conflicts(claims(ctx)):
        if b.res.urn in seen:  # one finding per claim to change (a CNAME at a delegation point breaks two rules)
            continue
        seen.add(b.res.urn)
        ctx.fail(f"{a.res.name} ({a.kind} {a.name}) and {b.res.name} ({b.kind} {b.name}) claim one DNS name: {why}. "
                 "Whichever is deployed second fails or is never answered. Fix: give one of them a name of its own "
                 "(e.g. the service one label deeper, or the zone one label apart).", b.res)


POLICY = stack_policy(
    id="dns-name-claimed-once",
    name="No DNS name is claimed twice where a delegation needs it",
    category="behaviour",
    description="No two hosted zones of one name; no record other than NS/DS at the name of a zone delegated from a "
                "zone of the stack; no CNAME sharing its name with another record set.",
    remediation="Rename the service record or the zone so that the delegation's name holds only its NS records.",
    check=check,
    controls=Controls(nist=("SC-20", "CM-6"), iso=("A.8.20", "A.8.32")),
)

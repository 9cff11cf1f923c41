"""DNS names a program claims in Route 53 (not a policy: not in the registry).

Shared by ``dns-name-claimed-once`` (one stack) and the cross-stack check of the reference stacks: both ask which
zone answers a name and who else claims it. Route 53 record names may be relative to their zone; the provider makes
them absolute by appending the zone's name (hashicorp/terraform-provider-aws, internal/service/route53/record.go,
``expandRecordName``).
"""

from __future__ import annotations

from dataclasses import dataclass

from siaga_rules.common import Res, StackCtx, is_unknown

ZONE = "aws:route53/zone:Zone"
RECORD = "aws:route53/record:Record"


def norm(name: object) -> str | None:
    """Lower-case, no trailing dot; None for unknown or non-string names."""
    if not isinstance(name, str) or not name or is_unknown(name):
        return None
    return name.rstrip(".").lower()


def under(name: str, zone: str) -> bool:
    """``name`` is ``zone`` or below it."""
    return name == zone or name.endswith("." + zone)


@dataclass(frozen=True)
class Claim:
    """One name a stack puts in DNS: a zone's apex (``kind`` "zone") or a record set (``kind`` its type)."""

    stack: str
    name: str
    kind: str
    zone: str | None
    """Name of the zone holding the record (None for a zone claim, or a record whose zone is not in the graph)."""
    res: Res


def zones(ctx: StackCtx) -> dict[str, Res]:
    """URN -> the public hosted zones of the stack with a known name (private zones answer only inside a VPC)."""
    return {z.urn: z for z in ctx.of_type(ZONE) if norm(z.get("name")) and not z.get("vpcs")}


def record_zone(ctx: StackCtx, record: Res) -> Res | None:
    found = [z for z in ctx.resolve(record, "zoneId", ZONE) if z.urn in zones(ctx)]
    return found[0] if found else None


def record_name(ctx: StackCtx, record: Res) -> str | None:
    """The record's absolute name as the provider sends it (``expandRecordName``: a name that does not end with the
    zone's name gets it appended; an empty one is the apex)."""
    raw, zone = record.get("name"), record_zone(ctx, record)
    zname = norm(zone.get("name")) if zone is not None else None
    if raw == "" and zname:
        return zname
    name = norm(raw)
    if name is None:
        return None
    if zname and not name.endswith(zname):
        name = f"{name}.{zname}"
    return name


def claims(ctx: StackCtx, stack: str = "") -> list[Claim]:
    out = [Claim(stack, norm(z.get("name")) or "", "zone", None, z) for z in zones(ctx).values()]
    for r in ctx.of_type(RECORD):
        name, zone, kind = record_name(ctx, r), record_zone(ctx, r), r.get("type")
        if name and isinstance(kind, str) and not is_unknown(kind):
            out.append(Claim(stack, name, kind.upper(), norm(zone.get("name")) if zone else None, r))
    return out


def conflicts(all_claims: list[Claim]) -> list[tuple[Claim, Claim, str]]:
    """Pairs of claims that cannot both hold, ``(other, culprit, why)``, the culprit being the claim to change:

    - two hosted zones of one name: the parent delegates to one zone's name servers only, the other never answers;
    - a zone whose apex lies inside another zone: its delegation needs NS records at that name in the parent zone, and
      no other record may share the name (a CNAME cannot coexist with any other record, RFC 1034 3.6.2; Route 53
      refuses it; other types at a delegation point are not answered, RFC 1034 4.2.1);
    - a CNAME sharing its name with a record set of another type (RFC 1034 3.6.2), or a second CNAME of another
      routing set (failover/weighted members share one name and type on purpose and are not a conflict)."""
    out: list[tuple[Claim, Claim, str]] = []
    zone_claims = [c for c in all_claims if c.kind == "zone"]
    for i, a in enumerate(zone_claims):
        for b in zone_claims[i + 1:]:
            if a.name == b.name:
                why = "two hosted zones of one name: the parent delegates to the name servers of one only, the other " \
                      "never answers"
                out += [(a, b, why), (b, a, why)]
    for z in zone_claims:
        for c in all_claims:
            if c.kind in ("zone", "NS", "DS") or c.name != z.name or not c.zone or c.zone == z.name:
                continue
            if under(z.name, c.zone):  # c sits in a zone above z: at z's delegation point
                out.append((z, c, f"zone {z.name} must be delegated by NS records at {z.name} in zone {c.zone}, "
                                  f"where {c.res.name} puts a {c.kind} record: "
                                  + ("Route 53 refuses a CNAME beside NS records (RFC 1034 3.6.2)" if c.kind == "CNAME"
                                     else "a delegation point answers only NS (RFC 1034 4.2.1)")))
    records = [c for c in all_claims if c.kind not in ("zone",)]
    for i, a in enumerate(records):
        for b in records[i + 1:]:
            if a.name != b.name or a.zone != b.zone or "CNAME" not in (a.kind, b.kind):
                continue
            if a.kind == b.kind and a.stack == b.stack and a.res.get("setIdentifier") and b.res.get("setIdentifier"):
                continue  # members of one routing set
            other, culprit = (b, a) if a.kind == "CNAME" and b.kind != "CNAME" else (a, b)
            out.append((other, culprit, f"a CNAME cannot share its name with another record set (RFC 1034 3.6.2): "
                                        f"{a.kind} and {b.kind} at {a.name}"))
    return out

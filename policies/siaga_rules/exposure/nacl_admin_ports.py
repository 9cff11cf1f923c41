"""Network ACLs do not allow ingress from the whole internet to SSH (22) or RDP (3389).

A NACL entry allows ``rule_action`` "allow" for ``protocol`` (-1 = all, 6 = tcp) over ``from_port``-``to_port``
from ``cidr_block`` / ``ipv6_cidr_block`` (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html).
Entries are evaluated in rule-number order, so an allow behind a lower-numbered deny of the same traffic is not
reachable; Security Hub EC2.21 flags any allow entry all the same, and so does this rule (keep the ACL free of them).
"""

from typing import Any

from siaga_rules.common import Controls, Ctx, as_bool, as_list, resource_policy

OPEN = ("0.0.0.0/0", "::/0")
PORTS = (22, 3389)
ACL = "aws:ec2/networkAcl:NetworkAcl"
RULE = "aws:ec2/networkAclRule:NetworkAclRule"
DEFAULT_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"


def _hits(entry: dict[str, Any], ctx: Ctx) -> list[int]:
    action = str(ctx.get("action", entry) or ctx.get("ruleAction", entry) or "").lower()
    if action != "allow":
        return []
    cidrs = [ctx.get("cidrBlock", entry), ctx.get("ipv6CidrBlock", entry)]
    if not any(c in OPEN for c in cidrs):
        return []
    proto = str(ctx.get("protocol", entry) or "").lower()
    if proto in ("-1", "all"):
        return list(PORTS)
    if proto not in ("6", "tcp"):
        return []
    lo, hi = ctx.get("fromPort", entry), ctx.get("toPort", entry)
    lo_i = int(float(lo)) if lo is not None else 0
    hi_i = int(float(hi)) if hi is not None else 65535
    return [p for p in PORTS if lo_i <= p <= hi_i]


def check(ctx: Ctx) -> None:
    if ctx.type == RULE:
        if as_bool(ctx.get("egress")) is True:
            return
        hit = _hits(ctx.props, ctx)
        if hit:
            ctx.fail(f"allows ingress to port(s) {hit} from the internet")
        return
    for i, entry in enumerate(as_list(ctx.get("ingress"))):
        if isinstance(entry, dict) and (hit := _hits(entry, ctx)):
            ctx.fail(f"ingress[{i}] allows port(s) {hit} from the internet")


POLICY = resource_policy(
    id="nacl-no-open-admin-ports",
    name="Network ACLs keep SSH/RDP closed to the internet",
    category="exposure",
    types=(ACL, RULE, DEFAULT_ACL),
    description="Network ACL ingress entries do not allow 0.0.0.0/0 or ::/0 to port 22 or 3389 (all-protocol "
                "entries count).",
    remediation="Allow 22/3389 only from the VPC or on-premises CIDRs, or not at all (SSM Session Manager).",
    check=check,
    controls=Controls(nist=("SC-7", "AC-17", "AC-4"), iso=("A.8.20", "A.8.22"),
                      fsbp=("EC2.21",), checkov=("CKV_AWS_231", "CKV_AWS_232")),
)

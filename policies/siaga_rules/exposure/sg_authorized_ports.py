"""Security groups open only authorized ports to the whole internet (FSBP EC2.18).

Security Hub EC2.18 fails a group with unrestricted ingress (0.0.0.0/0 or ::/0) on any port outside its
``authorizedTcpPorts`` parameter, default 80 and 443 (no UDP ports)
(https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-18). Same rule here, with the same
defaults as config; all-protocol and port-range rules count as every port they span.
"""

from typing import Any

from siaga_rules.common import Controls, Ctx, as_list, resource_policy
from siaga_rules.exposure.admin_ports_open import OPEN, TYPES


def _unauthorized(tcp: set[int], udp: set[int], proto: Any, lo: Any, hi: Any) -> str | None:
    proto = str(proto if proto is not None else "tcp").lower()
    lo_i = int(float(lo)) if lo is not None else 0
    hi_i = int(float(hi)) if hi is not None else lo_i
    if proto in ("-1", "all") or lo_i == -1:
        return "all traffic"
    allowed = tcp if proto in ("tcp", "6") else udp if proto in ("udp", "17") else set()
    extra = [p for p in range(lo_i, hi_i + 1) if p not in allowed] if hi_i - lo_i < 70000 else [lo_i]
    if not extra:
        return None
    return f"{proto} {lo_i}" if lo_i == hi_i else f"{proto} {lo_i}-{hi_i}"


def check(ctx: Ctx) -> None:
    tcp = {int(p) for p in ctx.config["authorizedTcpPorts"]}
    udp = {int(p) for p in ctx.config["authorizedUdpPorts"]}
    if ctx.type == "aws:ec2/securityGroup:SecurityGroup":
        rules = [(f"ingress[{i}]", r) for i, r in enumerate(as_list(ctx.get("ingress"))) if isinstance(r, dict)]
    elif ctx.type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        rules = [("rule", ctx.props)] if ctx.get("type") == "ingress" else []
    else:
        rules = [("rule", {"cidrBlocks": [ctx.get("cidrIpv4")], "ipv6CidrBlocks": [ctx.get("cidrIpv6")],
                           "protocol": ctx.get("ipProtocol"), "fromPort": ctx.get("fromPort"),
                           "toPort": ctx.get("toPort")})]
    for where, rule in rules:
        cidrs = as_list(ctx.get("cidrBlocks", rule)) + as_list(ctx.get("ipv6CidrBlocks", rule))
        wide = [c for c in cidrs if c in OPEN]
        if not wide:
            continue
        what = _unauthorized(tcp, udp, ctx.get("protocol", rule), ctx.get("fromPort", rule), ctx.get("toPort", rule))
        if what:
            ctx.fail(f"{where} opens {what} to {', '.join(wide)}; only TCP {sorted(tcp)}"
                     f"{f' and UDP {sorted(udp)}' if udp else ''} may be open to the internet")


def _ports(default: list[int], what: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535}, "default": default,
            "description": what}


POLICY = resource_policy(
    id="sg-unrestricted-authorized-ports",
    name="Only authorized ports open to the internet",
    category="exposure",
    types=TYPES,
    description="Security group ingress from 0.0.0.0/0 or ::/0 is limited to the authorized ports (default TCP "
                "80 and 443, as Security Hub EC2.18).",
    remediation="Restrict the source CIDRs, or put the service behind a load balancer listening on 443.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4", "CM-7"), iso=("A.8.20", "A.8.22"), fsbp=("EC2.18",)),
    config={"authorizedTcpPorts": _ports([80, 443], "TCP ports that may be open to 0.0.0.0/0 or ::/0."),
            "authorizedUdpPorts": _ports([], "UDP ports that may be open to 0.0.0.0/0 or ::/0.")},
)

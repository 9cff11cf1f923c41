"""Security-group flows agree at both ends: what a group admits from another group of the stack, that
group may send; what a group may send to another group of the stack, that group admits.

AWS evaluates a connection twice: the sender's egress rules and the receiver's ingress rules must both allow
it (return traffic is then allowed by state tracking:
https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html). A group created by pulumi-aws
has no egress unless a rule gives it some (see sg_model). So an ingress rule admitting a group whose egress
does not allow the port is a flow that silently never works, and so is an egress rule towards a group that
does not admit it.

Rules for all traffic (protocol -1) are blanket rules: the other end must allow *something* between the two
groups, not every protocol. Partial port overlap reports the ports left uncovered.
"""

from __future__ import annotations

from siaga_rules.behaviour.sg_model import Group, Model, Perm, ranges, uncovered
from siaga_rules.common import Controls, Res, StackCtx, stack_policy


def _ref(g: Group) -> str:
    """How a program refers to the group's id."""
    return f"{g.res.name}.vpc_config.cluster_security_group_id" if g.virtual else f"{g.res.name}.id"


def _fix_egress(src: Group, dst: Group, need: Perm, gaps: list[tuple[int, int]]) -> str:
    proto = need.proto if need.proto in ("tcp", "udp") else "-1"
    ports = f", from_port={gaps[0][0]}, to_port={gaps[-1][1]}" if proto != "-1" else ""
    return (f"add an egress rule to {src.label}: aws.vpc.SecurityGroupEgressRule(security_group_id="
            f"{_ref(src)}, referenced_security_group_id={_ref(dst)}, ip_protocol='{proto}'{ports}), "
            f"or stop admitting it in {dst.res.name}")


def _fix_ingress(src: Group, dst: Group, need: Perm, gaps: list[tuple[int, int]]) -> str:
    proto = need.proto if need.proto in ("tcp", "udp") else "-1"
    ports = f", from_port={gaps[0][0]}, to_port={gaps[-1][1]}" if proto != "-1" else ""
    return (f"add an ingress rule to {dst.label}: aws.vpc.SecurityGroupIngressRule(security_group_id="
            f"{_ref(dst)}, referenced_security_group_id={_ref(src)}, ip_protocol='{proto}'{ports}), "
            f"or remove the egress rule if the flow is not wanted")


def _missing(need: Perm, gaps: list[tuple[int, int]]) -> str:
    if need.proto in ("tcp", "udp"):
        return f"{need.proto} {ranges(gaps)}"
    return need.traffic()


def _judge(model: Model, ctx: StackCtx, need: Perm, sender: Group, receiver: Group,
           reported: set[tuple[str, str]]) -> None:
    """``need`` is the rule at one end (ingress of receiver, or egress of sender); check the other end."""
    if need.direction == "ingress":
        other, flagged, other_dir = model.egress[sender.key], sender, "egress"
        offered, maybe = model.matching(other, receiver)
    else:
        other, flagged, other_dir = model.ingress[receiver.key], receiver, "ingress"
        offered, maybe = model.matching(other, sender)
    gaps = uncovered(need, offered)
    if not gaps:
        return
    # a rule whose peer, ports or addresses are not known could close the gap: say so, never guess
    if maybe and uncovered(need, offered + [_assume_ports(p) for p in maybe]) != gaps:
        ctx.cannot_verify(flagged.res, f"{other_dir} rules towards {need.where} (unknown peers or addresses)")
        return
    relevant = [p for p in other if p.proto is not None]
    if need.direction == "ingress":
        what = (f"{receiver.label} admits {need.describe()} [{receiver.res.urn}], but the egress of "
                f"{sender.label} does not allow {_missing(need, gaps)} to {receiver.label}: its egress "
                + (_summary(relevant) if relevant else "has no rule at all (pulumi-aws removes AWS's default "
                   "allow-all egress when it creates a group), so nothing leaves it")
                + f". Fix: {_fix_egress(sender, receiver, need, gaps)}.")
    else:
        what = (f"{sender.label} may send {need.describe()} [{sender.res.urn}], but {receiver.label} does not "
                f"admit {_missing(need, gaps)} from {sender.label}: its ingress "
                + (_summary(relevant) if relevant else "has no rule at all")
                + f". Fix: {_fix_ingress(sender, receiver, need, gaps)}.")
    key = (flagged.res.urn, what)
    if key not in reported:
        reported.add(key)
        ctx.fail(what, flagged.res)


def _assume_ports(p: Perm) -> Perm:
    """``p`` with unknown protocol/ports read as all traffic (the most it could allow)."""
    if p.proto is not None:
        return p
    return Perm(p.group, p.direction, "all", 0, 65535, kind=p.kind, peer=p.peer, cidrs=p.cidrs, where=p.where)


def _summary(perms: list[Perm], limit: int = 4) -> str:
    shown = "; ".join(p.describe() for p in perms[:limit])
    return f"allows only {shown}" + (f" and {len(perms) - limit} more" if len(perms) > limit else "")


def check(ctx: StackCtx) -> None:
    model = Model(ctx).build()
    reported: set[tuple[str, str]] = set()
    unknown_owner: dict[str, Res] = {}
    for rule, prop in model.unresolved_rules:
        unknown_owner[rule.urn] = rule
        ctx.cannot_verify(rule, prop)
    for key, group in model.groups.items():
        for need in model.ingress.get(key, []):
            if need.kind == "sg" and need.peer is not None and need.proto is not None:
                _judge(model, ctx, need, need.peer, group, reported)
            elif need.kind == "sg":
                ctx.cannot_verify(group.res, f"protocol/ports of {need.where}")
            elif need.kind == "unknown" and not group.virtual:
                ctx.cannot_verify(group.res, f"source of {need.where}")
        for need in model.egress.get(key, []):
            if need.kind == "sg" and need.peer is not None and need.proto is not None:
                _judge(model, ctx, need, group, need.peer, reported)
            elif need.kind == "sg":
                ctx.cannot_verify(group.res, f"protocol/ports of {need.where}")
            elif need.kind == "unknown" and not group.virtual:
                ctx.cannot_verify(group.res, f"destination of {need.where}")


POLICY = stack_policy(
    id="sg-flows-agree",
    name="Security-group flows agree at both ends",
    category="behaviour",
    description="For every ingress rule whose source is a security group of this stack, the source's egress allows "
                "that protocol/port towards the target; for every egress rule to a group of this stack, the target "
                "admits it (inline blocks, aws.vpc rule resources and aws.ec2.SecurityGroupRule; by group, CIDR, "
                "prefix list or all traffic).",
    remediation="Add the missing egress rule on the sending group (or ingress rule on the receiving group), e.g. "
                "aws.vpc.SecurityGroupEgressRule with referenced_security_group_id set to the other group and the "
                "same protocol and ports; remember pulumi-aws removes AWS's default allow-all egress.",
    check=check,
    controls=Controls(nist=("SC-7", "CM-6", "CP-10"), iso=("A.8.20", "A.8.22")),
)

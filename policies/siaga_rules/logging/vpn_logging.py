"""Site-to-Site VPN tunnels log to CloudWatch Logs.

``tunnel1_log_options.cloudwatch_log_options.log_enabled`` and the same for tunnel 2 default to false
(https://docs.aws.amazon.com/vpn/latest/s2svpn/monitoring-logs.html): tunnel up/down and IKE negotiation events,
the first thing needed when the link to the data centre drops, are not kept.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    off = [t for t in ("tunnel1", "tunnel2")
           if as_bool(ctx.get(f"{t}LogOptions.cloudwatchLogOptions.logEnabled")) is not True]
    if off:
        ctx.fail(f"{', '.join(off)}: cloudwatch_log_options.log_enabled is not true; tunnel events are not logged")


POLICY = resource_policy(
    id="vpn-tunnel-logging",
    name="Site-to-Site VPN tunnel logging",
    category="logging",
    level=EnforcementLevel.ADVISORY,
    types=("aws:ec2/vpnConnection:VpnConnection",),
    description="Both tunnels of a VPN connection set cloudwatch_log_options.log_enabled=True.",
    remediation="tunnel1_log_options / tunnel2_log_options={'cloudwatch_log_options': {'log_enabled': True, "
                "'log_group_arn': <log group ARN>}}.",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12", "SI-4"), iso=("A.8.15",), fsbp=("EC2.171",)),
)

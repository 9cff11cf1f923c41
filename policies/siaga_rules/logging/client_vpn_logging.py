"""Client VPN endpoints log client connections.

``connection_log_options.enabled`` is required by the API; false means no record of who connected, from where and
when (https://docs.aws.amazon.com/vpn/latest/clientvpn-admin/connection-logging.html).
"""

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("connectionLogOptions.enabled")) is not True:
        ctx.fail("connectionLogOptions.enabled is not true: client connections are not logged")


POLICY = resource_policy(
    id="client-vpn-connection-logging",
    name="Client VPN connection logging",
    category="logging",
    types=("aws:ec2clientvpn/endpoint:Endpoint",),
    description="Client VPN endpoints set connection_log_options.enabled=True.",
    remediation="connection_log_options={'enabled': True, 'cloudwatch_log_group': ..., 'cloudwatch_log_stream': ...}.",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12", "AC-17"), iso=("A.8.15",), fsbp=("EC2.51",)),
)

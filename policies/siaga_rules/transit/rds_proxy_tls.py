"""RDS proxies require TLS from clients (FSBP RDS.43).

``requireTls`` defaults to false: the proxy then accepts plaintext connections even when the database forces TLS
behind it (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBProxy.html, RequireTLS).
"""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("requireTls") is not True:
        ctx.fail("requireTls is not true (RDS API default: false): clients may connect to the proxy in plaintext")


POLICY = resource_policy(
    id="rds-proxy-tls",
    name="RDS proxies require TLS",
    category="transit",
    types=("aws:rds/proxy:Proxy",),
    description="RDS proxies set requireTls=true.",
    remediation="Set require_tls=True on the aws.rds.Proxy.",
    check=check,
    controls=Controls(nist=("SC-8", "SC-8(1)"), iso=("A.8.24",), fsbp=("RDS.43",)),
)

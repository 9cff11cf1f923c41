"""Transit gateways do not accept shared VPC attachments automatically.

``auto_accept_shared_attachments`` "enable" attaches any VPC of an account the gateway is shared with, without
review, into the routing domain (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html); default
"disable".
"""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if str(ctx.get("autoAcceptSharedAttachments") or "disable").lower() == "enable":
        ctx.fail("autoAcceptSharedAttachments is 'enable': any VPC of an account it is shared with joins the "
                 "network without review")


POLICY = resource_policy(
    id="tgw-no-auto-accept",
    name="Transit gateway attachments reviewed",
    category="exposure",
    types=("aws:ec2transitgateway/transitGateway:TransitGateway",),
    description="Transit gateways keep auto_accept_shared_attachments='disable' (default).",
    remediation="auto_accept_shared_attachments='disable'; accept attachments with "
                "aws.ec2transitgateway.VpcAttachmentAccepter after review.",
    check=check,
    controls=Controls(nist=("AC-4", "SC-7", "CM-3"), iso=("A.8.20", "A.8.22"), fsbp=("EC2.23",),
                      checkov=("CKV_AWS_331",)),
)

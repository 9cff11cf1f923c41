"""EC2 instances and launch templates require IMDSv2 (session tokens)."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:ec2/instance:Instance" and ctx.get("launchTemplate") and ctx.get("metadataOptions") is None:
        return  # the launch template's metadata options apply (checked on the template)
    if ctx.get("metadataOptions.httpEndpoint") == "disabled":
        return
    tokens = ctx.get("metadataOptions.httpTokens")
    if tokens != "required":
        ctx.fail(f"metadataOptions.httpTokens is {tokens or 'not set (API default: optional)'}; 'required' needed "
                 "(IMDSv1 lets an SSRF bug steal the instance role's credentials)")


POLICY = resource_policy(
    id="imdsv2-required",
    name="IMDSv2 required",
    category="exposure",
    types=("aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate",
           "aws:ec2/launchConfiguration:LaunchConfiguration"),
    description="EC2 instances, launch templates and launch configurations set metadataOptions.httpTokens='required'.",
    remediation="metadata_options={'http_tokens': 'required', 'http_put_response_hop_limit': 1, 'http_endpoint': 'enabled'}.",
    check=check,
    controls=Controls(nist=("AC-3", "SC-7", "CM-6"), iso=("A.8.9",),
                      fsbp=("EC2.8", "EC2.170", "AutoScaling.3"), checkov=("CKV_AWS_79",)),
)

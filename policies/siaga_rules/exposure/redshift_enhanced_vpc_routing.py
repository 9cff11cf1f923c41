"""Redshift clusters route COPY/UNLOAD traffic through the VPC (FSBP Redshift.7, cdk-nag
RedshiftEnhancedVPCRoutingEnabled).

``enhancedVpcRouting`` defaults to false: COPY and UNLOAD then reach S3 over the internet path, outside the VPC's
security groups, endpoints and flow logs (https://docs.aws.amazon.com/redshift/latest/mgmt/enhanced-vpc-routing.html).
"""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("enhancedVpcRouting") is not True:
        ctx.fail("enhancedVpcRouting is not true (default: false): COPY/UNLOAD traffic bypasses the VPC")


POLICY = resource_policy(
    id="redshift-enhanced-vpc-routing",
    name="Redshift enhanced VPC routing",
    category="exposure",
    types=("aws:redshift/cluster:Cluster",),
    description="Redshift clusters set enhancedVpcRouting.",
    remediation="Set enhanced_vpc_routing=True and give the VPC an S3 gateway endpoint.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4"), iso=("A.8.20", "A.8.22"), fsbp=("Redshift.7",),
                      cdk_nag=("NIST.800.53.R5-RedshiftEnhancedVPCRoutingEnabled",), checkov=("CKV_AWS_321",)),
)

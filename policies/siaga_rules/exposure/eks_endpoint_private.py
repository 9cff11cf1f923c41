"""EKS API endpoints are private only (FSBP EKS.1 as Security Hub evaluates it).

``eks-public-endpoint-restricted`` (mandatory) refuses an endpoint open to the internet. Security Hub's EKS.1 fails
*any* cluster with ``endpointPublicAccess`` true, CIDR-restricted or not
(https://docs.aws.amazon.com/securityhub/latest/userguide/eks-controls.html#eks-1). A public endpoint restricted
to the deployer's egress CIDRs is Siaga's documented path for running ``pulumi up`` from outside the VPC
(components/eks.py, ``deployer_inside_vpc``), so this rule is advisory: it says the cluster will fail EKS.1 and how
to close it (deploy from inside the VPC), without blocking that path.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, as_bool, as_list, resource_policy


def check(ctx: Ctx) -> None:
    public = as_bool(ctx.get("vpcConfig.endpointPublicAccess"))
    if public is False:
        return
    cidrs = [str(c) for c in as_list(ctx.get("vpcConfig.publicAccessCidrs"))]
    state = "true" if public else "not set (the EKS default: true)"
    reach = f"restricted to {cidrs}" if cidrs else "open to 0.0.0.0/0"
    ctx.fail(f"the Kubernetes API endpoint is public (endpointPublicAccess {state}, {reach}); Security Hub EKS.1 "
             "fails any public endpoint: deploy from inside the VPC and set endpoint_public_access=False")


POLICY = resource_policy(
    id="eks-endpoint-private",
    name="EKS API endpoint private only",
    category="exposure",
    level=EnforcementLevel.ADVISORY,
    types=("aws:eks/cluster:Cluster",),
    description="EKS clusters set vpc_config.endpoint_public_access=False (a CIDR-restricted public endpoint "
                "still fails FSBP EKS.1); advisory, the mandatory part is eks-public-endpoint-restricted.",
    remediation="Run pulumi up inside the VPC (deployer_inside_vpc=True) and set endpoint_public_access=False, "
                "endpoint_private_access=True.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-17", "AC-3"), iso=("A.8.20", "A.8.22"),
                      fsbp=("EKS.1",), checkov=("CKV_AWS_39",)),
)

"""EKS cluster API endpoints are not open to the whole internet.

EKS defaults (https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html): ``endpointPublicAccess``
"The default value for this parameter is true"; ``publicAccessCidrs`` "The default value is 0.0.0.0/0". So a
cluster whose ``vpcConfig`` sets neither has a Kubernetes API reachable from anywhere (protected by IAM + RBAC only).
"""

from siaga_rules.common import Controls, Ctx, as_bool, as_list, resource_policy

OPEN = {"0.0.0.0/0", "::/0"}


def check(ctx: Ctx) -> None:
    public = ctx.get("vpcConfig.endpointPublicAccess")
    if as_bool(public) is False:
        return
    cidrs = [str(c) for c in as_list(ctx.known(ctx.get("vpcConfig.publicAccessCidrs"), "vpcConfig.publicAccessCidrs"))]
    open_ = sorted(OPEN.intersection(cidrs)) or ([] if cidrs else ["0.0.0.0/0 (the EKS default)"])
    if open_:
        state = "true" if public is not None else "not set (the EKS default: true)"
        ctx.fail(f"the Kubernetes API endpoint is public (endpointPublicAccess {state}) and open to {open_}: anyone "
                 "on the internet can reach the API server; set vpc_config.endpoint_public_access=False with "
                 "endpoint_private_access=True, or public_access_cidrs=[<agency egress CIDRs>]")


POLICY = resource_policy(
    id="eks-public-endpoint-restricted",
    name="EKS API endpoint not open to the internet",
    category="exposure",
    types=("aws:eks/cluster:Cluster",),
    description="EKS clusters with a public API endpoint (the EKS default) restrict publicAccessCidrs (default "
                "0.0.0.0/0).",
    remediation="vpc_config={'endpoint_private_access': True, 'endpoint_public_access': False} or "
                "public_access_cidrs=[<agency CIDRs>].",
    check=check,
    controls=Controls(nist=("SC-7", "AC-17", "AC-3"), iso=("A.8.20", "A.8.22"),
                      fsbp=("EKS.1",), checkov=("CKV_AWS_38",)),
)

"""Application, Network and Gateway Load Balancers have deletion protection on.

``enable_deletion_protection`` defaults to false (ELBv2 attribute ``deletion_protection.enabled``, "The default is
false", https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html): one
mistaken ``pulumi destroy``, replacement or console click deletes the entry point and its DNS name, and clients
keep resolving a name that no longer exists until DNS is fixed.
"""

from siaga_rules.common import LB_TYPES, Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("enableDeletionProtection")) is not True:
        ctx.fail("enableDeletionProtection is not true (ELBv2 default: false): the load balancer and its DNS name "
                 "can be deleted by one mistaken destroy or replacement")


POLICY = resource_policy(
    id="lb-deletion-protection",
    name="Load balancer deletion protection",
    category="availability",
    types=LB_TYPES,
    description="ELBv2 load balancers set enable_deletion_protection=True (default false).",
    remediation="aws.lb.LoadBalancer(..., enable_deletion_protection=True); turn it off in a separate change "
                "before a deliberate removal.",
    check=check,
    controls=Controls(nist=("CP-10", "SC-5", "CM-3"), iso=("A.8.14", "A.8.32"),
                      fsbp=("ELB.6",), cdk_nag=("NIST.800.53.R5-ELBDeletionProtectionEnabled",),
                      checkov=("CKV_AWS_150",)),
)

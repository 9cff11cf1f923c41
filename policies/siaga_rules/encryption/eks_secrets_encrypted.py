"""EKS clusters encrypt Kubernetes secrets with a KMS key (envelope encryption)."""

from siaga_rules.common import Controls, Ctx, as_list, resource_policy


def check(ctx: Ctx) -> None:
    cfg = ctx.get("encryptionConfig")
    resources = as_list(ctx.get("encryptionConfig.resources"))
    if not cfg or "secrets" not in resources or not ctx.present("encryptionConfig.provider.keyArn"):
        ctx.fail("encryptionConfig with resources=['secrets'] and provider.keyArn is not set")


POLICY = resource_policy(
    id="eks-secrets-encrypted",
    name="EKS secrets encrypted with KMS",
    category="encryption",
    types=("aws:eks/cluster:Cluster",),
    description="EKS clusters use KMS envelope encryption for Kubernetes secrets.",
    remediation="Set encryption_config={'resources': ['secrets'], 'provider': {'key_arn': key.arn}}.",
    check=check,
    controls=Controls(nist=("SC-28", "SC-12"), iso=("A.8.24",), pp71=("Pasal-20",),
                      fsbp=("EKS.3",), checkov=("CKV_AWS_58",)),
)

"""KMS keys are single-region: a multi-region key lets ciphertext be decrypted abroad."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:kms/key:Key":
        if ctx.get("multiRegion") is True:
            ctx.fail("multiRegion is true: the key material can be replicated to other regions")
        return
    ctx.fail("a replica of a multi-region key: key material leaves its home region")


POLICY = resource_policy(
    id="kms-single-region",
    name="No multi-region KMS keys",
    category="residency",
    types=("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/replicaExternalKey:ReplicaExternalKey"),
    description="KMS keys are single-region; multi-region keys and replica keys are refused.",
    remediation="Set multi_region=False (requires a new key) and remove aws.kms.ReplicaKey resources.",
    check=check,
    controls=Controls(nist=("SC-12", "SA-9(5)"), iso=("A.8.24", "A.5.23"), pp71=("Pasal-20",)),
)

"""ElastiCache replication groups encrypt data in transit."""

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("transitEncryptionEnabled")) is not True:
        ctx.fail("transitEncryptionEnabled is not true")
    elif ctx.get("transitEncryptionMode") == "preferred":
        ctx.fail("transitEncryptionMode is 'preferred' (plain connections still accepted); use 'required'")


POLICY = resource_policy(
    id="elasticache-in-transit-encrypted",
    name="ElastiCache encrypted in transit",
    category="transit",
    types=("aws:elasticache/replicationGroup:ReplicationGroup",),
    description="ElastiCache replication groups require TLS between clients and nodes.",
    remediation="Set transit_encryption_enabled=True (transit_encryption_mode='required').",
    check=check,
    controls=Controls(nist=("SC-8",), iso=("A.8.24",),
                      fsbp=("ElastiCache.5",), checkov=("CKV_AWS_30",)),
)

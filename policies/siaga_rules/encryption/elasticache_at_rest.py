"""ElastiCache replication groups encrypt data at rest."""

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("atRestEncryptionEnabled")) is not True:
        ctx.fail("atRestEncryptionEnabled is not true")


POLICY = resource_policy(
    id="elasticache-at-rest-encrypted",
    name="ElastiCache encrypted at rest",
    category="encryption",
    types=("aws:elasticache/replicationGroup:ReplicationGroup",),
    description="ElastiCache (Redis/Valkey) replication groups encrypt data at rest.",
    remediation="Set at_rest_encryption_enabled=True and kms_key_id on aws.elasticache.ReplicationGroup.",
    check=check,
    controls=Controls(nist=("SC-28",), iso=("A.8.24",), pp71=("Pasal-20",),
                      fsbp=("ElastiCache.4",), checkov=("CKV_AWS_29",)),
)

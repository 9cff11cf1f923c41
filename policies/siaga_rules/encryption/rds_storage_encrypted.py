"""RDS instances and Aurora / Multi-AZ DB clusters encrypt their storage."""

from siaga_rules.common import RDS_TYPES, Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("storageEncrypted") is not True:
        if ctx.type == "aws:rds/instance:Instance" and ctx.get("replicateSourceDb"):
            return  # a read replica inherits the source's encryption
        ctx.fail("storageEncrypted is not true (RDS API default: false)")
    elif ctx.config["requireCustomerKey"] and not ctx.present("kmsKeyId"):
        ctx.fail("storage is encrypted with the AWS managed aws/rds key; kmsKeyId must name a customer managed key")


POLICY = resource_policy(
    id="rds-storage-encrypted",
    name="RDS storage encrypted",
    category="encryption",
    types=RDS_TYPES,
    description="RDS DB instances and Aurora/Multi-AZ DB clusters have storage encryption on.",
    remediation="Set storage_encrypted=True and kms_key_id=<customer managed key ARN>; an existing "
                "database is encrypted by restoring an encrypted snapshot copy.",
    check=check,
    controls=Controls(nist=("SC-28", "SC-28(1)"), iso=("A.8.24",), pp71=("Pasal-20",),
                      fsbp=("RDS.3", "RDS.27"), cdk_nag=("NIST.800.53.R5-RDSStorageEncrypted",),
                      checkov=("CKV_AWS_16", "CKV_AWS_96")),
    config={"requireCustomerKey": {"type": "boolean", "default": True,
                                   "description": "Require kmsKeyId (a customer managed key)."}},
)

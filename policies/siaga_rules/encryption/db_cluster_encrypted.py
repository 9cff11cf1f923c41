"""DocumentDB, Neptune and Redshift clusters encrypt their storage; MemoryDB keeps TLS on (FSBP DocumentDB.1,
Neptune.1, Redshift.10).

``storageEncrypted`` (DocumentDB, Neptune) and ``encrypted`` (Redshift) are opt-in in the create APIs
(https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBCluster.html,
https://docs.aws.amazon.com/neptune/latest/apiref/API_CreateDBCluster.html,
https://docs.aws.amazon.com/redshift/latest/APIReference/API_CreateCluster.html), so the program must say so;
a cluster's snapshots inherit its encryption (Neptune.6 follows from Neptune.1 for the stack's clusters).
MemoryDB always encrypts at rest; its ``tlsEnabled`` (default true) turned off leaves clients in plaintext. As for
RDS (rds-storage-encrypted), an encrypted cluster names a customer managed key (``kmsKeyId``; Neptune ``kmsKeyArn``) unless the policy
config requireCustomerKey is false.
"""

from siaga_rules.common import Controls, Ctx, resource_policy

FLAG = {"aws:docdb/cluster:Cluster": "storageEncrypted", "aws:neptune/cluster:Cluster": "storageEncrypted",
        "aws:redshift/cluster:Cluster": "encrypted"}
KEY = {"aws:docdb/cluster:Cluster": "kmsKeyId", "aws:neptune/cluster:Cluster": "kmsKeyArn",
       "aws:redshift/cluster:Cluster": "kmsKeyId"}


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:memorydb/cluster:Cluster":
        if ctx.get("tlsEnabled") is False:
            ctx.fail("tlsEnabled is false: clients connect to the MemoryDB cluster in plaintext")
        return
    if ctx.type == "aws:neptune/cluster:Cluster" and ctx.get("replicationSourceIdentifier"):
        return  # a read replica cluster takes its source's encryption
    flag = FLAG[ctx.type]
    if ctx.get(flag) is not True:
        ctx.fail(f"{flag} is not true: the cluster's storage is not encrypted at rest")
    elif ctx.config["requireCustomerKey"] and not ctx.present(KEY[ctx.type]):
        ctx.fail(f"{KEY[ctx.type]} is not set: the storage is encrypted with the service's AWS managed key; name a "
                 "customer managed key")


POLICY = resource_policy(
    id="db-cluster-encrypted",
    name="DocumentDB, Neptune, Redshift and MemoryDB encrypted",
    category="encryption",
    types=(*FLAG, "aws:memorydb/cluster:Cluster"),
    description="DocumentDB and Neptune clusters set storageEncrypted, Redshift clusters set encrypted, each with a "
                "customer managed kmsKeyId; MemoryDB clusters keep tlsEnabled.",
    remediation="Set storage_encrypted=True (encrypted=True for Redshift) with kms_key_id=<customer managed key>; "
                "an existing cluster is encrypted by restoring a snapshot into a new encrypted cluster.",
    check=check,
    controls=Controls(nist=("SC-28", "SC-28(1)"), iso=("A.8.24",), pp71=("Pasal-20",),
                      fsbp=("DocumentDB.1", "Neptune.1", "Neptune.6", "Redshift.10"),
                      cdk_nag=("NIST.800.53.R5-RedshiftClusterConfiguration",),
                      checkov=("CKV_AWS_74", "CKV_AWS_44", "CKV_AWS_64", "CKV_AWS_202", "CKV_AWS_182", "CKV_AWS_347",
                               "CKV_AWS_142")),
    config={"requireCustomerKey": {"type": "boolean", "default": True,
                                   "description": "Require kmsKeyId (a customer managed key) on encrypted clusters."}},
)

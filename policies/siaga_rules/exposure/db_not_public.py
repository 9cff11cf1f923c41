"""Databases are not reachable from the internet."""

from pulumi_policy import Severity

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    public = ctx.get("publiclyAccessible")
    if ctx.type == "aws:redshift/cluster:Cluster" and public is None:
        ctx.fail("publiclyAccessible is not set (Redshift API default: true)")
    elif public is True:
        ctx.fail("publiclyAccessible is true: the endpoint resolves to a public IP")


POLICY = resource_policy(
    id="db-not-publicly-accessible",
    name="Databases not publicly accessible",
    category="exposure",
    types=("aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance", "aws:redshift/cluster:Cluster",
           "aws:dms/replicationInstance:ReplicationInstance"),
    description="RDS instances, Aurora cluster instances, Redshift clusters and DMS instances are not publicly accessible.",
    remediation="Set publicly_accessible=False and place the database in private subnets.",
    check=check,
    controls=Controls(nist=("AC-3", "SC-7"), iso=("A.8.20", "A.8.22"),
                      fsbp=("RDS.2", "DMS.1", "Redshift.1"),
                      cdk_nag=("NIST.800.53.R5-RDSInstancePublicAccess", "NIST.800.53.R5-DMSReplicationNotPublic", "NIST.800.53.R5-RedshiftClusterPublicAccess"),
                      checkov=("CKV_AWS_17", "CKV_AWS_89", "CKV_AWS_87")),
    severity=Severity.CRITICAL,
)

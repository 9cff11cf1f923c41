"""RDS DB instances run Multi-AZ (a synchronous standby in another AZ)."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("replicateSourceDb"):
        return
    if ctx.get("multiAz") is not True:
        ctx.fail("multiAz is not true (API default: single-AZ): losing one AZ stops the database")


POLICY = resource_policy(
    id="rds-multi-az",
    name="RDS Multi-AZ",
    category="availability",
    types=("aws:rds/instance:Instance",),
    description="RDS DB instances are Multi-AZ deployments.",
    remediation="Set multi_az=True (or use a Multi-AZ DB cluster / Aurora with a replica in another AZ).",
    check=check,
    controls=Controls(nist=("CP-7", "CP-10", "SC-36"), iso=("A.8.14",),
                      fsbp=("RDS.5",), cdk_nag=("NIST.800.53.R5-RDSMultiAZSupport",), checkov=("CKV_AWS_157",)),
)

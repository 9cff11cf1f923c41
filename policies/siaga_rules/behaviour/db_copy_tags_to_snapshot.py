"""RDS and Neptune databases copy their tags to snapshots (FSBP RDS.16, RDS.17, RDS.47, RDS.48, Neptune.8).

``copyTagsToSnapshot`` defaults to false: snapshots then lose the DataClassification, Environment and backup
selection tags the pack and AWS Backup rely on, so a restored copy is judged as untagged. Advisory.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("copyTagsToSnapshot") is not True:
        ctx.fail("copyTagsToSnapshot is not true (default: false): snapshots lose the classification tags")


POLICY = resource_policy(
    id="db-copy-tags-to-snapshot",
    name="Databases copy tags to snapshots",
    category="behaviour",
    types=("aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:neptune/cluster:Cluster"),
    description="RDS instances and clusters and Neptune clusters set copyTagsToSnapshot.",
    remediation="Set copy_tags_to_snapshot=True.",
    check=check,
    controls=Controls(nist=("CM-8", "CP-9"), iso=("A.5.12", "A.8.13"),
                      fsbp=("RDS.16", "RDS.17", "RDS.47", "RDS.48", "Neptune.8"), checkov=("CKV2_AWS_60", "CKV_AWS_313")),
    level=EnforcementLevel.ADVISORY,
)

"""Restore tests of databases and instances land in the stack's isolated network, not the default VPC.

AWS Backup infers the restore metadata of a restore test and "can infer that a resource should be restored to the
default setting, such as an Amazon EC2 instance or Amazon RDS cluster restored to the default VPC. However, if the
default is not present, for example the default VPC or subnet has been deleted and no metadata override has been
input, the restore will not be successful"; ``RestoreMetadataOverrides`` keys are not case sensitive and are, per
resource type, for RDS/Aurora/DocumentDB/Neptune clusters and RDS instances ``dbSubnetGroupName``,
``vpcSecurityGroupIds`` (and ``publiclyAccessible`` for instances), for EC2 ``subnetId`` and ``securityGroupIds``
(https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html). A restored copy of
confidential data in the default VPC (public subnets, default security group) is outside the isolation the stack
claims, so both keys are required; a restore that is publicly accessible is refused too. EBS volumes take no
network placement and are not judged here.
"""

from __future__ import annotations

import json

from siaga_rules.common import Controls, StackCtx, as_bool, has_unknown, is_unknown, stack_policy

SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
DB_TYPES = ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster")
REQUIRED = {
    "RDS": ("dbSubnetGroupName", "vpcSecurityGroupIds"),
    "AURORA": ("dbSubnetGroupName", "vpcSecurityGroupIds"),
    "DOCUMENTDB": ("dbSubnetGroupName", "vpcSecurityGroupIds"),
    "NEPTUNE": ("dbSubnetGroupName", "vpcSecurityGroupIds"),
    "EC2": ("subnetId", "securityGroupIds"),
}


def _suggestion(ctx: StackCtx, kind: str) -> str:
    """A concrete override from this stack's own databases (their subnet group and security groups)."""
    if kind == "EC2":
        return "subnetId=<an isolated subnet id>, securityGroupIds=<a group admitting nothing from outside>"
    for db in ctx.of_type(*DB_TYPES):
        group, sgs = db.get("dbSubnetGroupName"), db.get("vpcSecurityGroupIds")
        if isinstance(group, str) and not is_unknown(group) and isinstance(sgs, list) and not has_unknown(sgs):
            return (f"dbSubnetGroupName={group!r}, vpcSecurityGroupIds={json.dumps(sgs)!r} (those of {db.name}, "
                    "or a restore-test group admitting nothing)")
    return "dbSubnetGroupName=<the isolated DB subnet group>, vpcSecurityGroupIds=<a restore-test security group>"


def check(ctx: StackCtx) -> None:
    suggestions: dict[str, str] = {}  # one scan of the databases per resource type, not per selection
    for sel in ctx.of_type(SELECTION):
        kind = sel.get("protectedResourceType")
        if not isinstance(kind, str) or kind.upper() not in REQUIRED:
            continue
        overrides = sel.get("restoreMetadataOverrides")
        if is_unknown(overrides):
            ctx.cannot_verify(sel, "restoreMetadataOverrides")
            continue
        given = {str(k).lower(): v for k, v in (overrides or {}).items()} if isinstance(overrides, dict) else {}
        missing = [k for k in REQUIRED[kind.upper()] if given.get(k.lower()) in (None, "", "[]")]
        public = as_bool(given.get("publiclyaccessible")) is True
        if not missing and not public:
            continue
        if kind.upper() not in suggestions:
            suggestions[kind.upper()] = _suggestion(ctx, kind.upper())
        problems = []
        if missing:
            problems.append(f"restoreMetadataOverrides sets no {' or '.join(missing)}, so AWS Backup restores each "
                            f"tested {kind} recovery point into the default VPC (and the test fails if that VPC was "
                            "deleted)")
        if public:
            problems.append("restoreMetadataOverrides sets publiclyAccessible true")
        ctx.fail(f"restore testing selection {sel.name}: {'; '.join(problems)}: the restored copy of the data sits "
                 f"outside the stack's isolated subnets. Fix: restore_metadata_overrides with "
                 f"{suggestions[kind.upper()]}" + (" and publiclyAccessible 'false'" if public else "") + ".",
                 sel)


POLICY = stack_policy(
    id="restore-testing-stays-isolated",
    name="Restore tests stay in the isolated network",
    category="behaviour",
    description="An AWS Backup restore testing selection for RDS/Aurora/DocumentDB/Neptune (or EC2) overrides the "
                "restore's DB subnet group and security groups (subnet and security groups for EC2) and never makes "
                "it public, so restores do not land in the default VPC.",
    remediation="Set restore_metadata_overrides dbSubnetGroupName and vpcSecurityGroupIds (EC2: subnetId and "
                "securityGroupIds) to the stack's isolated subnet group and a closed security group.",
    check=check,
    controls=Controls(nist=("CP-4", "SC-7", "AC-4"), iso=("A.8.13", "A.8.22")),
)

"""Physical names for runbook commands: what the program sets is real; what AWS assigns is looked up.

The offline graph's ids and ARNs are stand-ins (the engine's mocks). A runbook must never print them
as if they were real, so a command uses a name the program sets explicitly, or a shell lookup that
finds the real value at incident time (Pulumi auto-names a resource ``<logical name>-<7 hex>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from siaga.engine.model import UNKNOWN, Resource
from siaga.i18n import N_

if TYPE_CHECKING:
    from siaga.i18n import Language


@dataclass(frozen=True)
class Name:
    var: str
    """Shell variable the steps use, e.g. ``DB``."""
    lookup: str
    """The line that sets it: a literal assignment or a lookup command."""

    @property
    def ref(self) -> str:
        return f'"${self.var}"'


def explicit(r: Resource, key: str) -> str | None:
    value = r.plain_inputs().get(key)
    return value if isinstance(value, str) and value and value != UNKNOWN else None


def named(var: str, r: Resource, key: str, list_cmd: str, query_field: str, region: str | None) -> Name:
    """``var=<explicit name>``, else a lookup by the auto-name prefix with ``list_cmd``."""
    value = explicit(r, key)
    if value:
        return Name(var, f"{var}={value}")
    reg = f" --region {region}" if region else ""
    return Name(var, f"{var}=$({list_cmd} --query \"{query_field.format(prefix=r.name + '-')}\" --output text{reg})")


def asg(r: Resource, region: str) -> Name:
    return named("ASG", r, "name", "aws autoscaling describe-auto-scaling-groups",
                 "AutoScalingGroups[?starts_with(AutoScalingGroupName, '{prefix}')].AutoScalingGroupName | [0]", region)


def db_instance(r: Resource, region: str) -> Name:
    if r.type == "aws:rds/cluster:Cluster":
        return named("DB", r, "clusterIdentifier", "aws rds describe-db-clusters",
                     "DBClusters[?starts_with(DBClusterIdentifier, '{prefix}')].DBClusterIdentifier | [0]", region)
    return named("DB", r, "identifier", "aws rds describe-db-instances",
                 "DBInstances[?starts_with(DBInstanceIdentifier, '{prefix}')].DBInstanceIdentifier | [0]", region)


def vault(r: Resource, region: str) -> Name:
    return named("VAULT", r, "name", "aws backup list-backup-vaults",
                 "BackupVaultList[?starts_with(BackupVaultName, '{prefix}')].BackupVaultName | [0]", region)


def role_arn(r: Resource | None, lang: Language | None = None) -> Name:
    if r is None:
        what = N_("the backup selection's IAM role ARN: {command}")
        what = lang.gettext(what) if lang else what
        return Name("ROLE", "ROLE=<" + what.format(command="aws backup get-backup-selection") + ">")
    name = explicit(r, "name")
    if name:
        return Name("ROLE", f"ROLE=arn:aws:iam::$ACCOUNT:role/{name}")
    return named("ROLE", r, "name", "aws iam list-roles", "Roles[?starts_with(RoleName, '{prefix}')].Arn | [0]", None)


def role_name(r: Resource) -> str:
    name = explicit(r, "name")
    if name:
        return name
    return f"$(aws iam list-roles --query \"Roles[?starts_with(RoleName, '{r.name}-')].RoleName | [0]\" --output text)"

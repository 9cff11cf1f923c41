"""EKS clusters run a Kubernetes version in standard support (Security Hub EKS.2 fails extended support too).

Advisory: a version in extended support still gets patches (at extra cost per cluster hour), but Security Hub
EKS.2 reports it, and it is at most 12 months from a forced upgrade (calendar: eks_versions.py). A version past
extended support is reported here too (and, mandatory, by eks-version-supported).
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, resource_policy
from siaga_rules.exposure import eks_versions


def check(ctx: Ctx) -> None:
    version = eks_versions.parse(ctx.get("version"))
    if version is None:
        return  # unset (EKS's current default) or unparseable (eks-version-supported says so)
    state = eks_versions.support(version, eks_versions.today())
    shown = f"{version[0]}.{version[1]}"
    if state == "extended":
        standard, extended = eks_versions.CALENDAR[version]
        ctx.fail(f"Kubernetes {shown} left EKS standard support on {standard.isoformat()}: extended support (extra "
                 f"cost) until {extended.isoformat()}, then EKS upgrades it itself; Security Hub EKS.2 fails it")
    elif state == "ended":
        ctx.fail(f"Kubernetes {shown} is past EKS standard and extended support; Security Hub EKS.2 fails it")


POLICY = resource_policy(
    id="eks-version-standard-support",
    name="EKS version in standard support",
    category="exposure",
    level=EnforcementLevel.ADVISORY,
    types=("aws:eks/cluster:Cluster",),
    description="EKS clusters run a Kubernetes version still in EKS standard support (advisory; past extended "
                "support is eks-version-supported).",
    remediation="Plan the next minor upgrade before the standard-support end date in the EKS release calendar.",
    check=check,
    controls=Controls(nist=("SI-2", "CM-2"), iso=("A.8.8",), fsbp=("EKS.2",)),
)

"""EKS clusters run a Kubernetes version AWS still supports (standard or extended support).

A version past the end of extended support gets no security patches and EKS upgrades the control plane by itself
at a time of its choosing, without the add-on and node-group upgrades the program would do (calendar and dates:
eks_versions.py). Unset ``version`` means EKS's current default at creation: passes.
"""

from siaga_rules.common import Controls, Ctx, resource_policy
from siaga_rules.exposure import eks_versions


def check(ctx: Ctx) -> None:
    value = ctx.get("version")
    if value is None:
        return
    version = eks_versions.parse(value)
    if version is None:
        ctx.fail(f"version {value!r} is not a Kubernetes minor version (e.g. '1.34')")
        return
    state = eks_versions.support(version, eks_versions.today())
    if state == "ended":
        end = eks_versions.CALENDAR.get(version, (None, None))[1]
        when = f"ended {end.isoformat()}" if end else "ended before the oldest version in the EKS calendar"
        ctx.fail(f"Kubernetes {value}: EKS extended support {when}; the control plane gets no patches and EKS "
                 "upgrades it on its own schedule")


POLICY = resource_policy(
    id="eks-version-supported",
    name="EKS version still supported",
    category="exposure",
    types=("aws:eks/cluster:Cluster",),
    description="EKS clusters do not pin a Kubernetes version past the end of EKS extended support (EKS release "
                "calendar in siaga_rules/exposure/eks_versions.py).",
    remediation="Upgrade one minor version at a time (version='1.x+1'), with add-ons and node groups.",
    check=check,
    controls=Controls(nist=("SI-2", "SA-22", "CM-2"), iso=("A.8.8", "A.8.19"),
                      fsbp=("EKS.2",), checkov=("CKV_AWS_339",)),
)

"""An Auto Scaling group with instance refresh follows a concrete launch template version.

The provider starts an instance refresh only when ``launch_template`` / ``mixed_instances_policy`` change, and
"a refresh will not start when version = "$Latest" is configured in the launch_template block. To trigger the
instance refresh when a launch template is changed, configure version to use the latest_version attribute of the
aws.ec2.LaunchTemplate resource" (pulumi-aws / terraform-provider-aws aws_autoscaling_group, instance_refresh.triggers:
https://www.pulumi.com/registry/packages/aws/api-docs/autoscaling/group/#instance_refresh). ``$Default`` behaves the
same (the group's own setting does not change), and an absent version means ``$Default``
(https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html). A fixed number
that is not the template's latest version never picks up the new template either.
"""

from __future__ import annotations

from typing import Any

from siaga_rules.common import Controls, Res, StackCtx, as_number, is_unknown, lookup, stack_policy

ASG = "aws:autoscaling/group:Group"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
FLOATING = ("$Latest", "$Default")


def _specs(asg: Res) -> list[tuple[str, str, Any]]:
    """(top-level property, path shown, launch template specification) of the group."""
    out: list[tuple[str, str, Any]] = []
    lt = asg.get("launchTemplate")
    if isinstance(lt, dict):
        out.append(("launchTemplate", "launchTemplate", lt))
    mixed = asg.get("mixedInstancesPolicy.launchTemplate.launchTemplateSpecification")
    if isinstance(mixed, dict):
        out.append(("mixedInstancesPolicy", "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification", mixed))
    return out


def check(ctx: StackCtx) -> None:
    for asg in ctx.of_type(ASG):
        if not asg.get("instanceRefresh"):
            continue
        for prop, path, spec in _specs(asg):
            templates = ctx.resolve(asg, prop, LAUNCH_TEMPLATE)
            if not templates:
                ref = lookup(spec, "id") or lookup(spec, "name")
                index = ctx.index(LAUNCH_TEMPLATE)
                templates = [index[ref]] if isinstance(ref, str) and ref in index else []
            lt_name = templates[0].name if templates else "its launch template"
            version = lookup(spec, "version")
            if is_unknown(version):
                if not templates:
                    ctx.cannot_verify(asg, f"{path}.version")
                continue  # computed from a resource of the stack: the template's latestVersion output
            fix = (f"Fix: version={lt_name}.latest_version (as a string), so every new template version changes the "
                   "group and starts the rolling refresh.")
            if version is None or version in FLOATING:
                shown = "not set ($Default)" if version is None else repr(version)
                ctx.fail(f"Auto Scaling group {asg.name} has instance_refresh but {path}.version is {shown}: the "
                         f"group's settings do not change when {lt_name} gets a new version, so no instance refresh "
                         f"starts and running instances keep the old template. {fix}", asg)
                continue
            latest_raw = templates[0].get("latestVersion") if templates else None
            latest = as_number(latest_raw)
            pinned = as_number(version)
            if pinned is not None and templates and (latest_raw is None or is_unknown(latest_raw)):
                ctx.cannot_verify(asg, f"{path}.version {version} against {lt_name}.latestVersion")
                continue
            if latest is not None and pinned is not None and pinned != latest:
                ctx.fail(f"Auto Scaling group {asg.name} pins {path}.version {version!s} while {lt_name}'s latest "
                         f"version is {int(latest)}: instance refresh runs on the old template. {fix}", asg)


POLICY = stack_policy(
    id="asg-refresh-triggers",
    name="Instance refresh can trigger",
    category="behaviour",
    description="An Auto Scaling group with instance_refresh uses its launch template's latest_version, not "
                "$Latest/$Default (absent), which never change the group and so never start a refresh.",
    remediation="Set launch_template.version (or the mixed instances policy's) to the template's latest_version "
                "output.",
    check=check,
    controls=Controls(nist=("CM-3", "SI-2", "CP-10"), iso=("A.8.32", "A.8.8")),
)

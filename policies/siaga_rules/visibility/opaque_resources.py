"""Resources the pack cannot see into (CloudFormation stacks, Helm releases, unknown packages) are reported."""

from pulumi_policy import Severity

from siaga_rules.common import Controls, StackCtx, stack_policy

OPAQUE_TYPES = {
    "aws:cloudformation/stack:Stack": "a CloudFormation stack: its resources are created by CloudFormation",
    "aws:cloudformation/stackSet:StackSet": "a CloudFormation StackSet: deploys to the regions it is given",
    "aws:cloudformation/stackSetInstance:StackSetInstance": "a CloudFormation StackSet instance",
    "aws:cloudformation/stackInstances:StackInstances": "CloudFormation stack instances",
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": "a Serverless Application Repository stack",
    "aws-native:cloudformation:Stack": "a CloudFormation stack",
    "kubernetes:helm.sh/v3:Release": "a Helm release: its manifests are rendered by Helm, not by the program",
    "command:local:Command": "a local command: what it creates is not declared",
    "command:remote:Command": "a remote command: what it creates is not declared",
}


def check(ctx: StackCtx) -> None:
    known = set(ctx.config["knownPackages"])
    parents = {r.parent for r in ctx.resources if r.parent}
    for r in ctx.resources:
        if r.type in OPAQUE_TYPES:
            ctx.fail(f"{OPAQUE_TYPES[r.type]}; no policy can check what it creates", r)
            continue
        if r.type.startswith("pulumi:"):
            continue
        package = r.type.split(":", 1)[0]
        if package in known or r.urn in parents:
            continue
        ctx.fail(f"type {r.type} (package {package!r}) has no rules in this pack and no child resources in the "
                 "stack: a custom resource or a remote component the pack cannot see into", r)


POLICY = stack_policy(
    id="opaque-resources",
    name="Resources the pack cannot see into",
    category="visibility",
    description="CloudFormation stacks, Helm releases, commands, and resources of packages without rules (or remote "
                "components without visible children) are reported: the pack cannot verify them.",
    remediation="Declare the resources directly with pulumi-aws / pulumi-kubernetes, or review the opaque resource "
                "by hand and record the decision (disable this policy per stack only after review).",
    check=check,
    controls=Controls(nist=("CM-8", "CA-7"), iso=("A.5.9",)),
    severity=Severity.MEDIUM,
    config={"knownPackages": {"type": "array", "items": {"type": "string"},
                              "default": ["aws", "kubernetes", "random", "tls"],
                              "description": "Packages this pack has rules for (their resources are visible)."}},
)

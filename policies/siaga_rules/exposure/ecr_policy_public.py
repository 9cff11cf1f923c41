"""ECR repository and registry policies do not grant access to everyone.

An ``Allow`` statement whose principal is ``"*"`` (or ``{"AWS": "*"}``) grants every AWS account - any
authenticated principal anywhere - the listed actions on the images (pull, and push when listed), unless a
condition narrows who it applies to (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html,
"Allow all AWS accounts ... " examples; the organisation-wide pattern uses ``aws:PrincipalOrgID``). Narrowing
condition keys are the global identity/network keys
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html): aws:PrincipalOrgID,
aws:PrincipalOrgPaths, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn, aws:SourceOrgID,
aws:SourceOrgPaths, aws:SourceVpce, aws:SourceVpc, aws:SourceIp, aws:SourceOwner; a condition whose only value is
``*`` narrows nothing. ``Allow`` with ``NotPrincipal`` grants everyone but the listed principals and is flagged too.
"""

import json

from siaga_rules.common import Controls, Ctx, as_list, resource_policy
from siaga_rules.exposure.open_statements import is_everyone as _is_everyone
from siaga_rules.exposure.open_statements import narrowed as _narrowed


def check(ctx: Ctx) -> None:
    policy = ctx.get("repositoryPolicy" if ctx.type.endswith("RepositoryCreationTemplate") else "policy")
    if policy in (None, ""):
        return
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            ctx.fail("policy is not valid JSON: ECR rejects it")
            return
    kind = {"RegistryPolicy": "registry", "RepositoryCreationTemplate": "repository creation template"}.get(
        ctx.type.rsplit(":", 1)[-1], "repository")
    for i, stmt in enumerate(as_list(policy.get("Statement") if isinstance(policy, dict) else None)):
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
            continue
        sid = stmt.get("Sid") or f"Statement[{i}]"
        actions = as_list(stmt.get("Action"))
        if "NotPrincipal" in stmt:
            ctx.fail(f"{kind} policy statement {sid!r} allows {actions} with NotPrincipal: everyone except the "
                     "listed principals is granted; name the principals with Principal instead")
            continue
        if _is_everyone(stmt.get("Principal")) and not _narrowed(stmt.get("Condition")):
            ctx.fail(f"{kind} policy statement {sid!r} allows {actions} to Principal '*' without a narrowing "
                     "condition: every AWS account can use the images; name the accounts/roles in Principal, or add "
                     "a condition such as {'StringEquals': {'aws:PrincipalOrgID': 'o-...'}}")


POLICY = resource_policy(
    id="ecr-policy-not-public",
    name="ECR policies not open to everyone",
    category="exposure",
    types=("aws:ecr/repositoryPolicy:RepositoryPolicy", "aws:ecr/registryPolicy:RegistryPolicy",
           "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"),
    description="ECR repository and registry policies have no Allow statement for Principal '*' (or NotPrincipal) "
                "without a narrowing condition (aws:PrincipalOrgID, aws:SourceAccount, aws:PrincipalAccount, "
                "aws:SourceVpce, ...).",
    remediation="Grant named account or role ARNs, or keep Principal '*' with a condition "
                "{'StringEquals': {'aws:PrincipalOrgID': '<org id>'}}.",
    check=check,
    controls=Controls(nist=("AC-3", "AC-6", "SC-7"), iso=("A.5.15", "A.8.3")),
)

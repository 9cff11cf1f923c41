"""Account/region singletons created by a stack collide with the one that already exists.

GuardDuty allows one detector per account and region: a second CreateDetector fails with "BadRequestException: The
request is rejected because a detector already exists for the current account", which is what member accounts of an
organisation with GuardDuty auto-enable hit (https://github.com/hashicorp/terraform-provider-aws/issues/11780,
https://github.com/nozaq/terraform-aws-secure-baseline/issues/199). The same holds for the other singletons below
(one Security Hub subscription, one Config recorder and delivery channel, one Macie session, one Detective graph,
one Inspector enablement per account and region; one IAM password policy and alias per account): a second stack in
the account, or an account where the organisation already enabled the service, fails its first ``pulumi up``, and
destroying the stack that created it turns the service off for everyone.

Passes: a resource tagged ``siaga.go.id/account-singleton: owner`` (this stack is the account's designated owner),
or whose type the policy config lists in ``ownedTypes``. Otherwise adopt the existing one by configuration (its id
in stack config, then ``Detector.get`` / ``import``) instead of creating it.
"""

from __future__ import annotations

from siaga_rules.common import Controls, Ctx, EnforcementLevel, resource_policy, tags_of

OWNER_TAG = "siaga.go.id/account-singleton"
SINGLETONS = {
    "aws:guardduty/detector:Detector": ("GuardDuty detector", "region"),
    "aws:securityhub/account:Account": ("Security Hub account subscription", "region"),
    "aws:cfg/recorder:Recorder": ("AWS Config configuration recorder", "region"),
    "aws:cfg/deliveryChannel:DeliveryChannel": ("AWS Config delivery channel", "region"),
    "aws:macie2/account:Account": ("Macie account", "region"),
    "aws:detective/graph:Graph": ("Detective behavior graph", "region"),
    "aws:inspector2/enabler:Enabler": ("Inspector enablement", "region"),
    "aws:iam/accountPasswordPolicy:AccountPasswordPolicy": ("IAM account password policy", "account"),
    "aws:iam/accountAlias:AccountAlias": ("IAM account alias", "account"),
}


def check(ctx: Ctx) -> None:
    if ctx.type in set(ctx.config["ownedTypes"]):
        return
    if str(tags_of(ctx.props).get(OWNER_TAG, "")).lower() == "owner":
        return
    what, scope = SINGLETONS[ctx.type]
    where = "account" if scope == "account" else "account and region"
    ctx.fail(f"{ctx.name} creates the {what}, of which an {where} has only one: if another stack, the organisation "
             "(delegated administrator auto-enable) or the console already created it, `pulumi up` fails with "
             "\"already exists\", and destroying this stack removes it for everyone. Fix: adopt the existing one "
             "by stack config (its id, then .get()/import) and create it only in the stack that owns the account's "
             f"security baseline (tag {OWNER_TAG}=owner there, or list the type in this policy's ownedTypes).")


POLICY = resource_policy(
    id="singleton-account-resources",
    name="Account singletons are adopted, not created twice",
    category="behaviour",
    types=list(SINGLETONS),
    description="Account/region singletons (GuardDuty detector, Security Hub, Config recorder/delivery channel, "
                "Macie, Detective, Inspector, IAM password policy/alias) are created only by the stack that owns "
                "them; other stacks adopt the existing one by config.",
    remediation="Take the existing singleton's id from stack config and read/import it; create it only in the "
                "account's baseline stack (tag siaga.go.id/account-singleton=owner or config ownedTypes).",
    check=check,
    controls=Controls(nist=("CM-2", "CM-8", "SI-4"), iso=("A.5.9", "A.8.9")),
    config={"ownedTypes": {"type": "array", "items": {"type": "string"}, "default": [],
                           "description": "Singleton resource types this stack is the designated owner of."}},
    level=EnforcementLevel.ADVISORY,
)

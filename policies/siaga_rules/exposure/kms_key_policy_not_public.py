"""KMS key policies do not open the key to everyone (FSBP KMS.5).

A key policy statement allowing ``Principal: "*"`` lets any AWS principal use or manage the key unless a condition
narrows it; ``kms:CallerAccount`` (with ``kms:ViaService``, the pattern AWS documents for service use across an
account) and the global identity keys narrow it
(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html, "Allowing everyone" warning).
"""

from siaga_rules.common import Controls, Ctx, resource_policy
from siaga_rules.exposure.open_statements import INVALID, KMS_NARROWING, open_grants, parse


def check(ctx: Ctx) -> None:
    doc = parse(ctx.known(ctx.get("policy"), "policy"))
    if doc is None:
        return  # the default key policy: the account root only
    if doc is INVALID:
        ctx.fail("policy is not a JSON policy document: KMS rejects it")
        return
    for grant in open_grants(doc, own=(), trusted=(), narrowing=KMS_NARROWING):  # type: ignore[arg-type]
        ctx.fail(f"key policy {grant}")


POLICY = resource_policy(
    id="kms-key-policy-not-public",
    name="KMS key policies not open to everyone",
    category="exposure",
    types=("aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy", "aws:kms/replicaKey:ReplicaKey"),
    description="KMS key policies (Key.policy, aws.kms.KeyPolicy) have no Allow statement for Principal '*' or "
                "NotPrincipal without a narrowing condition (kms:CallerAccount, aws:PrincipalOrgID, "
                "aws:SourceAccount, ...).",
    remediation="Name the account root or roles in Principal, or keep Principal '*' with "
                "Condition {'StringEquals': {'kms:CallerAccount': '<account>', 'kms:ViaService': '<service>.<region>."
                "amazonaws.com'}}.",
    check=check,
    controls=Controls(nist=("AC-3", "AC-6", "SC-12"), iso=("A.5.15", "A.8.24"), fsbp=("KMS.5",),
                      checkov=("CKV_AWS_33",)),
)

"""IAM policies do not allow decrypting with every KMS key (FSBP KMS.1 for customer managed policies, KMS.2 for
inline policies).

Security Hub fails an IAM policy that allows ``kms:Decrypt`` or ``kms:ReEncryptFrom`` (or a wildcard covering them)
on ``Resource: "*"`` (https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-1). A statement
with a Condition is taken as narrowed (kms:ViaService, kms:EncryptionContext, aws:ResourceTag, ...).
"""

from siaga_rules.common import Controls, Ctx, as_list, lookup, resource_policy
from siaga_rules.exposure.open_statements import INVALID, parse, statements

DECRYPT = ("kms:decrypt", "kms:reencryptfrom")
DOCUMENT = {"aws:iam/policy:Policy": "policy", "aws:iam/rolePolicy:RolePolicy": "policy",
            "aws:iam/userPolicy:UserPolicy": "policy", "aws:iam/groupPolicy:GroupPolicy": "policy"}


def _allows_decrypt(action: str) -> bool:
    a = action.lower()
    return a == "*" or a in DECRYPT or (a.endswith("*") and any(d.startswith(a[:-1]) for d in DECRYPT))


def _judge(ctx: Ctx, value: object, where: str) -> None:
    doc = parse(value)
    if doc is None or doc is INVALID:
        return
    for sid, st in statements(doc):  # type: ignore[arg-type]
        if st.get("Effect") != "Allow" or st.get("Condition"):
            continue
        actions = [str(a) for a in as_list(st.get("Action"))]
        if "*" in [str(r) for r in as_list(st.get("Resource"))] and any(_allows_decrypt(a) for a in actions):
            ctx.fail(f"{where} statement {sid!r} allows {actions} on Resource '*': the principal can decrypt with "
                     "every KMS key that trusts the account; name the key ARNs")


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:iam/role:Role":
        for i, inline in enumerate(as_list(ctx.get("inlinePolicies"))):
            if isinstance(inline, dict):
                _judge(ctx, ctx.known(lookup(inline, "policy"), f"inlinePolicies.{i}.policy"), "inline policy")
        return
    _judge(ctx, ctx.known(ctx.get(DOCUMENT[ctx.type]), "policy"),
           "policy" if ctx.type == "aws:iam/policy:Policy" else "inline policy")


POLICY = resource_policy(
    id="kms-decrypt-all-keys",
    name="IAM policies do not decrypt with every key",
    category="exposure",
    types=(*DOCUMENT, "aws:iam/role:Role"),
    description="Customer managed and inline IAM policies do not allow kms:Decrypt / kms:ReEncryptFrom on "
                "Resource '*' without a condition.",
    remediation="List the key ARNs in Resource, or add a condition such as kms:ViaService.",
    check=check,
    controls=Controls(nist=("AC-6", "SC-12"), iso=("A.8.2", "A.8.24"), fsbp=("KMS.1", "KMS.2")),
)

"""Network ACLs of the stack are associated with a subnet (FSBP EC2.16).

A NACL with no ``subnet_ids`` and no ``aws.ec2.NetworkAclAssociation`` filters nothing: a reader (or a later
change) takes its rules for protection that is not there. Hygiene, advisory.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, StackCtx, as_list, has_unknown, stack_policy

ACL = "aws:ec2/networkAcl:NetworkAcl"
ASSOC = "aws:ec2/networkAclAssociation:NetworkAclAssociation"


def check(ctx: StackCtx) -> None:
    used: set[str] = set()
    unresolved = False
    for a in ctx.of_type(ASSOC):
        found = ctx.resolve(a, "networkAclId", ACL)
        used.update(r.urn for r in found)
        unresolved = unresolved or (not found and has_unknown(a.get("networkAclId")))
    for acl in ctx.of_type(ACL):
        if acl.urn in used or as_list(acl.get("subnetIds")):
            continue
        if unresolved:
            ctx.cannot_verify(acl, "network ACL association networkAclId")
        else:
            ctx.fail("the network ACL is associated with no subnet: its rules filter nothing", acl)


POLICY = stack_policy(
    id="nacl-unused",
    name="No unused network ACLs",
    category="exposure",
    level=EnforcementLevel.ADVISORY,
    description="Every aws.ec2.NetworkAcl has subnet_ids or an aws.ec2.NetworkAclAssociation.",
    remediation="Associate the ACL (subnet_ids=[...]) or remove it.",
    check=check,
    controls=Controls(nist=("CM-7", "CM-8"), iso=("A.8.9",), fsbp=("EC2.16",)),
)

"""Resource policy statements that open a resource to everyone or to other AWS accounts (a helper, not a policy).

An ``Allow`` statement whose principal is ``"*"`` / ``{"AWS": "*"}`` grants every AWS principal anywhere, unless a
condition on a global identity or network key narrows it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html); ``NotPrincipal`` with
``Allow`` grants everyone but the listed principals. For KMS key policies ``kms:CallerAccount`` narrows too
(https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account). A
principal of another account is an account id or IAM ARN whose account is neither the resource's own (from ARNs in
the document, the resource's ARN, the provider's ``allowedAccountIds``) nor listed as trusted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from siaga_rules.common import as_list, lookup

NARROWING = frozenset(k.lower() for k in (
    "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:SourceAccount",
    "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpce", "aws:SourceVpc", "aws:SourceIp",
    "aws:SourceOwner"))
KMS_NARROWING = NARROWING | {"kms:calleraccount"}
ACCOUNT_IN = re.compile(r"^(?:(\d{12})|arn:aws[a-zA-Z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):.*)$")
INVALID = object()


def parse(document: Any) -> dict[str, Any] | None | object:
    """The policy document as a dict; None when absent; INVALID when not JSON."""
    if document in (None, ""):
        return None
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return INVALID
    return document if isinstance(document, dict) else INVALID


def statements(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(str(st.get("Sid") or f"Statement[{i}]"), st)
            for i, st in enumerate(as_list(document.get("Statement"))) if isinstance(st, dict)]


def is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(v == "*" or (isinstance(v, list) and "*" in v) for v in principal.values())
    return isinstance(principal, list) and "*" in principal


def narrowed(condition: Any, keys: frozenset[str] = NARROWING) -> bool:
    """True when some condition on a narrowing key has a value other than a bare wildcard (Null tests don't count)."""
    if not isinstance(condition, dict):
        return False
    for operator, pairs in condition.items():
        if not isinstance(pairs, dict) or str(operator).lower().startswith("null"):
            continue
        for key, values in pairs.items():
            vals = [str(v) for v in as_list(values)]
            if key.lower() in keys and vals and not all(v.strip("*") == "" for v in vals):
                return True
    return False


def account_of(value: Any) -> str | None:
    m = ACCOUNT_IN.match(value) if isinstance(value, str) else None
    return (m.group(1) or m.group(2)) if m else None


def accounts_in(value: Any) -> set[str]:
    """Account ids of every ARN / account id string inside a value."""
    out: set[str] = set()
    if isinstance(value, dict):
        for v in value.values():
            out |= accounts_in(v)
    elif isinstance(value, list):
        for v in value:
            out |= accounts_in(v)
    elif (acct := account_of(value)) is not None:
        out.add(acct)
    return out


def own_accounts(document: dict[str, Any], props: dict[str, Any], provider: dict[str, Any] | None) -> set[str]:
    """The accounts the resource belongs to, as far as the program says: ARNs in the statements' Resource, the
    resource's own ARN, and the provider's allowedAccountIds."""
    out = set()
    for _, st in statements(document):
        out |= accounts_in(st.get("Resource"))
    out |= accounts_in(lookup(props, "arn"))
    allowed = lookup(provider or {}, "allowedAccountIds")
    if isinstance(allowed, str):
        try:
            allowed = json.loads(allowed)
        except ValueError:
            allowed = [allowed]
    out |= {a for a in as_list(allowed) if isinstance(a, str)}
    return out


def principal_accounts(principal: Any) -> set[str]:
    if isinstance(principal, dict):
        return accounts_in(principal.get("AWS"))
    return accounts_in(principal)


def open_grants(document: dict[str, Any], *, own: Iterable[str], trusted: Iterable[str],
                narrowing: frozenset[str] = NARROWING) -> list[str]:
    """One sentence per Allow statement open to everyone or to an account outside ``own`` and ``trusted``."""
    known = set(own) | set(trusted)
    out = []
    for sid, st in statements(document):
        if st.get("Effect") != "Allow":
            continue
        actions = as_list(st.get("Action") or st.get("NotAction"))
        if "NotPrincipal" in st:
            out.append(f"statement {sid!r} allows {actions} with NotPrincipal: everyone except the listed principals")
            continue
        principal = st.get("Principal")
        if is_everyone(principal):
            if not narrowed(st.get("Condition"), narrowing):
                out.append(f"statement {sid!r} allows {actions} to Principal '*' without a narrowing condition "
                           "(aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, ...): anyone can use it")
            continue
        if known:
            others = sorted(principal_accounts(principal) - known)
            if others and not narrowed(st.get("Condition"), narrowing):
                out.append(f"statement {sid!r} allows {actions} to account(s) {', '.join(others)}, not this "
                           "resource's account nor a trusted account (policy config trustedAccounts)")
    return out

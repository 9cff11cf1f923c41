"""A small IAM policy evaluator for behaviour rules: may principal P perform action A on resource R in context C?

Good enough for key policies and topic policies (IAM Access Analyzer style, one request at a time): Allow/Deny,
Action/NotAction and Principal/NotPrincipal with wildcards, Resource/NotResource, and the condition operators
services use in these policies (String*, Arn*, Bool, Null, Numeric*, ...IfExists, ForAnyValue:/ForAllValues:).
Evaluation logic: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
(an explicit Deny wins; otherwise a matching Allow is needed).

Answers are three-valued: True, False, or None when a value the answer depends on is unknown at preview. A
principal of the account that only matches through the account root (``arn:aws:iam::<account>:root`` or the
bare account id) is *delegated*: the key policy then lets IAM policies grant the action, it grants nothing itself
(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from siaga_rules.common import has_unknown, is_unknown

Tri = bool | None
GRANTED, DELEGATED, DENIED, UNKNOWN = "granted", "delegated", "denied", "unknown"
MAYBE = "maybe"
"""An account-root principal while the requester's account is unknown (preview)."""
ACCOUNT_RE = re.compile(r"^(\d{12}|arn:aws[a-zA-Z-]*:iam::\d{12}:root)$")


@dataclass(frozen=True)
class Partial:
    """A string value whose beginning is known and whose end is not yet (an ARN built from an unknown name)."""

    prefix: str


@dataclass(frozen=True)
class Undocumented(Partial):
    """A request-context key AWS does not document for this service's request: present or not, its value unknown.
    A condition on it is neither passed nor failed."""


@dataclass
class Request:
    """One request: who (``principal_type`` "Service" or "AWS", ``principal``: service name or IAM ARN), what
    (``action``), on what (``resource`` ARN; key policies use "*" = the key), and the request context."""

    principal_type: str
    principal: str | None
    """None for an IAM role of ``account`` whose ARN is unknown (preview, or not found in the stack)."""
    action: str
    resource: str | list[str] | None = None
    """One ARN or several spellings of the same resource's ARN (any may match)."""
    context: dict[str, Any] = field(default_factory=dict)
    account: str | None = None
    """The principal's account (for IAM principals: account-root delegation)."""


def parse(document: Any) -> dict[str, Any] | None:
    """A JSON policy document (string or dict) -> dict; None if it is not a document."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    return document if isinstance(document, dict) else None


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    sts = document.get("Statement") or []
    return [s for s in (sts if isinstance(sts, list) else [sts]) if isinstance(s, dict)]


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str | Partial, ignore_case: bool = True) -> Tri:
    """IAM wildcard match (``*`` any run, ``?`` one character)."""
    if ignore_case:
        pattern = pattern.lower()
        value = Partial(value.prefix.lower()) if isinstance(value, Partial) else value.lower()
    rx = "^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + "$"
    if isinstance(value, str):
        return re.match(rx, value, re.DOTALL) is not None
    # a known prefix: decided only when the pattern is <literal>* (or its literal already diverges)
    star = min([i for i in (pattern.find("*"), pattern.find("?")) if i >= 0], default=len(pattern))
    literal = pattern[:star]
    common = min(len(literal), len(value.prefix))
    if literal[:common] != value.prefix[:common]:
        return False
    if pattern[star:] == "*" and value.prefix.startswith(literal):
        return True
    return None


def action_matches(patterns: Iterable[Any], action: str) -> bool:
    return any(isinstance(p, str) and _glob(p, action) for p in patterns)


def principal_match(principal: Any, req: Request) -> str | None:
    """GRANTED when the Principal element names the requester, DELEGATED when it names only the requester's
    account root, None otherwise."""
    if principal == "*":
        return GRANTED
    if not isinstance(principal, dict):
        return None
    found: str | None = None
    for kind, values in principal.items():
        for v in _list(values):
            if not isinstance(v, str):
                continue
            if kind == "AWS" and v == "*":
                return GRANTED  # {"AWS": "*"} is everyone, service principals included
            if kind == "Service" and req.principal_type == "Service" and req.principal and \
                    v.lower() == req.principal.lower():
                return GRANTED
            if kind == "AWS" and req.principal_type == "AWS":
                if req.principal and v == req.principal:
                    return GRANTED
                if req.account and v in (req.account, f"arn:aws:iam::{req.account}:root"):
                    found = DELEGATED
                elif req.account is None and ACCOUNT_RE.match(v) and found is None:
                    found = MAYBE
                elif req.principal is None and found is None and v.startswith("arn:") and \
                        (req.account is None or f":{req.account}:" in v):
                    found = MAYBE  # a role of the account whose ARN is not known (yet): it may be this one
    return found


def _context_value(context: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """Condition keys are case-insensitive."""
    low = key.lower()
    for k, v in context.items():
        if k.lower() == low:
            return True, v
    return False, None


def _compare(op: str, expected: str, actual: Any) -> Tri:
    if isinstance(actual, Partial):
        if op in ("StringLike", "ArnLike", "ArnEquals"):
            return _glob(expected, actual, ignore_case=False)
        if op in ("StringEquals", "StringEqualsIgnoreCase"):
            fold = op == "StringEqualsIgnoreCase"
            known = actual.prefix.lower() if fold else actual.prefix
            return None if (expected.lower() if fold else expected).startswith(known) else False
        return None
    if is_unknown(actual):
        return None
    if op in ("Bool",):
        return str(actual).lower() == str(expected).lower()
    if op.startswith("Numeric"):
        try:
            a, e = float(actual), float(expected)
        except (TypeError, ValueError):
            return False
        return {"NumericEquals": a == e, "NumericNotEquals": a != e, "NumericLessThan": a < e,
                "NumericLessThanEquals": a <= e, "NumericGreaterThan": a > e,
                "NumericGreaterThanEquals": a >= e}.get(op, False)
    actual_s, expected_s = str(actual), str(expected)
    if op == "StringEquals":
        return actual_s == expected_s
    if op == "StringEqualsIgnoreCase":
        return actual_s.lower() == expected_s.lower()
    if op in ("StringLike", "ArnLike", "ArnEquals"):
        # ArnEquals and ArnLike behave the same (wildcards allowed in both); see the IAM condition operators page
        return _glob(expected_s, actual_s, ignore_case=False)
    return None


NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
           "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike"}


def _tri_any(values: Iterable[Tri]) -> Tri:
    seen_none = False
    for v in values:
        if v is True:
            return True
        if v is None:
            seen_none = True
    return None if seen_none else False


def _tri_all(values: Iterable[Tri]) -> Tri:
    seen_none = False
    for v in values:
        if v is False:
            return False
        if v is None:
            seen_none = True
    return None if seen_none else True


def condition_holds(condition: Any, context: Mapping[str, Any]) -> Tri:
    """Every operator block and every key in it must hold (AND); the values of one key are ORed.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"""
    if not condition:
        return True
    if not isinstance(condition, dict):
        return None
    results: list[Tri] = []
    for raw_op, block in condition.items():
        if not isinstance(block, dict):
            results.append(None)
            continue
        op, qualifier = raw_op, ""
        if ":" in op:
            qualifier, op = op.split(":", 1)
        if_exists = op.endswith("IfExists")
        op = op.removesuffix("IfExists")
        for key, expected in block.items():
            present, actual = _context_value(context, key)
            expected_values = [str(e).lower() if isinstance(e, bool) else e for e in _list(expected)]
            if op == "Null":
                # Null true: the key must be absent
                want_absent = any(str(e).lower() == "true" for e in expected_values)
                results.append((not present) == want_absent if not (present and is_unknown(actual)) else None)
                continue
            if not present:
                results.append(bool(if_exists or op in NEGATED))
                continue
            actual_values = actual if isinstance(actual, list) else [actual]
            base = NEGATED.get(op, op)
            per_value = [_tri_any(_compare(base, str(e), a) for e in expected_values) for a in actual_values]
            verdict = _tri_all(per_value) if qualifier == "ForAllValues" else _tri_any(per_value)
            if op in NEGATED:
                verdict = None if verdict is None else not verdict
            results.append(verdict)
    return _tri_all(results)


def _resource_matches(st: Mapping[str, Any], resource: str | list[str] | None) -> Tri:
    if resource is None:  # a key policy: "*" (or any Resource) means this key
        return True
    spellings = _list(resource)
    if "NotResource" in st:
        return not any(isinstance(p, str) and _glob(p, r, ignore_case=False)
                       for p in _list(st["NotResource"]) for r in spellings)
    patterns = _list(st.get("Resource", "*"))
    return _tri_any(_glob(p, r, ignore_case=False) if isinstance(p, str) else False
                    for p in patterns for r in spellings)


def statement_applies(st: Mapping[str, Any], req: Request) -> tuple[Tri, str | None]:
    """(does the statement apply to the request, how the principal matched)."""
    if "NotAction" in st:
        if action_matches(_list(st["NotAction"]), req.action):
            return False, None
    elif not action_matches(_list(st.get("Action")), req.action):
        return False, None
    if "Principal" in st:
        how = principal_match(st["Principal"], req)
        if how is None:
            return False, None
    elif "NotPrincipal" in st:
        if principal_match(st["NotPrincipal"], req) is not None:
            return False, None
        how = GRANTED
    else:
        how = GRANTED  # an identity policy: the principal is whoever it is attached to
    res = _resource_matches(st, req.resource)
    if res is False:
        return False, None
    cond = condition_holds(st.get("Condition"), req.context)
    verdict = _tri_all([res, cond])
    if how == MAYBE and verdict is not False:
        return None, DELEGATED
    return verdict, how


def evaluate(document: Mapping[str, Any], req: Request) -> str:
    """GRANTED, DELEGATED (only the account root is allowed: IAM policies decide), DENIED or UNKNOWN. An Allow
    that may or may not apply matters only when nothing else allows; a Deny that may apply makes any allow unsure."""
    allowed: str | None = None
    unsure_allow = unsure_deny = False
    for st in statements(document):
        applies, how = statement_applies(st, req)
        effect = st.get("Effect")
        if effect == "Deny":
            if applies is True:
                return DENIED
            unsure_deny = unsure_deny or applies is None
        elif effect == "Allow":
            if applies is True:
                if how == GRANTED or allowed is None:
                    allowed = how
            elif applies is None:
                unsure_allow = True
    if allowed == GRANTED:
        return UNKNOWN if unsure_deny else GRANTED
    if unsure_allow or unsure_deny:
        return UNKNOWN
    return allowed or DENIED


def describe(req: Request) -> str:
    """`Service logs.ap-southeast-3.amazonaws.com kms:Encrypt (with kms:EncryptionContext:aws:logs:arn = ...)`."""
    ctx = ", ".join(f"{k} = {v.prefix + '<unknown>' if isinstance(v, Partial) else v}"
                    for k, v in req.context.items() if not k.lower().startswith(("kms:callera", "aws:principal")))
    who = f"{req.principal_type} {req.principal}" if req.principal else f"IAM roles of account {req.account}"
    return f"{who} {req.action}" + (f" (with {ctx})" if ctx else "")


def document_unknown(document: Any) -> bool:
    return has_unknown(document)

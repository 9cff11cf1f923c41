"""A small evaluator of resource policies (key, topic and vault policies) for tests: does this principal, calling
this action with this request context, get an Allow and no Deny?

It implements what the reference stacks use (Principal Service/AWS/"*", Action and NotAction wildcards, the
String/Arn Equals/Like, their Not forms, Bool and their ``IfExists`` forms). An operator it does not know raises, so a test can never
pass on a condition it did not evaluate. Keys of the context are case-insensitive, as in IAM.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def _principal_matches(principal: Any, service: str | None, aws: str | None) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    if service is not None and service in _list(principal.get("Service", [])):
        return True
    if aws is not None:
        # the account root (or bare account id) in a resource policy only delegates to the account's IAM policies,
        # which these tests do not model: it matches the root itself, not every role of the account
        return "*" in (ids := _list(principal.get("AWS", []))) or aws in ids
    return False


def _action_matches(stmt: dict[str, Any], action: str) -> bool:
    if "NotAction" in stmt:
        return not any(fnmatchcase(action.lower(), a.lower()) for a in _list(stmt["NotAction"]))
    return any(fnmatchcase(action.lower(), a.lower()) for a in _list(stmt.get("Action", [])))


_NEGATED = {"StringNotEquals": "StringEquals", "ArnNotEquals": "ArnEquals", "StringNotLike": "StringLike",
            "ArnNotLike": "ArnLike"}
"""Negated operators: true when no value matches, and when the key is absent
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)."""


def _condition_holds(cond: dict[str, Any], context: dict[str, Any]) -> bool:
    ctx = {k.lower(): v for k, v in context.items()}
    for op, pairs in cond.items():
        base, if_exists = (op[:-8], True) if op.endswith("IfExists") else (op, False)
        for key, wanted in pairs.items():
            have = ctx.get(key.lower())
            negated = base in _NEGATED
            if have is None:
                if if_exists or negated:  # a negated operator matches a request without the key
                    continue
                return False
            base = _NEGATED.get(base, base)
            values = [str(w) for w in _list(wanted)]
            got = [str(h) for h in _list(have)]
            if base in ("StringEquals", "ArnEquals"):
                ok = any(g == w for g in got for w in values)
            elif base in ("StringLike", "ArnLike"):
                ok = any(fnmatchcase(g, w) for g in got for w in values)
            elif base == "StringEqualsIgnoreCase" or base == "Bool":
                ok = any(g.lower() == w.lower() for g in got for w in values)
            else:
                raise NotImplementedError(f"condition operator {op} not evaluated by tests/iam_eval.py")
            if negated:
                ok = not ok
            if not ok:
                return False
    return True


def decide(policy: str | dict[str, Any], *, action: str, service: str | None = None, aws: str | None = None,
           context: dict[str, Any] | None = None) -> str:
    """"allow", "deny" (an explicit Deny matched) or "implicit-deny" for one request against one policy."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    context = context or {}
    allowed = False
    for stmt in _list(doc["Statement"]):
        if not _principal_matches(stmt.get("Principal"), service, aws) or not _action_matches(stmt, action):
            continue
        if not _condition_holds(stmt.get("Condition", {}), context):
            continue
        if stmt.get("Effect") == "Deny":
            return "deny"
        allowed = True
    return "allow" if allowed else "implicit-deny"


def allows(policy: str | dict[str, Any], **kw: Any) -> bool:
    return decide(policy, **kw) == "allow"

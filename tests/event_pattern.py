"""A small EventBridge event-pattern matcher for tests: the subset the stack's rules use.

Semantics (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
eb-create-pattern-operators.html): every field of the pattern must match; a nested object matches the event's object
at that key; a list of values matches when the event's value (or any element of an event array) equals one of them;
``{"numeric": [op, n, ...]}`` compares numbers; ``{"prefix": s}`` matches strings starting with s. A field absent from
the event never matches. Any other operator raises, so a test never passes on something not evaluated.
"""

from __future__ import annotations

import operator
from typing import Any

_OPS = {"<": operator.lt, "<=": operator.le, "=": operator.eq, ">": operator.gt, ">=": operator.ge}


def _value_matches(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict):
        if set(rule) == {"numeric"}:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False
            terms = rule["numeric"]
            return all(_OPS[terms[i]](value, terms[i + 1]) for i in range(0, len(terms), 2))
        if set(rule) == {"prefix"}:
            return isinstance(value, str) and value.startswith(rule["prefix"])
        raise ValueError(f"operator not supported by this matcher: {rule!r}")
    return rule == value


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """True when ``event`` matches ``pattern``."""
    if not isinstance(event, dict):
        return False
    for key, rule in pattern.items():
        if key not in event:
            return False
        value = event[key]
        if isinstance(rule, dict):
            items = value if isinstance(value, list) else [value]
            if not any(matches(rule, item) for item in items):
                return False
        elif isinstance(rule, list):
            values = value if isinstance(value, list) else [value]
            if not any(_value_matches(r, v) for r in rule for v in values):
                return False
        else:
            raise ValueError(f"a pattern field must be a list or an object: {key}={rule!r}")
    return True

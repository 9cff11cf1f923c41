"""A resource policy is called only for the resource types it names, inside ``Analyze``.

pulumi-policy's ``Analyze`` calls every resource policy for every resource; a siaga rule built by
``common.resource_policy`` returns at once when the type is not one of its own. That call is not free: for each
(resource, policy) the servicer looks up the enforcement level, builds a ``report_violation`` closure and the
``ResourceValidationArgs``, and reads the properties through the per-call cache: ~48 policies x every resource,
most of ``Analyze``'s time on a 500-resource stack where only a few policies apply to each type.

``resource_policy`` marks its policy with its type predicate (:data:`MATCHES`); while an ``Analyze`` call for type T
runs, the servicer's policy list yields only the policies whose predicate accepts T, and every policy that carries
no predicate (another pack's, a stack policy). A skipped policy would have returned without a word: the answer is
the same (``tests/test_request_cache.py`` runs the pack with and without these speed-ups and compares every
answer). Outside ``Analyze`` (``GetAnalyzerInfo``, ``AnalyzeStack``, ``Remediate``) the list is the whole list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

MATCHES = "_siaga_matches"
"""Attribute a siaga resource policy carries: its predicate on the type token."""

_local = threading.local()


def _applies(policy: Any, rtype: str) -> bool:
    matches: Callable[[str], bool] | None = getattr(policy, MATCHES, None)
    return matches is None or bool(matches(rtype))


class PoliciesForType(list):
    """The servicer's list of policies; iterated within :class:`for_type`, only the ones that apply (each type's
    selection made once: the servicer never changes its list after it is built)."""

    def __iter__(self) -> Iterator[Any]:
        rtype: str | None = getattr(_local, "rtype", None)
        if rtype is None:
            return super().__iter__()
        by_type: dict[str, list[Any]] = self.__dict__.setdefault("_by_type", {})
        chosen = by_type.get(rtype)
        if chosen is None:
            chosen = by_type[rtype] = [p for p in super().__iter__() if _applies(p, rtype)]
        return iter(chosen)


class for_type:  # noqa: N801 - used as a context manager, like a function
    """Within the block, the current thread's policy lists yield only the policies that apply to ``rtype``."""

    def __init__(self, rtype: str | None) -> None:
        self.rtype = rtype

    def __enter__(self) -> None:
        self.outer = getattr(_local, "rtype", None)
        _local.rtype = self.rtype

    def __exit__(self, *exc: object) -> None:
        _local.rtype = self.outer

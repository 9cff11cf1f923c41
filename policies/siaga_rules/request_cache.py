"""Each resource's properties read once per analyzer call, not once per policy.

pulumi-policy's servicer (``pulumi_policy/policy.py``, 1.21) reads a resource's property ``Struct`` inside its loop
over policies: ``Analyze`` converts (``json_format.MessageToDict``), deserializes (``deserialize_properties``) and
wraps (``unknown_checking_proxy``) the resource and its provider again for every resource policy (2 x 47 times per
resource in this pack); ``AnalyzeStack`` does it for every resource of the stack again for every stack policy
(31 x the whole stack). All three walk the values in pure Python: together they were most of the pack server's
time (py-spy, 520-resource program: ``AnalyzeStack`` 0.72 s, ``Analyze`` ~1.5 ms per resource).

Within one ``Analyze`` or ``AnalyzeStack`` call the same message gives the same values, so each step runs once per
message and every policy of the call gets that one result. That is only sound because no policy of this pack
changes what it is given: every rule reads properties through ``common.raw``, which copies them into plain dicts
and lists first (``tests/test_request_cache.py`` runs the whole pack with and without this module on the
reference stacks and compares every answer). ``Remediate`` is left alone (a remediation returns changed
properties). This applies wherever the pack runs, the Pulumi CLI included; :func:`install` does nothing on a
pulumi-policy that is not laid out this way (the pack then runs at the library's own speed).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format

from siaga_rules import stack_build, type_dispatch

_local = threading.local()
_CALLS = ("Analyze", "AnalyzeStack")
_MARK = "__siaga_request_cache__"


def _once(kind: str, compute: Callable[..., Any], value: Any, *args: Any, **kwargs: Any) -> Any:
    """``compute(value, ...)`` once per (kind, value object, arguments) within the current call. The value is kept
    in the entry, so its id cannot be reused by another object while the call runs."""
    cache: dict[Any, tuple[Any, Any]] | None = getattr(_local, "cache", None)
    if cache is None:
        return compute(value, *args, **kwargs)
    key = (kind, id(value), args, tuple(sorted(kwargs.items()))) if args or kwargs else (kind, id(value))
    hit = cache.get(key)
    if hit is None or hit[0] is not value:
        hit = cache[key] = (value, compute(value, *args, **kwargs))
    return hit[1]


def per_call(key: str, build: Callable[[], Any]) -> Any:
    """``build()`` once per analyzer call for ``key`` (e.g. the pack's view of the stack's resources, the same for
    every stack policy of one ``AnalyzeStack``); outside a call, every time."""
    cache: dict[Any, tuple[Any, Any]] | None = getattr(_local, "cache", None)
    if cache is None:
        return build()
    hit = cache.get(("per-call", key))
    if hit is None:
        hit = cache[("per-call", key)] = (None, build())
    return hit[1]


def _one_call(method: Callable[..., Any]) -> Callable[..., Any]:
    by_type = method.__name__ == "Analyze"  # one resource: only the policies for its type (type_dispatch.py)

    @functools.wraps(method)
    def call(self: Any, request: Any, context: Any) -> Any:
        outer = getattr(_local, "cache", None)
        _local.cache = {}
        try:
            with type_dispatch.for_type(request.type if by_type else None):
                return method(self, request, context)
        finally:
            _local.cache = outer

    setattr(call, _MARK, True)
    return call


def _cached(kind: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(value: Any, *args: Any, **kwargs: Any) -> Any:
        cache = getattr(_local, "cache", None)
        if cache is None or args or kwargs:
            return _once(kind, function, value, *args, **kwargs)
        hit = cache.get((kind, id(value)))  # the common case inlined: ~50,000 calls per 500 resources
        if hit is not None and hit[0] is value:
            return hit[1]
        result = function(value)
        cache[(kind, id(value))] = (value, result)
        return result

    setattr(call, _MARK, True)
    return call


def _cached_method(kind: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Any, request: Any) -> Any:
        cache = getattr(_local, "cache", None)
        if cache is None:
            return method(self, request)
        hit = cache.get((kind, id(request)))
        if hit is not None and hit[0] is request:
            return hit[1]
        result = method(self, request)
        cache[(kind, id(request))] = (request, result)
        return result

    setattr(call, _MARK, True)
    return call


class _CachingJsonFormat:
    """Stands for ``google.protobuf.json_format`` in pulumi-policy's module: ``MessageToDict`` once per message
    within a call; everything else is the real module."""

    def __getattr__(self, name: str) -> Any:
        return getattr(json_format, name)

    MessageToDict = staticmethod(_cached("dict", json_format.MessageToDict))  # noqa: N815 - the library's name


_PER_RESOURCE = ("_get_resource_options", "_get_provider_resource")
"""Servicer helpers that build a resource's options and provider object from its part of the request: the same
objects for every policy of the call (no rule changes them)."""
_ORIGINAL: dict[str, Any] = {}


def install() -> bool:
    """Puts the per-call caches into pulumi-policy's servicer; True when they are in place."""
    try:
        from pulumi_policy import policy as pp

        servicer = pp._PolicyAnalyzerServicer
        names = {"json_format": pp.json_format, "deserialize_properties": pp.deserialize_properties,
                 "unknown_checking_proxy": pp.unknown_checking_proxy}
    except (ImportError, AttributeError):
        return False
    if getattr(servicer.Analyze, _MARK, False):
        return True
    if names["json_format"] is not json_format or not all(callable(getattr(servicer, n, None)) for n in _CALLS):
        return False
    _ORIGINAL.update(names)
    pp.json_format = _CachingJsonFormat()  # type: ignore[assignment]
    pp.deserialize_properties = _cached("deserialized", names["deserialize_properties"])
    pp.unknown_checking_proxy = _cached("proxy", names["unknown_checking_proxy"])
    if _pulumi_policy_version() == stack_build.SOURCE_VERSION:
        _ORIGINAL["AnalyzeStack"] = servicer.AnalyzeStack
        servicer.AnalyzeStack = stack_build.analyze_stack
    _ORIGINAL["__init__"] = servicer.__init__
    servicer.__init__ = _with_typed_policies(servicer.__init__)
    for name in _CALLS:
        setattr(servicer, name, _one_call(getattr(servicer, name)))
    for name in _PER_RESOURCE:
        method = getattr(servicer, name, None)
        if callable(method):
            setattr(servicer, name, _cached_method(name, method))
    return True


def uninstall() -> None:
    """The library as it was (the test compares both)."""
    from pulumi_policy import policy as pp

    servicer = pp._PolicyAnalyzerServicer
    for name in (*_CALLS, *_PER_RESOURCE):
        method = getattr(servicer, name)
        if getattr(method, _MARK, False):
            setattr(servicer, name, method.__wrapped__)
    for name in ("AnalyzeStack", "__init__"):
        if name in _ORIGINAL:
            setattr(servicer, name, _ORIGINAL.pop(name))
    for name, original in _ORIGINAL.items():
        setattr(pp, name, original)
    _ORIGINAL.clear()


def _pulumi_policy_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("pulumi_policy")
    except metadata.PackageNotFoundError:
        return None


def _with_typed_policies(init: Callable[..., Any]) -> Callable[..., Any]:
    """The servicer keeps its policies in a list that ``Analyze`` iterates by type (type_dispatch.py)."""

    @functools.wraps(init)
    def call(self: Any, name: str, version: str, policies: list[Any], *args: Any, **kwargs: Any) -> None:
        init(self, name, version, type_dispatch.PoliciesForType(policies), *args, **kwargs)

    return call

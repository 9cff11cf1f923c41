"""Resource transforms, run as the Pulumi engine runs them: callbacks into the program, before a registration is
recorded.

A program registers transforms with ``pulumi.runtime.register_stack_transform`` (every resource registered after it)
or the ``transforms`` resource option (that resource and all its children). The SDK serves them from the program's
own process (its ``Callbacks`` gRPC service) and sends the engine a ``Callback`` (address, token). For each
registration the engine calls, in order, the resource's own transforms, then those of each ancestor from the nearest
up, then the stack transforms in the order they were registered, each with the properties and options the previous
one returned (https://www.pulumi.com/docs/iac/concepts/options/transforms/). What the last one returns is what is
registered: the graph, the policies and the reports see the transformed resource, as ``pulumi preview`` does.

Invoke transforms (``register_invoke_transform``) are not run: the monitor refuses them with a clear error.
"""

from __future__ import annotations

import threading
from typing import Any

import grpc
from pulumi.runtime.proto import callback_pb2, callback_pb2_grpc, resource_pb2

_OPTIONS = [("grpc.max_receive_message_length", 1024 * 1024 * 400),
            ("grpc.max_send_message_length", 1024 * 1024 * 400)]
TIMEOUT = 120.0
"""Seconds one transform may take (it is the program's own code)."""


class TransformError(Exception):
    """A transform failed or answered something that is not a ``TransformResponse``; ``str()`` is one line."""


def _has(message: Any, field: str) -> bool:
    try:
        return bool(message.HasField(field))
    except ValueError:  # a field without presence: set when not its default
        return bool(getattr(message, field))


def options_of(req: Any) -> Any:
    """The ``TransformResourceOptions`` of a ``RegisterResourceRequest`` (what the callback sees as ``opts``)."""
    opts = resource_pb2.TransformResourceOptions(
        depends_on=list(req.dependencies), ignore_changes=list(req.ignoreChanges),
        replace_on_changes=list(req.replaceOnChanges), version=req.version, provider=req.provider,
        plugin_download_url=req.pluginDownloadURL, deleted_with=req.deletedWith,
        additional_secret_outputs=list(req.additionalSecretOutputs), hide_diff=list(req.hideDiffs),
        replace_with=list(req.replace_with), **{"import": req.importId})
    opts.aliases.extend(req.aliases)
    if _has(req, "protect"):
        opts.protect = req.protect
    if _has(req, "retainOnDelete"):
        opts.retain_on_delete = req.retainOnDelete
    if req.deleteBeforeReplaceDefined:
        opts.delete_before_replace = req.deleteBeforeReplace
    if req.HasField("customTimeouts"):
        opts.custom_timeouts.CopyFrom(req.customTimeouts)
    if req.HasField("hooks"):
        opts.hooks.CopyFrom(req.hooks)
    if req.HasField("replacement_trigger"):
        opts.replacement_trigger.CopyFrom(req.replacement_trigger)
    for k, v in req.providers.items():
        opts.providers[k] = v
    for k, v in req.pluginChecksums.items():
        opts.plugin_checksums[k] = v
    return opts


def with_options(req: Any, props: Any, opts: Any) -> Any:
    """A copy of ``req`` with the properties and options a transform returned (type, name and parent stay)."""
    out = resource_pb2.RegisterResourceRequest()
    out.CopyFrom(req)
    out.object.CopyFrom(props)
    out.dependencies[:] = list(opts.depends_on)
    out.ignoreChanges[:] = list(opts.ignore_changes)
    out.replaceOnChanges[:] = list(opts.replace_on_changes)
    out.version = opts.version
    out.provider = opts.provider
    out.pluginDownloadURL = opts.plugin_download_url
    out.deletedWith = opts.deleted_with
    out.additionalSecretOutputs[:] = list(opts.additional_secret_outputs)
    out.hideDiffs[:] = list(opts.hide_diff)
    out.replace_with[:] = list(opts.replace_with)
    out.importId = getattr(opts, "import")
    del out.aliases[:]
    out.aliases.extend(opts.aliases)
    for field, target in (("protect", "protect"), ("retain_on_delete", "retainOnDelete")):
        if _has(opts, field):
            setattr(out, target, getattr(opts, field))
        else:
            out.ClearField(target)
    out.deleteBeforeReplaceDefined = _has(opts, "delete_before_replace")
    out.deleteBeforeReplace = bool(opts.delete_before_replace)
    for field, target in (("custom_timeouts", "customTimeouts"), ("hooks", "hooks"),
                          ("replacement_trigger", "replacement_trigger")):
        if opts.HasField(field):
            getattr(out, target).CopyFrom(getattr(opts, field))
        else:
            out.ClearField(target)
    out.providers.clear()
    out.providers.update(dict(opts.providers))
    out.pluginChecksums.clear()
    for k, v in opts.plugin_checksums.items():
        out.pluginChecksums[k] = v
    return out


class Transforms:
    """The transforms a program registered, and the calls into it; thread-safe (registrations arrive on several
    threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stack: list[Any] = []
        self._own: dict[str, list[Any]] = {}
        self._parent: dict[str, str] = {}
        self._channels: dict[str, grpc.Channel] = {}

    def register_stack(self, callback: Any) -> None:
        with self._lock:
            self._stack.append(callback)

    def chain(self, urn: str, req: Any) -> list[Any]:
        """Records the resource's own transforms and parent (its children inherit them); returns every transform
        that applies to it, in the engine's order."""
        own = list(req.transforms)
        with self._lock:
            self._own[urn] = own
            self._parent[urn] = req.parent
            found = list(own)
            parent, seen = req.parent, set()
            while parent and parent not in seen:
                seen.add(parent)
                found += self._own.get(parent, [])
                parent = self._parent.get(parent, "")
            return found + list(self._stack)

    def apply(self, urn: str, req: Any) -> Any:
        """``req`` as the transforms that apply to it leave it (``req`` itself when none does)."""
        callbacks = self.chain(urn, req)
        if not callbacks:
            return req
        props, opts = req.object, options_of(req)
        for callback in callbacks:
            treq = resource_pb2.TransformRequest(type=req.type, name=req.name, custom=req.custom, parent=req.parent,
                                                 properties=props, options=opts)
            resp = self._call(callback, treq.SerializeToString(), req)
            if resp.HasField("properties"):
                props = resp.properties
            if resp.HasField("options"):
                opts = resp.options
        return with_options(req, props, opts)

    def _call(self, callback: Any, request: bytes, req: Any) -> Any:
        with self._lock:
            channel = self._channels.get(callback.target)
            if channel is None:
                channel = self._channels[callback.target] = grpc.insecure_channel(callback.target, options=_OPTIONS)
        stub = callback_pb2_grpc.CallbacksStub(channel)
        try:
            answer = stub.Invoke(callback_pb2.CallbackInvokeRequest(token=callback.token, request=request),
                                 timeout=TIMEOUT)
            return resource_pb2.TransformResponse.FromString(answer.response)
        except grpc.RpcError as exc:
            details = (exc.details() if hasattr(exc, "details") else str(exc)) or ""  # type: ignore[union-attr]
            raise TransformError(f"a transform of {req.type} {req.name!r} failed: {details.strip()}") from None
        except Exception as exc:  # noqa: BLE001 - a malformed answer is the same failure for the user
            raise TransformError(f"a transform of {req.type} {req.name!r} answered something that is not a "
                                 f"TransformResponse ({exc})") from None

    def close(self) -> None:
        with self._lock:
            channels, self._channels = list(self._channels.values()), {}
        for channel in channels:
            channel.close()

"""What a read answers offline: ``X.get(name, id)`` and ``pulumi.StackReference`` (``ReadResource``).

A read resource exists already; the program does not manage it. The real engine asks the resource's provider to
``Read`` it; for ``pulumi:pulumi:StackReference`` the engine's builtin provider answers from the backend
(pulumi/pulumi ``pkg/resource/deploy/builtins.go``, ``Read`` -> ``readStackReference``): the outputs are
``{"name": NAME, "outputs": {the referenced stack's outputs}, "secretOutputNames": [sorted names of outputs that
hold secrets]}``, the id stays the one asked for (the stack name), and any input other than ``name`` is an error.

Offline there is no backend: the referenced stack's outputs come from ``--stack-outputs NAME=FILE`` (the output
of ``pulumi stack output --json [--show-secrets]``); without one, the outputs are unknown (as a preview of a
program whose referenced stack is not readable would leave them) with one warning naming the stack.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from siaga.engine.model import SECRET_SIG, SIG_KEY, UNKNOWN
from siaga.engine.secrets import REDACTED
from siaga.inputs import InputFileError, read_text

STACK_REFERENCE = "pulumi:pulumi:StackReference"
MAX_OUTPUTS_BYTES = 16 * 1024 * 1024


def _secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def _find(stack_outputs: Mapping[str, dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The outputs given for ``name``: the exact name, else the one given NAME that ends ``name``'s path
    (``prod`` or ``networking/prod`` for ``acme/networking/prod``), as a user names the stack they exported."""
    if name in stack_outputs:
        return stack_outputs[name]
    matches = [v for k, v in stack_outputs.items() if name.endswith("/" + k) or k.endswith("/" + name)]
    return matches[0] if len(matches) == 1 else None


def stack_reference_outputs(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """``readStackReference``'s answer for the outputs of ``name``: outputs holding a secret are listed, sorted, in
    ``secretOutputNames`` and sent as secrets. A value ``[secret]`` (what ``pulumi stack output --json`` prints for a
    secret without ``--show-secrets``) is such a secret, its value unknown offline."""
    outputs: dict[str, Any] = {}
    secret_names: list[str] = []
    for key, value in given.items():
        if value == REDACTED or _is_secret(value):
            outputs[key] = _secret(value.get("value") if _is_secret(value) else REDACTED)
            secret_names.append(key)
        else:
            outputs[key] = value
    return {"name": name, "outputs": outputs, "secretOutputNames": sorted(secret_names)}


def read_outputs(type_: str, name: str, id_: str, inputs: dict[str, Any], region: str,
                 stack_outputs: Mapping[str, dict[str, Any]], *, preview: bool = True,
                 declared: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """(outputs, warnings) of a read of ``type_`` named ``name`` with ``id_`` (wire-encoded values).

    ``preview=False`` (siaga's resolved mode): a StackReference without given outputs answers known-empty outputs
    instead of unknown ones: outside a preview the SDK turns an unknown ``outputs`` into ``None``, and every
    ``get_output`` on it would raise; with ``{}`` it returns ``None`` (``require_output`` raises naming the key)."""
    if type_ == STACK_REFERENCE:
        stack = inputs.get("name") if isinstance(inputs.get("name"), str) and inputs.get("name") else id_
        extra = sorted(k for k in inputs if k not in ("name", "outputs", "secretOutputNames"))
        warnings = [f"StackReference {name}: unknown input {k!r} (the engine accepts only 'name')" for k in extra]
        given = _find(stack_outputs, stack)
        if given is None:
            shown = "unknown" if preview else "taken as empty (each get_output is None)"
            warnings.append(f"StackReference {name}: no --stack-outputs {stack}=FILE given: the outputs of stack "
                            f"{stack!r} are {shown} offline (give `pulumi stack output --json` of that stack)")
            if not preview:
                return {"name": stack, "outputs": {}, "secretOutputNames": []}, warnings
            return {"name": stack, "outputs": UNKNOWN, "secretOutputNames": UNKNOWN}, warnings
        return stack_reference_outputs(stack, given), warnings
    from siaga.engine import outputs as computed_outputs

    if type_ == "kubernetes:core/v1:Service" and "spec" not in inputs:
        # what programs read a Service for is the load balancer an ingress controller's Service got (its spec is
        # the cluster's, unknown offline): read as a LoadBalancer Service on port 80
        inputs = {**inputs, "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}]}}
    # every output the type declares and the provider reports (a Service's status...), in both modes: a read
    # answers the resource's state, not a plan (siaga/engine/fill.py)
    rid, out = computed_outputs.computed(type_, name, dict(inputs), region, declared=declared)
    # A read finds the object by the id it was given: the id, and everything derived from it (an ARN, a zoneId,
    # a keyId, a bucket name), are that id's, not the ones a create would have made up.
    out = _replace(out, rid, id_) if rid and id_ else out
    if type_.startswith("aws:") and not inputs.get("arn") and id_ not in str(out.get("arn", "")):
        out["arn"] = computed_outputs.arn_for(type_, name, id_, region)
    out["id"] = id_
    return out, []


def _replace(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {k: _replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    if isinstance(value, str) and old in value:
        return value.replace(old, new)
    return value


def load_stack_outputs(specs: list[str]) -> dict[str, dict[str, Any]]:
    """``--stack-outputs NAME=FILE`` (repeatable) -> ``{NAME: outputs}``; :class:`InputFileError` (one line) on a bad
    spec or file. FILE is what ``pulumi stack output --json [--show-secrets]`` prints: one JSON object."""
    out: dict[str, dict[str, Any]] = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        name = name.strip()
        if not sep or not name or not file:
            raise InputFileError(f"--stack-outputs {spec!r}: expected NAME=FILE, e.g. --stack-outputs "
                                 "acme/networking/prod=networking-prod.json (from `pulumi stack output --json`)")
        if name in out:
            raise InputFileError(f"--stack-outputs {name}: given twice; allowed: one file per stack")
        what = f"--stack-outputs {name}="
        path = Path(file)
        text = read_text(path, what.rstrip("="), max_bytes=MAX_OUTPUTS_BYTES)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{what}{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}; "
                                 "expected the output of `pulumi stack output --json`") from None
        except RecursionError:
            raise InputFileError(f"{what}{path}: nested too deeply") from None
        if not isinstance(value, dict):
            raise InputFileError(f"{what}{path}: a JSON {type(value).__name__}, expected an object of stack outputs "
                                 "(`pulumi stack output --json`)")
        out[name] = value
    return out

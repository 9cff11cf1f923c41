"""Secret values never leave the engine in clear: not in the graph (config, inputs, outputs, exports), warnings,
errors, reports, documents, nor on a command line or in an environment.

What is secret: config keys the stack marks ``secure:`` or the user gives with ``--secret-config``, config keys
the program reads with ``Config.require_secret``/``get_secret*``, values the SDK sends wrapped as secrets
(``Output.secret``, ``additional_secret_outputs``), and every copy of those values anywhere else (a mock copies
inputs into outputs; a program may interpolate a secret into a plain string). Each becomes ``[secret]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from siaga.engine.model import OUTPUT_SIG, RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN

REDACTED = "[secret]"
NEVER_SECRET = frozenset({SIG_KEY, SECRET_SIG, RESOURCE_SIG, OUTPUT_SIG, UNKNOWN,
                          "c44067f5952c0a294b673a41bacd8c17", "0def7320c3a5731c473e5ecbe6d01bc7"})
"""The wire format's own markers (signatures, the unknown value, asset/archive signatures): a secret's wrapped
value may contain them (a secret resource reference, an unknown secret at preview), but they are not the secret,
and scrubbing them would break every reader of the graph."""
MIN_SUBSTRING = 4
"""Secret strings at least this long are also removed where they appear inside a longer string; shorter ones only
where they are the whole value (a 1-character secret would otherwise blank every string)."""


class Scrubber:
    """Collects secret values and removes them from whatever is written out."""

    def __init__(self, values: Iterable[Any] = ()) -> None:
        self.values: set[str] = set()
        for v in values:
            self.add(v)

    def add(self, value: Any) -> None:
        if value is None or value == REDACTED or isinstance(value, bool) or (
                isinstance(value, str) and value in NEVER_SECRET):
            return
        if isinstance(value, dict | list):
            for leaf in _leaves(value):
                self.add(leaf)
            if not _has_marker(value):
                self.values.add(json.dumps(value))
            return
        text = str(value)
        if text:
            self.values.add(text)

    def redact_wire(self, value: Any) -> Any:
        """A wire value with every secret-wrapped part replaced by a secret holding ``[secret]`` (the marker is
        kept: readers still see that it is a secret), the hidden values collected."""
        if isinstance(value, dict):
            if value.get(SIG_KEY) == SECRET_SIG:
                self.add(value.get("value"))
                return {SIG_KEY: SECRET_SIG, "value": REDACTED}
            return {k: self.redact_wire(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_wire(v) for v in value]
        return value

    def scrub(self, value: Any) -> Any:
        """Every string that is, or (for long enough secrets) contains, a secret value -> ``[secret]``."""
        if not self.values:
            return value
        if isinstance(value, dict):
            return {self.scrub(k) if isinstance(k, str) else k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, str):
            return self.scrub_text(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and str(value) in self.values:
            return REDACTED
        return value

    def scrub_text(self, text: str) -> str:
        if text in self.values:
            return REDACTED
        for secret in sorted(self.values, key=len, reverse=True):
            if len(secret) >= MIN_SUBSTRING and secret in text:
                text = text.replace(secret, REDACTED)
        return text


def _has_marker(value: Any) -> bool:
    return any(isinstance(leaf, str) and leaf in NEVER_SECRET for leaf in _leaves(value)) or (isinstance(value, dict) and SIG_KEY in value)


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def redact_config(config: dict[str, Any], secret_keys: Iterable[str]) -> dict[str, Any]:
    """The config with the values of secret keys replaced (the keys stay: a reader sees that they are set)."""
    secret = set(secret_keys)
    return {k: (REDACTED if k in secret else v) for k, v in config.items()}

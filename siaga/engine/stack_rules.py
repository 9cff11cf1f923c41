"""The rules the Pulumi CLI applies to ``Pulumi.<stack>.yaml`` against the project before a program runs.

Read from pulumi/pulumi ``sdk/go/common/workspace/config.go`` (``mergeConfig``: a project key with no ``default``/
``value`` the stack does not set -> "Stack 'dev' is missing configuration value(s) ..."; ``validateStackConfigValue``:
a ``secret: true`` key must be ``secure:`` in the stack, a typed key's stack value must pass ``ValidateConfigValue``),
``project_test.go`` (the cases of ``tests/fixtures/project/stack-*``) and ``sdk/go/common/resource/config/crypt.go``
(``symmetricCrypter.DecryptValue``: the passphrase and cloud-KMS providers write ``v1:<nonce b64>:<ciphertext b64>``,
"bad value" otherwise; the Pulumi Cloud ("service") provider writes base64). siaga never decrypts: a ``secure:``
value it cannot read offline is still checked to be a ciphertext some provider of this stack could have written,
so a placeholder the CLI would fail to decrypt is refused here too, with the command that writes a real one.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from siaga.engine.project_rules import RuleError, config_value_ok, full_type_name

PASSPHRASE_PROVIDERS = ("passphrase",)
"""``secretsprovider`` values that use ``encryptionsalt``; cloud KMS providers (awskms://, azurekeyvault://,
gcpkms://, hashivault://) use ``encryptedkey``; both write ``v1:...`` ciphertexts."""


def qualify(project: str, key: str) -> str:
    """A stack key without a namespace is the project's (``instanceSize`` -> ``test:instanceSize``)."""
    return key if ":" in key else f"{project}:{key}"


def check_key(key: Any) -> str:
    """A config key is ``<namespace>:<name>`` (or a bare name, the project's); neither part empty."""
    if not isinstance(key, str) or not key or key.startswith(":") or key.endswith(":"):
        raise RuleError(f"could not parse {key!r} as a configuration key (configuration keys should be of the form "
                        "`<namespace>:<name>`)", str(key))
    return key


def secret_command(key: str) -> str:
    """What writes a secret the CLI can decrypt (and its offline equivalent): named in every secret error."""
    return (f"run `pulumi config set --secret {key} <value>` (offline: siaga --secret-config {key}=<value>)")


def _ciphertext_error(stack: dict[str, Any], key: str, text: Any) -> str | None:
    """Why the CLI could not decrypt ``secure: text`` of this stack file, or None."""
    if not isinstance(text, str) or not text:
        return "a secure value must be the ciphertext string `pulumi config set --secret` writes"
    provider = str(stack.get("secretsprovider") or "")
    symmetric = provider not in ("", "service") or bool(stack.get("encryptionsalt"))
    parts = text.split(":")
    if parts[0] == "v1" or symmetric:
        if len(parts) != 3:
            return "bad value: not a ciphertext the stack's secrets provider wrote (v1:<nonce>:<ciphertext>)"
        if parts[0] != "v1":
            return "unknown value version"
        try:
            base64.b64decode(parts[1], validate=True)
            base64.b64decode(parts[2], validate=True)
        except (binascii.Error, ValueError):
            return "bad value: its nonce or ciphertext is not base64"
        if not symmetric:
            return ("encrypted with a passphrase or cloud key, but the stack file has neither encryptionsalt nor "
                    "secretsprovider to decrypt it with")
        if (provider in PASSPHRASE_PROVIDERS or not provider) and not stack.get("encryptionsalt"):
            return "a passphrase ciphertext, but the stack file has no encryptionsalt"
        return None
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return "not a ciphertext any secrets provider writes (Pulumi Cloud: base64; passphrase/KMS: v1:...)"
    return None


def check_secure(stack: dict[str, Any], key: str, value: Any) -> None:
    """``secure:`` values anywhere in a key's value (an object may hold secure leaves)."""
    if isinstance(value, dict):
        if "secure" in value and len(value) == 1:
            why = _ciphertext_error(stack, key, value["secure"])
            if why is not None:
                raise RuleError(f"{why}; {secret_command(key)}", key)
            return
        for inner in value.values():
            check_secure(stack, key, inner)
    elif isinstance(value, list):
        for inner in value:
            check_secure(stack, key, inner)


def is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _scalar(value: Any) -> str:
    """A scalar as ``config.Value`` holds it (a string): YAML ``3`` is ``"3"``, ``true`` is ``"true"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def as_checked(value: Any) -> Any:
    """What ``validateStackConfigValue`` type-checks: a scalar's string, an object/array's decoded JSON."""
    if isinstance(value, (dict, list)):
        return json.loads(json.dumps(value))
    return _scalar(value)


def missing_keys_error(stack_name: str, keys: list[str]) -> str:
    """``missingStackConfigurationKeysError`` with ``formatMissingKeys``."""
    if len(keys) == 1:
        return f"Stack '{stack_name}' is missing configuration value '{keys[0]}'"
    keys = sorted(keys)
    listed = ", ".join(f"'{k}'" for k in keys[:-2])
    tail = f"'{keys[-2]}' and '{keys[-1]}'"
    return f"Stack '{stack_name}' is missing configuration values {listed + ', ' if listed else ''}{tail}"


def check_stack_against_project(project_name: str, declarations: dict[str, Any], stack_name: str,
                                values: dict[str, Any]) -> None:
    """``mergeConfig`` + ``validateStackConfigValues``. ``values``: qualified key -> the stack's value (YAML-typed,
    or ``{"secure": ...}``); project defaults are not in it. Raises :class:`RuleError`."""
    missing = []
    for key in sorted(declarations):
        decl = declarations[key]
        if not isinstance(decl, dict):
            continue
        qkey = qualify(project_name, key)
        has_default = decl.get("default") is not None or decl.get("value") is not None
        if qkey not in values and not has_default and qkey.split(":", 1)[0] == project_name:
            missing.append(key)
    if missing:
        first = missing[0] if len(missing) == 1 else None
        raise RuleError(missing_keys_error(stack_name, missing)
                        + "; set it in the stack file or with `pulumi config set`", first)
    for key in sorted(declarations):
        decl = declarations[key]
        if not isinstance(decl, dict) or decl.get("type") is None:
            continue  # only explicitly typed keys are validated (TestUntypedProjectConfigValuesAreNotValidated)
        qkey = qualify(project_name, key)
        if qkey in values:
            value = values[qkey]
        elif decl.get("default") is not None:
            value = decl["default"]
        else:
            value = decl.get("value")
        if decl.get("secret") and not is_secure(value):
            raise RuleError(f"Stack '{stack_name}' with configuration key '{key}' must be encrypted as it's secret; "
                            + secret_command(qkey), key)
        if is_secure(value):
            continue  # its plaintext is the deployment's: never read offline
        if not config_value_ok(decl["type"], decl.get("items"), as_checked(value)):
            raise RuleError(f"Stack '{stack_name}' with configuration key '{key}' must be of type "
                            f"'{full_type_name(decl['type'], decl.get('items'))}'", key)

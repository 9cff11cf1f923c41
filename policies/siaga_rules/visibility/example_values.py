"""Documentation example values that cannot deploy (an example account id, an RFC 5737 address, an example domain)
are reported once each, naming the stack config key they came from.

Why a policy: the values reach resources (ARNs, assume-role providers, CIDRs, customer gateways, DNS names), and a
policy sees the resources under the real CLI too. Which config key a value came from is found in the stack config
the CLI hands every policy pack (``PULUMI_CONFIG``: pulumi/pulumi ``pkg/resource/plugin/analyzer_plugin.go``
``constructEnv``; siaga's analyzer sets it the same way): a config leaf (``siaga:standby.customerGatewayIp``) whose
value appears in a resource is that key's finding; a value found in no config leaf is reported on its resource.
Values shown are documentation values only; secret config values are never read (``[secret]`` offline, and only the
example tokens themselves are ever printed).

- Account ids 111122223333, 123456789012, 444455556666: the AWS documentation's placeholders (IAM User Guide,
  "AWS account identifiers"); no one can assume a role or use a key or secret in them.
- 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24: RFC 5737 TEST-NET-1/2/3, never routed on the internet.
- example.com, example.org, example.net and their subdomains: RFC 2606 section 3, reserved for documentation.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
from typing import Any

from pulumi_policy import Severity

from siaga_rules.common import Controls, Res, StackCtx, stack_policy

ACCOUNTS = ("111122223333", "123456789012", "444455556666")
TEST_NETS = {ipaddress.IPv4Network("192.0.2.0/24"): "TEST-NET-1", ipaddress.IPv4Network("198.51.100.0/24"): "TEST-NET-2",
             ipaddress.IPv4Network("203.0.113.0/24"): "TEST-NET-3"}
UNTRACED_SKIPPED = ("123456789012",)
"""Reported only when a config key holds it: siaga's offline engine gives every ARN it computes this account
(siaga/engine/invokes.py ``ACCOUNT_ID``), so in a resource alone it cannot be told from the engine's stand-in. Under the
CLI a computed ARN is unknown at preview and the real account after deployment."""
_ACCOUNT = re.compile(r"(?<![0-9])(?:" + "|".join(ACCOUNTS) + r")(?![0-9])")
_ADDRESS = re.compile(r"(?<![0-9.])(?:192\.0\.2|198\.51\.100|203\.0\.113)\.[0-9]{1,3}(?:/[0-9]{1,2})?(?![0-9])")
_DOMAIN = re.compile(r"(?<![A-Za-z0-9-])(?:[A-Za-z0-9-]+\.)*example\.(?:com|org|net)(?![A-Za-z0-9-])", re.IGNORECASE)
_PREFILTER = re.compile("|".join([*ACCOUNTS, r"192\.0\.2\.", r"198\.51\.100\.", r"203\.0\.113\.", r"example\."]),
                        re.IGNORECASE)


def tokens(text: str) -> list[str]:
    """The example values in ``text``, each once; of several names under one example domain, the shortest (a name
    derived from another, e.g. a certificate's validation record, is the same finding)."""
    if not _PREFILTER.search(text):
        return []
    found = sorted({m.group(0).lower() for rx in (_ACCOUNT, _ADDRESS, _DOMAIN) for m in rx.finditer(text)},
                   key=lambda t: (len(t), t))
    out: list[str] = []
    for tok in found:
        if _ADDRESS.fullmatch(tok) is not None and not _in_test_net(tok):
            continue
        if _DOMAIN.fullmatch(tok) is not None and any(tok.endswith("." + o) for o in out):
            continue
        out.append(tok)
    return out


def _in_test_net(token: str) -> bool:
    try:
        net = ipaddress.IPv4Network(token, strict=False)
    except ValueError:
        return False
    return any(net.subnet_of(t) for t in TEST_NETS)


def why(token: str) -> str:
    if token in ACCOUNTS:
        return (f"{token} is the AWS documentation's example account id: no role, key or secret in it is the "
                "agency's; set the agency's own account")
    if _ADDRESS.fullmatch(token):
        net = ipaddress.IPv4Network(token, strict=False)
        label = next(v for k, v in TEST_NETS.items() if net.subnet_of(k))
        return (f"{token} is an RFC 5737 documentation address ({label}): never routed on the internet, so nothing "
                "reaches it; set the real address")
    return (f"{token} is reserved for documentation (RFC 2606): it is never delegated to anyone, so its DNS records "
            "and certificates cannot work; set the service's real name")


def config_leaves() -> list[tuple[str, str]]:
    """(dotted key, string value) of every leaf of the stack config the CLI gave the pack (``PULUMI_CONFIG``)."""
    try:
        config = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
    except json.JSONDecodeError:
        return []
    out: list[tuple[str, str]] = []

    def walk(path: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{path}.{k}", v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(f"{path}[{i}]", v)
        elif isinstance(value, str) and value != "[secret]":
            out.append((path, value))

    for key, value in sorted(config.items() if isinstance(config, dict) else []):
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        walk(key, value)
    return out


def check(ctx: StackCtx) -> None:
    found: dict[str, list[tuple[Res, str]]] = {}  # token -> (resource, its text) in URN order
    for r in sorted(ctx.resources, key=lambda r: r.urn):
        text = json.dumps(r.props, default=str, sort_keys=True).lower()
        for tok in tokens(text):
            found.setdefault(tok, []).append((r, text))
    if not found:
        return
    traced: set[str] = set()
    for key, value in config_leaves():
        for tok in tokens(value):
            where = next((r for r, text in found.get(tok, []) if value.lower() in text), None)
            if where is not None:
                ctx.fail(f"config {key}: {why(tok)}", where)
                traced.add(tok)
    for tok, hits in found.items():
        if tok not in traced and tok not in UNTRACED_SKIPPED:
            ctx.fail(f"{why(tok)} (in {hits[0][0].type}, from no stack config key)", hits[0][0])


POLICY = stack_policy(
    id="example-values",
    name="Documentation example values",
    category="visibility",
    description="Resources carrying a documentation example value (AWS example account ids 111122223333, "
                "123456789012, 444455556666; RFC 5737 addresses; example.com/.org/.net) are reported once per value, "
                "naming the stack config key it came from: such a stack cannot deploy as written.",
    remediation="Replace the example in the named stack config key with the real account id, address or domain "
                "(`pulumi config set KEY VALUE`, or edit stacks/Pulumi.<stack>.yaml).",
    check=check,
    controls=Controls(nist=("CM-6",), iso=("A.8.9",)),
    severity=Severity.LOW,
)

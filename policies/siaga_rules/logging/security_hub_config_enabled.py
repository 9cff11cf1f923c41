"""A production account and region without Security Hub or an AWS Config recorder measures no security standard.

Security Hub and Config are per account and region, so this looks at each aws provider (an account and region) whose
resources are production (Environment tag absent or not a non-production value, as the other production rules): it
needs a Security Hub subscription (``aws.securityhub.Account``, or a ``StandardsSubscription`` on a hub adopted from
the organisation) and a Config recorder (``aws.cfg.Recorder``): Security Hub's controls are Config rules and produce
no findings without one (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-setup-prereqs.html).
When the organisation enables them (delegated administrator, Control Tower) the stack creates neither (they are
account singletons: singleton-account-resources): list the service in ``managedOutside`` to say so, in the policy
config, or in the program itself: a stack output ``managedOutside`` (e.g. ``pulumi.export("managedOutside",
["securityhub", "config"])``), which the policy reads from the root stack resource (its properties are the stack's
outputs in AnalyzeStack), so a stack's own declaration reaches the pack without a separate config file.
Advisory: the stack cannot see what the organisation runs. The finding is reported on the provider.
"""

from __future__ import annotations

from siaga_rules.common import (
    Controls,
    EnforcementLevel,
    Res,
    StackCtx,
    as_list,
    is_non_production,
    non_production_schema,
    stack_policy,
)

STACK = "pulumi:pulumi:Stack"
HUB = ("aws:securityhub/account:Account", "aws:securityhub/standardsSubscription:StandardsSubscription")
RECORDER = ("aws:cfg/recorder:Recorder",)
PROVIDER = "pulumi:providers:aws"


def _provider_urn(res: Res) -> str | None:
    prov = getattr(res.source, "provider", None)
    return getattr(prov, "urn", None)


def check(ctx: StackCtx) -> None:
    outside = {s.lower() for s in ctx.config["managedOutside"]}
    declared = {str(s).lower() for st in ctx.of_type(STACK) for s in as_list(st.get("managedOutside"))
                if isinstance(s, str)}
    outside |= declared & {"securityhub", "config"}
    by_urn = ctx.by_urn()
    seen: dict[str, set[str]] = {}  # provider URN -> kinds present ("securityhub", "config")
    for r in ctx.resources:
        if not r.type.startswith("aws:"):
            continue
        urn = _provider_urn(r)
        if urn is None:
            continue
        kinds = seen.setdefault(urn, set())
        if r.type in HUB:
            kinds.add("securityhub")
        elif r.type in RECORDER:
            kinds.add("config")
    for urn, kinds in seen.items():
        prov = by_urn.get(urn)
        if prov is None or prov.type != PROVIDER:
            continue
        if is_non_production({}, prov.props, ctx.config["nonProductionEnvironments"]):
            continue
        missing = [k for k in ("securityhub", "config") if k not in kinds and k not in outside]
        if not missing:
            continue
        what = {"securityhub": "no Security Hub subscription (aws.securityhub.Account, or StandardsSubscription "
                               "for NIST SP 800-53 r5 / AWS FSBP on an adopted hub)",
                "config": "no AWS Config recorder (aws.cfg.Recorder with a delivery channel to an in-country "
                          "encrypted bucket)"}
        region = prov.props.get("region") or "its region"
        ctx.fail(f"production resources of provider {prov.name} (account and region {region}) have "
                 + " and ".join(what[k] for k in missing)
                 + ": no security standard is measured for them and Security Hub raises no control findings for "
                   "the TTIS. Fix: create them in the account's baseline stack (siaga:detection.securityHub / "
                   "config: create), or, when the organisation enables them, list "
                 + ", ".join(repr(k) for k in missing) + " in this policy's managedOutside or in the stack output "
                   "managedOutside.", prov)


POLICY = stack_policy(
    id="security-hub-config-enabled",
    name="Production accounts measure standards with Security Hub and Config",
    category="logging",
    description="Each production account and region (aws provider) has a Security Hub subscription or standards "
                "subscription and an AWS Config recorder, unless the organisation manages them (managedOutside).",
    remediation="Enable Security Hub with NIST SP 800-53 r5 and AWS FSBP and a Config recorder (components/"
                "detection.py, siaga:detection securityHub/config: create), or list them in managedOutside.",
    check=check,
    controls=Controls(nist=("CA-7", "SI-4", "CM-8"), iso=("A.8.16", "A.5.36")),
    config={"managedOutside": {"type": "array", "items": {"type": "string", "enum": ["securityhub", "config"]},
                               "default": [], "description": "Services the organisation enables for the account "
                                                             "(delegated administrator / Control Tower)."},
            **non_production_schema()},
    level=EnforcementLevel.ADVISORY,
)

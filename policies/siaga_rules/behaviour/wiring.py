"""How services of a stack reach its KMS keys and SNS topics, read once from the graph (shared by the behaviour rules
kms-key-grants-users and sns-topic-allows-publishers).

References are resolved through the engine's property dependencies first (known at preview), then by value: a key
may be named by ARN, key id, alias name (``alias/x``) or alias ARN; a topic by ARN or name. Every index is built once
per stack, so a rule stays linear in the number of resources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from siaga_rules.behaviour.iam_documents import Partial, Undocumented
from siaga_rules.common import BUCKET_TYPES, Res, StackCtx, as_list, is_unknown, lookup, parse_arn

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
ALARM_TYPES = ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")
ALARM_ACTIONS = ("alarmActions", "okActions", "insufficientDataActions")
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
VAULT_NOTIFICATIONS = "aws:backup/vaultNotifications:VaultNotifications"
VAULT = "aws:backup/vault:Vault"
BUCKET_NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"


ROOT_RE = re.compile(r"arn:aws[a-zA-Z-]*:iam::(\d{12}):root")


def stack_account(ctx: StackCtx) -> str | None:
    """The stack's AWS account, computed once: from a known ARN of a key or topic (after deployment), else the one
    account whose root the stack's key and topic policies name (those are rendered from get_caller_identity, known
    at preview); None when neither tells."""
    cache = ctx.__dict__
    if "_stack_account" not in cache:
        found: str | None = None
        for r in ctx.of_type(KEY, TOPIC):
            arn = parse_arn(r.get("arn"))
            if arn and arn.account and arn.account != "aws":
                found = arn.account
                break
        if found is None:
            roots: set[str] = set()
            for r in ctx.of_type(KEY, KEY_POLICY, TOPIC, TOPIC_POLICY):
                doc = r.get("policy")
                if isinstance(doc, str):
                    roots.update(ROOT_RE.findall(doc))
            found = roots.pop() if len(roots) == 1 else None
        cache["_stack_account"] = found
    return cache["_stack_account"]


def account_of(ctx: StackCtx, *resources: Res) -> str | None:
    """The account of the first resource whose ARN names one, else the stack's account (None: unknown)."""
    for r in resources:
        arn = parse_arn(r.get("arn"))
        if arn and arn.account and arn.account != "aws":
            return arn.account
    return stack_account(ctx)


def arn_value(prefix: str, account: str | None, rest: str | None, rest_prefix: str = "") -> str | Partial:
    """``<prefix><account>:<rest>``, or a Partial when the account or the rest (which starts with ``rest_prefix``)
    is unknown."""
    if account is None:
        return Partial(prefix)
    if rest is None:
        return Partial(f"{prefix}{account}:{rest_prefix}")
    return f"{prefix}{account}:{rest}"


def account_value(account: str | None) -> str | Partial:
    return account if account is not None else Partial("")


def region_of(res: Res, fallback: str | None = None) -> str | None:
    region = res.region()
    if isinstance(region, str) and region and not is_unknown(region):
        return region
    arn = parse_arn(res.get("arn"))
    return arn.region if arn and arn.region else fallback


def known_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value and not is_unknown(value) else None


# ------------------------------------------------------------------------------------------
# keys


@dataclass
class KeyRef:
    """What a resource's key property points at: keys of this stack, an AWS managed key alias, or nothing known."""

    keys: list[Res] = field(default_factory=list)
    aws_managed: str | None = None
    """`alias/aws/<service>`: an AWS managed key, whose policy nobody can change."""
    unknown: bool = False


class Keys:
    """Every key of the stack, by ARN, key id, alias name and alias ARN; each key's effective policy document."""

    def __init__(self, ctx: StackCtx) -> None:
        self.ctx = ctx
        self.keys = ctx.of_type(KEY)
        self.by_urn = {k.urn: k for k in self.keys}
        self.index: dict[str, Res] = {}
        for k in self.keys:
            for v in (k.get("arn"), k.get("keyId"), k.get("id")):
                if known_str(v):
                    self.index.setdefault(v, k)
        self.aliases: dict[str, list[str]] = {}
        self.alias_urn: dict[str, Res] = {}
        for a in ctx.of_type(ALIAS):
            targets = ctx.resolve(a, "targetKeyId", KEY)
            if not targets:
                t = known_str(a.get("targetKeyId"))
                targets = [self.index[t]] if t and t in self.index else []
            if not targets:
                continue
            key = targets[0]
            self.alias_urn[a.urn] = key
            for v in (a.get("name"), a.get("arn")):
                if known_str(v):
                    self.index.setdefault(v, key)
                    if v.startswith("alias/"):
                        self.aliases.setdefault(key.urn, []).append(v)
        self.key_policies: dict[str, Res] = {}
        for kp in ctx.of_type(KEY_POLICY):
            for key in self.resolve(kp, "keyId").keys:
                self.key_policies[key.urn] = kp

    def resolve(self, res: Res, prop: str, value: Any = None, nested: bool = False) -> KeyRef:
        """The keys ``res.prop`` (or ``value``, read from inside ``prop``) names. For a nested value the property
        dependencies of ``prop`` are used only when the value itself is unknown (they cover the whole property)."""
        values = as_list(res.get(prop) if value is None and not nested else value)
        out = KeyRef()
        for v in values:
            if not isinstance(v, str) or not v:
                continue
            if is_unknown(v):
                out.unknown = True
            elif v in self.index:
                if self.index[v] not in out.keys:
                    out.keys.append(self.index[v])
            elif v.startswith("alias/aws/") or (":alias/aws/" in v):
                out.aws_managed = v[v.index("alias/"):]
        if out.keys or out.aws_managed or (values and not out.unknown):
            return out  # found, or every value is known and names no key of this stack
        for urn in res.deps.get(prop, []):
            key = self.by_urn.get(urn) or self.alias_urn.get(urn)
            if key is not None and key not in out.keys:
                out.keys.append(key)
        if out.keys:
            out.unknown = False
        return out

    def label(self, key: Res) -> str:
        aliases = self.aliases.get(key.urn, [])
        return f"'{key.name}'" + (f" ({', '.join(sorted(aliases))})" if aliases else "")

    def policy(self, key: Res) -> tuple[Any, Res]:
        """The key's effective policy and the resource that sets it (an aws.kms.KeyPolicy replaces the key's own);
        None means the key keeps the default key policy."""
        kp = self.key_policies.get(key.urn)
        if kp is not None:
            return kp.get("policy"), kp
        return key.get("policy"), key


def default_key_policy(account: str) -> dict[str, Any]:
    """What KMS gives a key created without a policy: the account root may do everything, so IAM policies of the
    account decide; no service principal is named.
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}]}


# ------------------------------------------------------------------------------------------
# topics and their publishers


@dataclass
class Publisher:
    """A resource that makes an AWS service publish to a topic, with the request context that service sends."""

    res: Res
    via: str
    """The property that names the topic (`alarmActions`, `snsTopicArn`, ...)."""
    service: str
    context: dict[str, Any]
    kind: str
    """Human name: "CloudWatch alarm", "EventBridge rule target", "AWS Backup vault notifications", "S3 bucket events"."""


class Topics:
    """Every topic of the stack, its effective topic policy, and the services that publish to it."""

    def __init__(self, ctx: StackCtx) -> None:
        self.ctx = ctx
        self.topics = ctx.of_type(TOPIC)
        self.by_urn = {t.urn: t for t in self.topics}
        self.index: dict[str, Res] = {}
        for t in self.topics:
            for v in (t.get("arn"), t.get("id"), t.get("name")):
                if known_str(v):
                    self.index.setdefault(v, t)
        self.topic_policies: dict[str, Res] = {}
        for tp in ctx.of_type(TOPIC_POLICY):
            for t in self._refs(tp, "arn"):
                self.topic_policies[t.urn] = tp
        self.publishers: dict[str, list[Publisher]] = {t.urn: [] for t in self.topics}
        self.unresolved: list[tuple[Res, str]] = []
        self._alarms()
        self._event_targets()
        self._vault_notifications()
        self._bucket_notifications()

    def _refs(self, res: Res, prop: str, value: Any = None) -> list[Res]:
        values = as_list(res.get(prop) if value is None else value)
        out = [self.index[v] for v in values if isinstance(v, str) and v in self.index]
        if any(is_unknown(v) for v in values) or (value is None and not out):
            out += [self.by_urn[u] for u in res.deps.get(prop, []) if u in self.by_urn]
        seen: list[Res] = []
        for t in out:
            if t not in seen:
                seen.append(t)
        if not seen and any(is_unknown(v) for v in values):
            self.unresolved.append((res, prop))
        return seen

    def policy(self, topic: Res) -> tuple[Any, Res | None]:
        tp = self.topic_policies.get(topic.urn)
        if tp is not None:
            return tp.get("policy"), tp
        own = topic.get("policy")
        return (own, topic) if own not in (None, "") else (None, None)

    def _add(self, topic: Res, pub: Publisher) -> None:
        """One publisher per (resource, service): an alarm naming the topic in alarmActions and okActions is one."""
        for known in self.publishers[topic.urn]:
            if known.res.urn == pub.res.urn and known.service == pub.service:
                if pub.via not in known.via.split(", "):
                    known.via = f"{known.via}, {pub.via}"
                return
        self.publishers[topic.urn].append(pub)

    def _alarms(self) -> None:
        # CloudWatch publishes alarm notifications as cloudwatch.amazonaws.com on behalf of the alarm's account
        # (aws:SourceArn = the alarm ARN, aws:SourceAccount / AWS:SourceOwner = its account).
        # https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
        for alarm in self.ctx.of_type(*ALARM_TYPES):
            for prop in ALARM_ACTIONS:
                for topic in self._refs(alarm, prop) if alarm.get(prop) or alarm.deps.get(prop) else []:
                    account = account_of(self.ctx, topic)
                    region = region_of(alarm, region_of(topic)) or ""
                    name = known_str(lookup(alarm.props, "name")) or known_str(alarm.get("alarmName"))
                    context: dict[str, Any] = {
                        "aws:SourceAccount": account_value(account), "AWS:SourceOwner": account_value(account),
                        "aws:SourceArn": arn_value(f"arn:aws:cloudwatch:{region}:", account,
                                                   f"alarm:{name}" if name else None, "alarm:")}
                    self._add(topic, Publisher(alarm, prop, "cloudwatch.amazonaws.com", context, "CloudWatch alarm"))

    def _event_targets(self) -> None:
        # EventBridge delivers to SNS as events.amazonaws.com (aws:SourceArn = the rule ARN).
        # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
        rules = {r.urn: r for r in self.ctx.of_type(EVENT_RULE)}
        rule_index = self.ctx.index(EVENT_RULE)
        for target in self.ctx.of_type(EVENT_TARGET):
            for topic in self._refs(target, "arn"):
                rule = next((rules[u] for u in target.deps.get("rule", []) if u in rules), None) or \
                    rule_index.get(known_str(target.get("rule")) or "")
                account = account_of(self.ctx, topic)
                name = known_str(rule.get("name")) if rule else known_str(target.get("rule"))
                bus = known_str(rule.get("eventBusName")) if rule else None
                path = (f"{bus}/{name}" if bus and bus != "default" else name) if name else None
                context: dict[str, Any] = {
                    "aws:SourceAccount": account_value(account),
                    "aws:SourceArn": arn_value(f"arn:aws:events:{region_of(target, region_of(topic)) or ''}:", account,
                                               f"rule/{path}" if path else None, "rule/")}
                self._add(topic, Publisher(target, "arn", "events.amazonaws.com", context, "EventBridge rule target"))

    def _vault_notifications(self) -> None:
        # AWS Backup publishes vault events as backup.amazonaws.com; the documented topic-policy statement has no
        # condition and which source keys its requests carry is not documented, so a statement conditioned on
        # aws:SourceArn / aws:SourceAccount cannot be verified (never passed on a guess).
        # https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-notifications.html (own account only)
        for vn in self.ctx.of_type(VAULT_NOTIFICATIONS):
            for topic in self._refs(vn, "snsTopicArn"):
                context: dict[str, Any] = {"aws:SourceAccount": Undocumented(""), "aws:SourceArn": Undocumented("")}
                self._add(topic, Publisher(vn, "snsTopicArn", "backup.amazonaws.com", context,
                                           "AWS Backup vault notifications"))

    def _bucket_notifications(self) -> None:
        # S3 publishes event notifications as s3.amazonaws.com with aws:SourceArn = the bucket ARN and
        # aws:SourceAccount = the bucket owner.
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
        buckets = self.ctx.index(*BUCKET_TYPES)
        by_urn = self.ctx.by_urn()
        for bn in self.ctx.of_type(BUCKET_NOTIFICATION):
            bucket_name = known_str(bn.get("bucket"))
            if not bucket_name:
                dep = next((by_urn[u] for u in bn.deps.get("bucket", []) if u in by_urn), None)
                bucket_name = known_str(dep.get("bucket")) if dep else None
            elif bucket_name in buckets:
                bucket_name = known_str(buckets[bucket_name].get("bucket")) or bucket_name
            for entry in as_list(bn.get("topics")):
                if not isinstance(entry, dict):
                    continue
                value = lookup(entry, "topicArn")
                for topic in self._refs(bn, "topics", value=value if value is not None else "?"):
                    context: dict[str, Any] = {"aws:SourceAccount": account_value(account_of(self.ctx, topic)),
                                               "aws:SourceArn": f"arn:aws:s3:::{bucket_name}" if bucket_name
                                               else Partial("arn:aws:s3:::")}
                    self._add(topic, Publisher(bn, "topics", "s3.amazonaws.com", context, "S3 bucket events"))


def default_topic_policy(topic_arn: str, account: str) -> dict[str, Any]:
    """The policy SNS gives a topic created without one: principals acting for the owner account only
    (condition AWS:SourceOwner = the account). https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html"""
    return {"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
        "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                   "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
        "Resource": topic_arn, "Condition": {"StringEquals": {"AWS:SourceOwner": account}}}]}

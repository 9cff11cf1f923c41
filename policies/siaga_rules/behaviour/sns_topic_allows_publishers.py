"""SNS topic policies allow the AWS services the stack makes publish to the topic.

A topic's access policy decides who may SNS:Publish; a service that is not allowed gets AuthorizationError and
its notifications are dropped, with nothing failing at deploy time (backup job failures nobody hears about).
Publishers found through the graph, with the request each makes:

- aws.backup.VaultNotifications -> ``backup.amazonaws.com`` SNS:Publish
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-notifications.html; the provider's example adds
  exactly this statement: https://www.pulumi.com/registry/packages/aws/api-docs/backup/vaultnotifications/).
- EventBridge targets (aws.cloudwatch.EventTarget) -> ``events.amazonaws.com`` SNS:Publish, aws:SourceArn = the
  rule (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
- S3 bucket notifications -> ``s3.amazonaws.com`` SNS:Publish with aws:SourceArn = the bucket ARN and
  aws:SourceAccount (https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html).
- CloudWatch alarms -> ``cloudwatch.amazonaws.com`` acting for the alarm's account (AWS:SourceOwner /
  aws:SourceAccount = that account, aws:SourceArn = the alarm). SNS's default topic policy allows principals acting
  for the owner account (condition AWS:SourceOwner), so same-account alarms publish to a topic without a policy;
  AWS documents a topic-policy statement only for alarms of another account
  (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html, "Allow any CloudWatch alarm to
  publish to a topic in a different account"). A custom topic policy replaces the default one, so it must then
  allow the alarms itself (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).

A topic without a policy (no ``policy`` and no aws.sns.TopicPolicy) has SNS's default policy: every SNS action
for principals acting for the owner account (AWS:SourceOwner), nothing for service principals acting for no
account. A policy unknown at preview "cannot be verified before deployment".
"""

from __future__ import annotations

import json
from typing import Any

from siaga_rules.behaviour.iam_documents import (
    GRANTED,
    UNKNOWN,
    Partial,
    Request,
    Undocumented,
    describe,
    evaluate,
    parse,
    statements,
)
from siaga_rules.behaviour.wiring import (
    Topics,
    account_of,
    arn_value,
    default_topic_policy,
    known_str,
    region_of,
)
from siaga_rules.common import Controls, StackCtx, has_unknown, stack_policy


def check(ctx: StackCtx) -> None:
    topics = Topics(ctx)
    for res, prop in topics.unresolved:
        ctx.cannot_verify(res, f"{prop} (the topic it publishes to is unknown until deployment)")
    for topic in topics.topics:
        pubs = topics.publishers.get(topic.urn, [])
        if not pubs:
            continue
        account = account_of(ctx, topic)
        region = region_of(topic) or ""
        arn = known_str(topic.get("arn"))
        name = known_str(topic.get("name"))
        # the provider's `arn` output, and the ARN as AWS spells it (arn:aws:sns:<region>:<account>:<name>)
        spellings: list[Any] = [a for a in (arn, f"arn:aws:sns:{region}:{account}:{name}" if name and account
                                            else None) if a] or [arn_value(f"arn:aws:sns:{region}:", account, None)]
        doc_value, setter = topics.policy(topic)
        if has_unknown(doc_value):
            ctx.cannot_verify(topic, f"topic policy ({setter.urn if setter else topic.urn} policy) unknown until "
                                     f"deployment; it must allow {', '.join(sorted({p.service for p in pubs}))}")
            continue
        default = doc_value is None
        # the default policy names the owner account: a still-unknown account is the same token on both sides
        owner = account or "<owner account>"
        doc = default_topic_policy("*", owner) if default else parse(doc_value)
        if doc is None or not statements(doc):
            ctx.fail(f"SNS topic '{topic.name}': its policy is not a JSON policy document with statements.", topic)
            continue
        shown_account = account or "(the owner account)"
        for pub in pubs:
            context = {k: owner if default and type(v) is Partial and not v.prefix else v
                       for k, v in pub.context.items()}
            req = Request("Service", pub.service, "SNS:Publish", spellings, context, account)
            verdict = evaluate(doc, req)
            if verdict == GRANTED:
                continue
            if verdict == UNKNOWN:
                ctx.cannot_verify(topic, f"{pub.res.urn} needs {describe(req)}")
                continue
            if default:
                policy_text = (f"the topic has no topic policy: SNS's default policy allows only principals acting "
                               f"for account {shown_account} (condition AWS:SourceOwner), and {pub.service} "
                               f"does not publish {pub.kind} on the account's behalf")
            else:
                where = f" (set by {setter.type} '{setter.name}')" if setter is not None and setter is not topic else ""
                policy_text = f"the topic policy{where} does not allow it"
            condition = {k: (f"{v.prefix}<unknown>" if v.prefix else "<owner account>") if isinstance(v, Partial)
                         else v for k, v in pub.context.items()
                         if k in ("aws:SourceArn", "aws:SourceAccount") and not isinstance(v, Undocumented)}
            statement = {"Sid": f"Allow{pub.service.split('.')[0].capitalize()}Publish", "Effect": "Allow",
                         "Principal": {"Service": pub.service}, "Action": "SNS:Publish", "Resource": arn or "<topic ARN>"}
            context_text = f" ({', '.join(f'{k} = {v}' for k, v in condition.items())})" if condition else ""
            cond: dict[str, dict[str, str]] = {}
            if condition.get("aws:SourceArn"):
                cond["ArnLike"] = {"aws:SourceArn": condition["aws:SourceArn"]}
            if condition.get("aws:SourceAccount"):
                cond["StringEquals"] = {"aws:SourceAccount": condition["aws:SourceAccount"]}
            if cond:
                statement["Condition"] = cond
            ctx.fail(f"SNS topic '{topic.name}' receives {pub.kind} from {pub.res.type} '{pub.res.name}' "
                     f"({pub.via}), but {policy_text}: Service {pub.service} may not SNS:Publish "
                     f"{context_text}, so these "
                     f"notifications are dropped. Fix: {'add an aws.sns.TopicPolicy with' if default else 'add to the topic policy'}"
                     f" the statement {json.dumps(statement)}"
                     f"{' (and keep a statement for the owner account)' if default else ''}.", topic)


POLICY = stack_policy(
    id="sns-topic-allows-publishers",
    name="SNS topic policies allow the services that publish to them",
    category="behaviour",
    description="Every SNS topic's policy (Topic.policy, aws.sns.TopicPolicy, else SNS's default owner-only policy) "
                "allows SNS:Publish to the services the stack makes publish to it: AWS Backup vault notifications, "
                "EventBridge targets, S3 bucket notifications and CloudWatch alarms.",
    remediation="Attach an aws.sns.TopicPolicy whose statements allow each publishing service principal SNS:Publish "
                "on the topic, conditioned on aws:SourceArn / aws:SourceAccount; keep the owner's statement.",
    check=check,
    controls=Controls(nist=("SI-4", "IR-6", "AC-3"), iso=("A.8.16", "A.5.25")),
)

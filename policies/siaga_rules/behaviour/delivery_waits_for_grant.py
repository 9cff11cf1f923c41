"""A resource that turns on delivery to (or use of) another resource waits for the grant that delivery needs.

Each AWS service below checks its permission on the destination at the moment the feature is turned on, and refuses
the call when the grant is not there yet; the grant is a separate resource, so without a dependency path from the
resource turning delivery on to the grant, the two calls race and the first ``pulumi up`` fails depending on timing:

- ELB access/connection logs -> the bucket's policy: "Access Denied for bucket ... Please check S3bucket permission"
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html); the same for an
  ALB made by the AWS Load Balancer Controller from an Ingress's ``load-balancer-attributes`` annotation;
- a CloudTrail trail -> its bucket's policy: ``InsufficientS3BucketPolicyException`` on CreateTrail
  (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html);
- an AWS Config delivery channel -> its bucket's policy: ``InsufficientDeliveryPolicyException`` on
  PutDeliveryChannel (https://docs.aws.amazon.com/config/latest/APIReference/API_PutDeliveryChannel.html);
- Route 53 query logging -> the CloudWatch Logs resource policy for ``route53.amazonaws.com``:
  ``InsufficientCloudWatchLogsResourcePolicyException`` on CreateQueryLoggingConfig
  (https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateQueryLoggingConfig.html);
- WAF logging -> the log group's resource policy, when the stack manages it (WAF writes one itself only when the
  caller may, https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html);
- S3 event notifications -> the SNS topic policy / SQS queue policy / Lambda permission: PutBucketNotificationConfiguration
  validates every destination ("Unable to validate the following destination configurations",
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html).

A destination that is not in the stack is not judged; a destination holding its grant inline (a bucket's, topic's or
queue's own ``policy``) passes through the dependency on the destination itself. Listener and Ingress certificates
waiting for their validation are ``acm-certificate-validated``.
"""

from __future__ import annotations

from siaga_rules.behaviour._paths import (
    LOG_GROUP,
    bucket_policies,
    log_group_policies,
    waits_for,
)
from siaga_rules.common import (
    BUCKET_TYPES,
    INGRESS_TYPES,
    Controls,
    Res,
    StackCtx,
    as_bool,
    as_list,
    ingress_log_bucket,
    lookup,
    stack_policy,
)

LB_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TOPIC, TOPIC_POLICY = "aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy"
QUEUE, QUEUE_POLICY = "aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy"
FUNCTION, PERMISSION = "aws:lambda/function:Function", "aws:lambda/permission:Permission"


def _judge(ctx: StackCtx, user: Res, turns_on: str, dest: Res, grants: list[Res], grant_kind: str,
           refused: str, required: bool = True) -> None:
    """Fails ``user`` unless it waits for one of ``grants`` (or for ``dest`` holding its grant inline)."""
    if any(waits_for(ctx, user, g.urn) for g in grants):
        return
    if not grants and not required:
        return
    if grants:
        have = (f"{grant_kind} {grants[0].name} exists, but no dependency path leads from {user.name} to it, so "
                "both are created at once")
        fix = f"add depends_on=[{grants[0].name}] to {user.name}"
    else:
        have = f"no {grant_kind} for {dest.name} is in this stack"
        fix = f"create the {grant_kind} granting the service, and depends_on it from {user.name}"
    ctx.fail(f"{user.name} turns on {turns_on} to {dest.name}, which needs the {grant_kind} first: {have}. {refused} "
             f"Fix: {fix}.", user)


def _inline(res: Res) -> bool:
    doc = res.get("policy")
    return isinstance(doc, str) and bool(doc.strip())


def _bucket(ctx: StackCtx, user: Res, prop: str, turns_on: str, refused: str, value: object = None) -> None:
    found = ctx.resolve(user, prop, *BUCKET_TYPES)
    if not found and isinstance(value, str):  # a bucket named by value (no property dependency recorded)
        hit = ctx.index(*BUCKET_TYPES).get(value)
        found = [hit] if hit is not None else []
    for bucket in found:
        grants = [bucket] if _inline(bucket) else bucket_policies(ctx, bucket)
        _judge(ctx, user, turns_on, bucket, grants, "bucket policy", refused)


def check(ctx: StackCtx) -> None:
    elb = "ELB refuses it with 'Access Denied for bucket' until the policy grants log delivery."
    for lb in ctx.of_type(*LB_TYPES):
        for block in ("accessLogs", "connectionLogs"):
            if lb.get(f"{block}.bucket") and as_bool(lb.get(f"{block}.enabled")) is not False:
                _bucket(ctx, lb, block, f"{block} delivery", elb, lb.get(f"{block}.bucket"))
    buckets = ctx.index(*BUCKET_TYPES)
    for ing in ctx.of_type(*INGRESS_TYPES):
        name = ingress_log_bucket(ing)
        bucket = buckets.get(name) if name else None
        if bucket is not None:
            grants = [bucket] if _inline(bucket) else bucket_policies(ctx, bucket)
            _judge(ctx, ing, "ALB access logs (load-balancer-attributes annotation)", bucket, grants, "bucket policy",
                   "The load balancer controller's ModifyLoadBalancerAttributes is refused until the policy grants "
                   "log delivery, and the Ingress gets no address.")
    for trail in ctx.of_type("aws:cloudtrail/trail:Trail"):
        _bucket(ctx, trail, "s3BucketName", "CloudTrail log delivery",
                "CreateTrail fails with InsufficientS3BucketPolicyException until the policy grants CloudTrail.")
    for channel in ctx.of_type("aws:cfg/deliveryChannel:DeliveryChannel"):
        _bucket(ctx, channel, "s3BucketName", "AWS Config delivery",
                "PutDeliveryChannel fails with InsufficientDeliveryPolicyException until the policy grants Config.")
    groups = ctx.index(LOG_GROUP)
    for ql in ctx.of_type("aws:route53/queryLog:QueryLog"):
        for group in ctx.resolve(ql, "cloudwatchLogGroupArn", LOG_GROUP):
            _judge(ctx, ql, "Route 53 query logging", group, log_group_policies(ctx, group),
                   "CloudWatch Logs resource policy",
                   "CreateQueryLoggingConfig fails with InsufficientCloudWatchLogsResourcePolicyException until it "
                   "grants route53.amazonaws.com.")
    for waf in ctx.of_type("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"):
        found = ctx.resolve(waf, "logDestinationConfigs", LOG_GROUP) or [
            groups[v.removesuffix(":*")] for v in as_list(waf.get("logDestinationConfigs"))
            if isinstance(v, str) and v.removesuffix(":*") in groups]
        for group in found:
            _judge(ctx, waf, "WAF logging", group, log_group_policies(ctx, group), "CloudWatch Logs resource policy",
                   "The stack's policy and the one WAF writes on PutLoggingConfiguration race.", required=False)
    for note in ctx.of_type("aws:s3/bucketNotification:BucketNotification"):
        for prop, dest_type, grant_type, grant_prop, kind in (
                ("topics", TOPIC, TOPIC_POLICY, "arn", "SNS topic policy"),
                ("queues", QUEUE, QUEUE_POLICY, "queueUrl", "SQS queue policy"),
                ("lambdaFunctions", FUNCTION, PERMISSION, "function", "Lambda permission")):
            dests = ctx.resolve(note, prop, dest_type)
            if not dests:
                index = ctx.index(dest_type)
                key = {"topics": "topicArn", "queues": "queueArn", "lambdaFunctions": "lambdaFunctionArn"}[prop]
                dests = [index[v] for v in (lookup(b, key) for b in as_list(note.get(prop)) if isinstance(b, dict))
                         if isinstance(v, str) and v in index]
            for dest in dests:
                grants = [dest] if _inline(dest) else [
                    g for g in ctx.of_type(grant_type) if dest in ctx.resolve(g, grant_prop, dest_type)]
                _judge(ctx, note, f"S3 event notifications ({prop})", dest, grants, kind,
                       "PutBucketNotificationConfiguration fails with 'Unable to validate the following destination "
                       "configurations' until S3 may publish to it.")


POLICY = stack_policy(
    id="delivery-waits-for-grant",
    name="Delivery is turned on after the grant it needs",
    category="behaviour",
    description="A load balancer or Ingress turning on access logs, a trail, a Config delivery channel, Route 53 query "
                "logging, WAF logging or S3 event notifications has a dependency path to the bucket policy, log "
                "resource policy, topic/queue policy or Lambda permission that lets the service deliver.",
    remediation="Add depends_on=[<the bucket policy / resource policy / permission>] to the resource that turns "
                "delivery on (or create the grant when it is missing).",
    check=check,
    controls=Controls(nist=("AU-9", "CM-6", "SI-12"), iso=("A.8.15", "A.8.32")),
)

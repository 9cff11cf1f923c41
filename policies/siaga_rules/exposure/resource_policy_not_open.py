"""SNS topic, SQS queue and S3 bucket policies are open neither to everyone nor to other accounts (FSBP SNS.4,
SQS.3, S3.6).

SNS.4 and SQS.3 fail a policy that allows ``Principal: "*"`` without a restricting condition; S3.6 fails a bucket
policy granting other AWS accounts the bucket's management actions
(https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-6: s3:DeleteBucketPolicy,
s3:PutBucketAcl, s3:PutBucketPolicy, s3:PutEncryptionConfiguration, s3:PutObjectAcl). Here every Allow to another
account is reported for topics and queues, and for buckets any grant to another account (a bucket shared with
another account is declared in trustedAccounts). The resource's own account comes from the ARNs in the policy, the
resource's ARN or the provider's allowedAccountIds; when none is known only public grants are judged.
"""

from siaga_rules.common import Controls, Ctx, resource_policy
from siaga_rules.exposure.open_statements import INVALID, open_grants, own_accounts, parse

KIND = {"aws:sns/topic:Topic": "topic", "aws:sns/topicPolicy:TopicPolicy": "topic",
        "aws:sqs/queue:Queue": "queue", "aws:sqs/queuePolicy:QueuePolicy": "queue",
        "aws:s3/bucketPolicy:BucketPolicy": "bucket"}


def check(ctx: Ctx) -> None:
    doc = parse(ctx.known(ctx.get("policy"), "policy"))
    if doc is None:
        return  # the service's default owner-only policy
    kind = KIND[ctx.type]
    if doc is INVALID:
        ctx.fail(f"{kind} policy is not a JSON policy document")
        return
    own = own_accounts(doc, ctx.props, ctx.provider)  # type: ignore[arg-type]
    for grant in open_grants(doc, own=own, trusted=ctx.config["trustedAccounts"]):  # type: ignore[arg-type]
        ctx.fail(f"{kind} policy {grant}")


POLICY = resource_policy(
    id="resource-policy-not-open",
    name="Topic, queue and bucket policies not open",
    category="exposure",
    types=tuple(KIND),
    description="SNS topic, SQS queue and S3 bucket policies have no Allow statement for Principal '*' (or "
                "NotPrincipal) without a narrowing condition, and grant no account other than the resource's own "
                "or a trusted one.",
    remediation="Grant services with aws:SourceArn/aws:SourceAccount conditions, name this account's roles, and "
                "list deliberately shared accounts in the policy config trustedAccounts.",
    check=check,
    controls=Controls(nist=("AC-3", "AC-6", "AC-21", "SC-7"), iso=("A.5.15", "A.8.3"),
                      fsbp=("SNS.4", "SQS.3", "S3.6"), checkov=("CKV_AWS_70", "CKV_AWS_385")),
    config={"trustedAccounts": {"type": "array", "items": {"type": "string"}, "default": [],
                                "description": "Other AWS account ids the resources may be shared with."}},
)

"""SNS topics and SQS queues are encrypted at rest."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    key = ctx.present("kmsMasterKeyId")
    if ctx.type == "aws:sns/topic:Topic":
        if not key:
            ctx.fail("kmsMasterKeyId is not set: SNS topics are not encrypted at rest by default")
        return
    if key:
        return
    if ctx.config["requireKms"]:
        ctx.fail("kmsMasterKeyId is not set (KMS required by config requireKms)")
    elif ctx.get("sqsManagedSseEnabled") is False:
        ctx.fail("sqsManagedSseEnabled is false and no kmsMasterKeyId: the queue is unencrypted")


POLICY = resource_policy(
    id="sns-sqs-encrypted",
    name="SNS topics and SQS queues encrypted",
    category="encryption",
    types=("aws:sns/topic:Topic", "aws:sqs/queue:Queue"),
    description="SNS topics use a KMS key; SQS queues use a KMS key or SQS managed SSE (the API default).",
    remediation="Set kms_master_key_id on aws.sns.Topic / aws.sqs.Queue (alias/aws/sns or a customer key).",
    check=check,
    controls=Controls(nist=("SC-28",), iso=("A.8.24",), pp71=("Pasal-20",),
                      fsbp=("SQS.1",), cdk_nag=("NIST.800.53.R5-SNSEncryptedKMS",),
                      checkov=("CKV_AWS_26", "CKV_AWS_27")),
    config={"requireKms": {"type": "boolean", "default": False,
                           "description": "Require a KMS key on SQS queues (SSE-SQS not enough)."}},
)

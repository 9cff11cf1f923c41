"""Kinesis data streams and Firehose delivery streams encrypt records at rest.

- A Kinesis stream is encrypted only with ``encryptionType="KMS"``; the API default is ``NONE`` (unencrypted):
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kinesis_stream#encryption_type
  ("The encryption type to use. The only acceptable values are NONE or KMS. The default value is NONE.").
- ``encryptionType="KMS"`` needs ``kmsKeyId`` (a key, or ``alias/aws/kinesis`` for the Kinesis-owned key):
  StartStreamEncryption's ``KeyId`` is required
  (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_StartStreamEncryption.html).
- A Firehose stream with a DirectPut source stores records itself and must set ``serverSideEncryption.enabled``
  (default false): https://docs.aws.amazon.com/firehose/latest/dev/encryption.html
- A Firehose stream fed by a Kinesis stream (``kinesisSourceConfiguration``) stores nothing at rest: the records
  stay in the source stream, so the source stream's encryption is what protects them, and Firehose SSE cannot be
  enabled on it: "You can only enable SSE for a delivery stream that uses DirectPut as its source"
  (https://docs.aws.amazon.com/firehose/latest/APIReference/API_StartDeliveryStreamEncryption.html; the
  terraform-provider-aws kinesis_firehose_delivery_stream docs say the same, which is why checkov CKV_AWS_240 skips
  such streams). The source stream is looked up in the stack (property dependencies, then ARN) and judged.
- A Firehose stream fed by MSK reads from the MSK cluster, which always encrypts at rest; it is not judged here.
"""

from siaga_rules.common import Controls, Res, StackCtx, as_bool, has_unknown, parse_arn, stack_policy

STREAM = "aws:kinesis/stream:Stream"
FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"


def _stream_state(s: Res) -> str | None:
    """'KMS', 'NONE' or None when unknown at preview."""
    value = s.get("encryptionType")
    if has_unknown(value):
        return None
    return str(value or "NONE").upper()


def _by_arn(ctx: StackCtx, ref: object) -> list[Res]:
    """A stream of this stack named by ARN (arn:aws:kinesis:<region>:<account>:stream/<name>), written by hand."""
    if not isinstance(ref, str):
        return []
    index = ctx.index(STREAM)
    arn = parse_arn(ref)
    name = arn.resource.split("/", 1)[-1] if arn and arn.service == "kinesis" else None
    hit = index.get(ref) or (index.get(name) if name else None)
    return [hit] if hit is not None else []


def check(ctx: StackCtx) -> None:
    for s in ctx.of_type(STREAM):
        state = _stream_state(s)
        if state is None:
            ctx.cannot_verify(s, "encryptionType")
        elif state == "KMS" and s.get("kmsKeyId") in (None, ""):
            ctx.fail(f"Kinesis stream {s.name!r} has encryptionType KMS but no kmsKeyId: StartStreamEncryption requires "
                     "a KeyId, so enabling encryption fails; set kms_key_id=key.arn (or 'alias/aws/kinesis')", s)
        elif state != "KMS":
            ctx.fail(f"Kinesis stream {s.name!r} has encryptionType {state}"
                     f"{' (the API default)' if s.get('encryptionType') is None else ''}: records are stored "
                     "unencrypted; set encryption_type='KMS' and kms_key_id=<key ARN or alias/aws/kinesis>", s)
    for f in ctx.of_type(FIREHOSE):
        if f.get("mskSourceConfiguration"):
            continue
        source = f.get("kinesisSourceConfiguration")
        if source:
            ref = f.get("kinesisSourceConfiguration.kinesisStreamArn")
            found = ctx.resolve(f, "kinesisSourceConfiguration", STREAM) or _by_arn(ctx, ref)
            if as_bool(f.get("serverSideEncryption.enabled")):
                ctx.fail(f"Firehose stream {f.name!r} reads from a Kinesis stream and enables serverSideEncryption: "
                         "Firehose refuses SSE when a Kinesis stream is the source (the records are encrypted by "
                         "the source stream); remove server_side_encryption and encrypt the source stream", f)
            if not found:
                if has_unknown(ref):
                    ctx.cannot_verify(f, "kinesisSourceConfiguration.kinesisStreamArn")
                else:
                    ctx.cannot_verify(f, f"source stream {ref!r} is not declared in this stack: its encryption "
                                         "(which the Firehose stream inherits) cannot be seen")
                continue
            stream = found[0]
            state = _stream_state(stream)
            if state is None:
                ctx.cannot_verify(f, f"encryptionType of source stream {stream.name!r}")
            elif state != "KMS":
                ctx.fail(f"Firehose stream {f.name!r} inherits the encryption of its source Kinesis stream "
                         f"{stream.name!r}, which has encryptionType {state}: records are stored unencrypted; set "
                         f"encryption_type='KMS' on {stream.name!r}", f)
            continue
        enabled = f.get("serverSideEncryption.enabled")
        if has_unknown(enabled):
            ctx.cannot_verify(f, "serverSideEncryption.enabled")
        elif as_bool(enabled) is not True:
            ctx.fail(f"Firehose stream {f.name!r} (DirectPut source) has no server-side encryption "
                     f"({'not set: the API default is off' if enabled is None else 'enabled=false'}): buffered "
                     "records are stored unencrypted; set server_side_encryption={'enabled': True, 'key_type': "
                     "'CUSTOMER_MANAGED_CMK', 'key_arn': key.arn}", f)


POLICY = stack_policy(
    id="kinesis-encrypted",
    name="Kinesis and Firehose streams encrypted at rest",
    category="encryption",
    description="Kinesis streams use encryptionType KMS with a kmsKeyId (default NONE); DirectPut Firehose streams enable server-side"
                " encryption; a Firehose stream fed by a Kinesis stream is judged by its source stream's encryption.",
    remediation="aws.kinesis.Stream(..., encryption_type='KMS', kms_key_id=key.arn); "
                "aws.kinesis.FirehoseDeliveryStream(..., server_side_encryption={'enabled': True, "
                "'key_type': 'CUSTOMER_MANAGED_CMK', 'key_arn': key.arn}) for DirectPut streams.",
    check=check,
    controls=Controls(nist=("SC-28", "SC-28(1)"), iso=("A.8.24",), pp71=("Pasal-20",)),
)

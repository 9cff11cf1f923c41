"""CloudTrail trails log continuously with log file integrity validation."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("enableLogFileValidation") is not True:
        ctx.fail("enableLogFileValidation is not true: tampering with delivered logs cannot be detected")
    if ctx.get("enableLogging") is False:
        ctx.fail("enableLogging is false: the trail records nothing")
    if ctx.config["requireKms"] and not ctx.present("kmsKeyId"):
        ctx.fail("kmsKeyId is not set: logs are encrypted with SSE-S3 only")


POLICY = resource_policy(
    id="cloudtrail-log-validation",
    name="CloudTrail with log file validation",
    category="logging",
    types=("aws:cloudtrail/trail:Trail",),
    description="CloudTrail trails are enabled, validate log files and (by default) encrypt them with KMS.",
    remediation="Set enable_log_file_validation=True, enable_logging=True and kms_key_id=key.arn.",
    check=check,
    controls=Controls(nist=("AU-2", "AU-9", "AU-10"), iso=("A.8.15",),
                      fsbp=("CloudTrail.2", "CloudTrail.4"),
                      cdk_nag=("NIST.800.53.R5-CloudTrailEncryptionEnabled", "NIST.800.53.R5-CloudTrailLogFileValidationEnabled"),
                      checkov=("CKV_AWS_35", "CKV_AWS_36")),
    config={"requireKms": {"type": "boolean", "default": True, "description": "Require kmsKeyId on trails."}},
)

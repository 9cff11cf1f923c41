"""Secrets Manager secrets rotate automatically, at least every ``maxRotationDays`` (FSBP SecretsManager.1,
SecretsManager.4; cdk-nag SecretsManagerRotationEnabled).

A secret rotates when an ``aws.secretsmanager.SecretRotation`` of this stack points at it (``secretId``), with
``rotationRules.automaticallyAfterDays`` at most the maximum (default 90, Security Hub's default) or a
``scheduleExpression`` (rate(N days) is judged; a cron expression is taken as configured). Whether a rotation
succeeds (SecretsManager.2) is only known after deployment.
"""

import re

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, StackCtx, as_number, has_unknown, stack_policy

SECRET, ROTATION = "aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretRotation:SecretRotation"
RATE = re.compile(r"^rate\((\d+)\s+(day|days|hour|hours)\)$")


def _interval_days(rotation) -> float | None:
    days = as_number(rotation.get("rotationRules.automaticallyAfterDays"))
    if days is not None:
        return days
    schedule = str(rotation.get("rotationRules.scheduleExpression") or "")
    m = RATE.match(schedule.strip())
    if m:
        n = float(m.group(1))
        return n if m.group(2).startswith("day") else n / 24
    return 0.0 if schedule else None


def check(ctx: StackCtx) -> None:
    rotations = ctx.of_type(ROTATION)
    limit = ctx.config["maxRotationDays"]
    if any(has_unknown(r.get("secretId")) and not ctx.resolve(r, "secretId", SECRET) for r in rotations):
        for s in ctx.of_type(SECRET):
            ctx.cannot_verify(s, "which secret each SecretRotation rotates")
        return
    for secret in ctx.of_type(SECRET):
        mine = [r for r in rotations if secret in ctx.resolve(r, "secretId", SECRET)]
        if not mine:
            ctx.fail("no aws.secretsmanager.SecretRotation rotates this secret: its value never changes", secret)
            continue
        days = [_interval_days(r) for r in mine]
        if all(d is None or d > limit for d in days):
            shown = ", ".join("no schedule" if d is None else f"{d:g} days" for d in days)
            ctx.fail(f"the secret rotates every {shown}: at most {limit} days allowed", secret)


POLICY = stack_policy(
    id="secrets-rotation",
    name="Secrets rotate",
    category="exposure",
    description="Every Secrets Manager secret of the stack has an aws.secretsmanager.SecretRotation rotating it at "
                "least every maxRotationDays (90 by default).",
    remediation="Add aws.secretsmanager.SecretRotation(secret_id=secret.id, rotation_lambda_arn=..., "
                "rotation_rules={'automatically_after_days': 30}); for RDS master passwords prefer "
                "manage_master_user_password=True (rotated by RDS).",
    check=check,
    controls=Controls(nist=("IA-5", "IA-5(1)"), iso=("A.5.17",), fsbp=("SecretsManager.1", "SecretsManager.4"),
                      cdk_nag=("NIST.800.53.R5-SecretsManagerRotationEnabled",), checkov=("CKV2_AWS_57",)),
    config={"maxRotationDays": {"type": "integer", "minimum": 1, "default": 90,
                                "description": "Longest allowed interval between rotations, in days."}},
    level=EnforcementLevel.ADVISORY,
)

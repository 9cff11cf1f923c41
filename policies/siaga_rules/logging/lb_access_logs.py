"""Application and network load balancers write access logs."""

from siaga_rules.common import LB_TYPES, Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    kind = ctx.get("loadBalancerType") or "application"
    if kind == "gateway":
        return
    if ctx.get("accessLogs.enabled") is not True or not ctx.present("accessLogs.bucket"):
        ctx.fail("accessLogs.enabled is not true with a bucket: requests are not recorded")


POLICY = resource_policy(
    id="lb-access-logs",
    name="Load balancer access logs",
    category="logging",
    types=LB_TYPES,
    description="Application/Network Load Balancers have access logs enabled to a bucket.",
    remediation="Set access_logs={'enabled': True, 'bucket': log_bucket.bucket, 'prefix': 'alb'} (the bucket policy "
                "must allow the ELB log delivery service).",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12"), iso=("A.8.15",),
                      fsbp=("ELB.5",), cdk_nag=("NIST.800.53.R5-ELBLoggingEnabled",), checkov=("CKV_AWS_91",)),
)

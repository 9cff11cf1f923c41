"""CloudWatch alarms act when they change state (cdk-nag CloudWatchAlarmAction).

An alarm with no alarm, OK or INSUFFICIENT_DATA action, or with ``actionsEnabled`` false, changes state and tells
no one (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html). Alarms used as
FIS stop conditions or composite-alarm inputs may have none: list them in ``exemptNamePrefixes``.
"""

from siaga_rules.common import Controls, Ctx, as_list, resource_policy

ACTIONS = ("alarmActions", "okActions", "insufficientDataActions")


def check(ctx: Ctx) -> None:
    name = str(ctx.get("name") or ctx.get("alarmName") or ctx.name)
    if any(name.startswith(p) for p in ctx.config["exemptNamePrefixes"]):
        return
    if ctx.get("actionsEnabled") is False:
        ctx.fail("actionsEnabled is false: the alarm changes state and notifies no one")
    elif not any(as_list(ctx.get(a)) for a in ACTIONS):
        ctx.fail("no alarmActions, okActions or insufficientDataActions: the alarm notifies no one")


POLICY = resource_policy(
    id="alarm-has-actions",
    name="Alarms have actions",
    category="logging",
    types=("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"),
    description="CloudWatch metric and composite alarms have actions enabled and at least one alarm, OK or "
                "INSUFFICIENT_DATA action.",
    remediation="Set alarm_actions=[incident_topic.arn] (and ok_actions); do not set actions_enabled=False.",
    check=check,
    controls=Controls(nist=("AU-6", "IR-6", "SI-4"), iso=("A.8.16", "A.5.25"),
                      cdk_nag=("NIST.800.53.R5-CloudWatchAlarmAction",)),
    config={"exemptNamePrefixes": {"type": "array", "items": {"type": "string"}, "default": [],
                                   "description": "Alarm names that need no action (inputs of composite alarms)."}},
)

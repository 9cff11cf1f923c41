"""AWS FIS experiment templates stop on a CloudWatch alarm: a drill that cannot stop itself when the service really
breaks is an outage, not a drill.

FIS stops an experiment when any of its stop conditions' alarms enters the ALARM state; a stop condition with
``source = "none"`` (what the API requires when there is none) or no stop condition at all lets the experiment run
its whole duration whatever it does to the service. Stop conditions: ``source`` ``aws:cloudwatch:alarm`` with the
alarm ARN as ``value`` (https://docs.aws.amazon.com/fis/latest/userguide/stop-conditions.html,
https://docs.aws.amazon.com/fis/latest/APIReference/API_CreateExperimentTemplateStopConditionInput.html).
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, as_list, is_unknown, lookup, resource_policy

ALARM_SOURCE = "aws:cloudwatch:alarm"


def check(ctx: Ctx) -> None:
    conditions = as_list(ctx.get("stopConditions"))
    alarms = 0
    for i, cond in enumerate(conditions):
        source = ctx.get(f"stopConditions.{i}.source")
        if source != ALARM_SOURCE:
            continue
        value = lookup(cond, "value")
        if is_unknown(value):
            ctx.soft_unknown(f"stopConditions.{i}.value")
            alarms += 1
        elif isinstance(value, str) and value.startswith("arn:") and ":alarm:" in value:
            alarms += 1
        else:
            ctx.fail(f"stopConditions[{i}] has source {ALARM_SOURCE} but value {value!r} is not a CloudWatch alarm ARN "
                     "(arn:aws:cloudwatch:<region>:<account>:alarm:<name>)")
            return
    if alarms:
        return
    sources = sorted({str(ctx.get(f"stopConditions.{i}.source")) for i in range(len(conditions))})
    what = f"only stop conditions with source {', '.join(sources)}" if conditions else "no stopConditions"
    ctx.fail(f"the experiment template has {what}: nothing stops the experiment when the service breaks; it runs "
             "its whole duration")


POLICY = resource_policy(
    id="fis-stop-condition",
    name="FIS experiment stops on an alarm",
    category="availability",
    types=("aws:fis/experimentTemplate:ExperimentTemplate",),
    description="AWS FIS experiment templates have a stop condition on a CloudWatch alarm (not source \"none\").",
    remediation="Add stop_conditions=[{\"source\": \"aws:cloudwatch:alarm\", \"value\": <the service's health or 5xx "
                "alarm ARN>}] (components/drills.py creates one on the load balancer's healthy hosts).",
    check=check,
    level=EnforcementLevel.MANDATORY,
    controls=Controls(nist=("CP-4", "IR-3", "CA-8"), iso=("A.5.30", "A.8.29")),
)

"""A stack with RDS databases subscribes to their critical events (FSBP RDS.19, RDS.20, RDS.21).

Security Hub asks for an enabled RDS event subscription per source type with the critical categories
(https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html: RDS.19 db-cluster: maintenance,
failure; RDS.20 db-instance: maintenance, configuration change, failure; RDS.21 db-parameter-group: maintenance,
configuration change). A subscription without ``eventCategories`` receives every category, one without
``sourceIds`` every source of its type. Each source type present in the stack (clusters, instances, parameter
groups) needs such a subscription covering each of its resources.
"""

from siaga_rules.common import Controls, Res, StackCtx, as_list, has_unknown, stack_policy

SUBSCRIPTION = "aws:rds/eventSubscription:EventSubscription"
SOURCES = {
    "db-cluster": (("aws:rds/cluster:Cluster",), {"maintenance", "failure"}),
    "db-instance": (("aws:rds/instance:Instance",), {"maintenance", "configuration change", "failure"}),
    "db-parameter-group": (("aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup"),
                           {"maintenance", "configuration change"}),
}


def _covers(sub: Res, res: Res, needed: set[str]) -> bool:
    if sub.get("enabled") is False:
        return False
    categories = {str(c).lower() for c in as_list(sub.get("eventCategories"))}
    if categories and not needed <= categories:
        return False
    ids = [str(i) for i in as_list(sub.get("sourceIds"))]
    return not ids or bool(set(ids) & res.ids())


def check(ctx: StackCtx) -> None:
    subs = ctx.of_type(SUBSCRIPTION)
    if any(has_unknown(s.get(k)) for s in subs for k in ("sourceType", "eventCategories", "sourceIds", "enabled")):
        for s in subs:
            ctx.cannot_verify(s, "sourceType / eventCategories / sourceIds")
        return
    for source_type, (types, needed) in SOURCES.items():
        mine = [s for s in subs if s.get("sourceType") == source_type]
        for res in ctx.of_type(*types):
            if not any(_covers(s, res, needed) for s in mine):
                ctx.fail(f"no enabled RDS event subscription (sourceType {source_type}) sends its "
                         f"{', '.join(sorted(needed))} events", res)


POLICY = stack_policy(
    id="rds-event-subscriptions",
    name="RDS event subscriptions",
    category="logging",
    description="Every RDS cluster, instance and parameter group of the stack is covered by an enabled "
                "aws.rds.EventSubscription of its source type with the critical event categories (or all).",
    remediation="Add aws.rds.EventSubscription(source_type='db-instance', event_categories=['maintenance', "
                "'configuration change', 'failure'], sns_topic=incidents.arn) and the same for db-cluster and "
                "db-parameter-group.",
    check=check,
    controls=Controls(nist=("SI-4", "IR-6", "CM-3"), iso=("A.8.16",), fsbp=("RDS.19", "RDS.20", "RDS.21")),
)

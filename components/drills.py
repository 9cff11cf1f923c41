"""CyberDrills: AWS FIS experiment templates provisioned with the stack, run by ``siaga drill``, and the quarantine
security group the DRP's containment step swaps a compromised instance into.

Scenarios (``SCENARIOS``; the template ids are the stack output ``drillTemplates``):

- ``lose-instance``: ``aws:ec2:terminate-instances`` on ONE running instance of the application's Auto Scaling group
  (target ``aws:ec2:instance`` by the ``aws:autoscaling:groupName`` tag EC2 Auto Scaling puts on its instances,
  selection ``COUNT(1)``). Expected: the ALB stops routing to it, the group replaces it.
- ``lose-az``: in the first AZ of the stack, ``aws:ec2:stop-instances`` on every instance of the group there (filter
  ``Placement.AvailabilityZone``), ``aws:network:disrupt-connectivity`` (scope ``all``) on that AZ's private and isolated
  subnets for ``fault_minutes``, and the database failed over: ``aws:rds:reboot-db-instances`` with
  ``forceFailover=true`` for a Multi-AZ DB instance, ``aws:rds:failover-db-cluster`` for a cluster.
- ``fail-site`` is no FIS template: FIS has no Route 53 action (the actions list of
  https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html has none for route53). ``siaga drill
  fail-site`` inverts the primary Route 53 health check with the aws CLI (``route53 update-health-check --inverted``,
  the ``Inverted`` flag of https://docs.aws.amazon.com/Route53/latest/APIReference/API_UpdateHealthCheck.html), so
  Route 53 answers the standby exactly as if the primary had stopped answering, and sets it back (``--no-inverted``)
  when the drill ends, whatever its outcome. An SSM Automation document run by ``aws:ssm:start-automation-execution``
  would do the same through FIS but needs its own automation role with route53 rights; the CLI keeps that right with
  the operator, who runs the drill.

EKS stacks (``platform: eks``, hybrid-pdn; ``EksDrillTargets``) get the same three scenarios on their own targets:

- ``lose-instance`` = lose one NODE: ``aws:ec2:terminate-instances`` on ONE running instance tagged
  ``eks:cluster-name`` = the cluster (EKS puts ``eks:cluster-name`` and ``eks:nodegroup-name`` on the Auto Scaling group
  of every managed node group, propagated to its instances: the tag keys the service-linked role
  AWSServiceRoleForAmazonEKSNodegroup may set, https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForAmazonEKSNodegroup.html).
  ``aws:eks:terminate-nodegroup-instances`` is not used here: it takes a percentage of a node group
  (``instanceTerminationPercentage``), not a count, so "one node" would depend on the group's size at the time.
- ``lose-az``: ``aws:eks:terminate-nodegroup-instances`` with ``instanceTerminationPercentage = 100`` on the node group
  of that AZ (target ``aws:eks:nodegroup`` by its ARN, key ``Nodegroups``; one managed node group per AZ,
  components/eks.py), plus the same subnet disruption and database failover as the EC2 tier: the node group relaunches
  its nodes in that AZ's only subnet, which cannot reach the cluster until the disruption ends, as in a real AZ loss.
  Permissions: those of the AWS managed policy AWSFaultInjectionSimulatorEKSAccess
  (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSFaultInjectionSimulatorEKSAccess.html:
  ec2:DescribeInstances, ec2:TerminateInstances, ec2:DescribeSubnets, eks:DescribeCluster, eks:DescribeNodegroup),
  scoped to this cluster, its node groups and instances tagged with its name.
- ``lose-az-stop`` (EKS only): the same AZ loss with that AZ's nodes STOPPED (``aws:ec2:stop-instances`` on the
  running instances tagged ``eks:cluster-name`` in that AZ, ``startInstancesAfterDuration`` = the fault duration),
  not terminated. Terminating deletes the Node objects, so the scheduler never sees what a real AZ loss leaves: nodes
  NotReady but still in the cluster, still labelled with their zone. That is the case a zone spread must survive
  (``nodeTaintsPolicy: Honor``, components/workload.py), and only this variant reproduces it, for as long as the node
  group's Auto Scaling group leaves a stopped instance in place (it replaces instances not running after its health
  check: https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html). Its role may stop and
  start this cluster's instances (the EC2 actions of the FIS reference,
  https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#ec2-actions-reference).
- ``fail-site``: the primary Route 53 health check inverted, as for the EC2 tier.

The stop alarm of an EKS stack. The ALB is made by the AWS Load Balancer Controller from the Ingress, so its
``LoadBalancer`` dimension (``app/<name>/<id>``) and its target groups are not resources of the stack. Options weighed:
a Route 53 health-check alarm (its metrics exist in us-east-1 only: an alarm there breaks the residency rule); a
CloudWatch Synthetics canary (an extra Lambda, an artifact bucket, a role and the canary code to own, per stack, to
learn what the ALB already measures); Container Insights (pods running, not requests served); Pulumi-owned target
groups bound with TargetGroupBinding (the Ingress would have to forward by ARN through annotations, a rewrite of the
workload for the sake of one alarm). Chosen: what platform teams do with controller-made load balancers (the
Terraform ``data "aws_lb"`` pattern) -- look the ALB up after the Ingress exists, by the tags the controller puts on
every load balancer it makes (``elbv2.k8s.aws/cluster`` = the cluster, ``ingress.k8s.aws/stack`` =
``<namespace>/<ingress>``, ``ingress.k8s.aws/resource`` = ``LoadBalancer``:
https://github.com/kubernetes-sigs/aws-load-balancer-controller/pull/1469), with ``depends_on`` the Ingress
(:func:`controller_load_balancer`; pulumi-kubernetes waits until the Ingress publishes its load balancer address),
then alarm on a CloudWatch Metrics Insights query over the ALB's target groups, whatever the controller named them:
``SELECT MIN(HealthyHostCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, TargetGroup) WHERE LoadBalancer =
'<arn suffix>'`` (alarms on Metrics Insights queries:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html; SCHEMA and WHERE
``labelKey = 'value'``: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html).
Same meaning as the EC2 tier's alarm: no healthy target for two minutes. The alarm is in ap-southeast-3 with its
load balancer; every ``pulumi up`` looks the ALB up again, so a load balancer the controller replaced is followed.

Every template: the role below, a stop condition on the stack's "service unhealthy" alarm (no healthy target behind
the load balancer: the drill went further than the design survives), logs to an encrypted log group, and
``emptyTargetResolutionMode = fail`` (a template whose targets resolve to nothing fails instead of "passing").

Region: FIS is regional. Every action used is in ``FIS_ACTIONS`` and in the actions reference
(https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html); what could NOT be confirmed from the AWS
documentation available when this was written: the Jakarta row of the endpoints table
(https://docs.aws.amazon.com/general/latest/gr/fis.html, the copy searched ends before it) and the per-Region
availability of each action (the reference lists none). Before a first drill run ``aws fis list-actions --region
ap-southeast-3`` (``siaga drill --dry-run`` prints it, the DRP's recovery step lists the stack's actions): an action
missing in the region makes ``pulumi up`` fail on that template, never silently.

Role (least privilege, https://docs.aws.amazon.com/fis/latest/userguide/getting-started-iam-service-role.html): trusted
by ``fis.amazonaws.com`` with ``aws:SourceAccount`` (this account) and ``aws:SourceArn`` (this account's experiments in
this region); the instance actions only on instances tagged with this group's name; the network ACL actions of the
AWS managed policy AWSFaultInjectionSimulatorNetworkAccess, limited to FIS-tagged ACLs, this VPC and these subnets;
the RDS action only on this database; the log delivery actions FIS's vended logs need
(https://docs.aws.amazon.com/fis/latest/userguide/monitoring-logging.html ->
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html: logs:CreateLogDelivery,
PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups, the latter three on ``log-group:*``).

The log group is encrypted with the stack's logs key, whose policy grants ``logs.<region>.amazonaws.com`` for this
account's log groups (components/keys.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

SCENARIOS = ("lose-instance", "lose-az", "lose-az-stop", "fail-site")
FIS_SCENARIOS = ("lose-instance", "lose-az", "lose-az-stop")
"""lose-az-stop: EKS stacks only (their AZ's nodes stopped instead of terminated)."""
FIS_ACTIONS = ("aws:ec2:terminate-instances", "aws:ec2:stop-instances", "aws:network:disrupt-connectivity",
               "aws:rds:reboot-db-instances", "aws:rds:failover-db-cluster", "aws:eks:terminate-nodegroup-instances")
"""Every FIS action the templates may use (README "Cyber drills": check them with ``aws fis list-actions``)."""
ASG_TAG = "aws:autoscaling:groupName"
"""Tag EC2 Auto Scaling adds to every instance it launches
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-tagging.html)."""
EKS_CLUSTER_TAG = "eks:cluster-name"
"""Tag EKS puts on the Auto Scaling group (propagated to the instances) of every managed node group."""
LBC_CLUSTER_TAG = "elbv2.k8s.aws/cluster"
LBC_STACK_TAG = "ingress.k8s.aws/stack"
LBC_RESOURCE_TAG = "ingress.k8s.aws/resource"
FIS_ACL_TAG = "managedByFIS"
"""Tag FIS puts on the network ACL it creates for disrupt-connectivity (AWSFaultInjectionSimulatorNetworkAccess)."""


def log_group_name(name_prefix: str) -> str:
    return f"/aws/fis/{name_prefix}"


def stop_alarm_name(name_prefix: str) -> str:
    return f"{name_prefix}-service-unhealthy"


def healthy_hosts_query(load_balancer_arn_suffix: str) -> str:
    """Metrics Insights: the lowest healthy-host count over every target group of one ALB (one time series)."""
    if "'" in load_balancer_arn_suffix:
        raise ValueError(f"load balancer ARN suffix {load_balancer_arn_suffix!r}; allowed: app/<name>/<id>")
    return ('SELECT MIN(HealthyHostCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, TargetGroup) '
            f"WHERE LoadBalancer = '{load_balancer_arn_suffix}'")


def controller_load_balancer(cluster_name: str, namespace: str, ingress_name: str, ingress: pulumi.Resource,
                             provider: pulumi.ProviderResource | None = None) -> pulumi.Output[Any]:
    """The ALB the AWS Load Balancer Controller made for ``namespace/ingress_name``, looked up by the controller's own
    tags once the Ingress exists (unknown at the first preview, looked up again on every update)."""
    return aws.lb.get_load_balancer_output(
        tags={LBC_CLUSTER_TAG: cluster_name, LBC_STACK_TAG: f"{namespace}/{ingress_name}",
              LBC_RESOURCE_TAG: "LoadBalancer"},
        opts=pulumi.InvokeOutputOptions(depends_on=[ingress], provider=provider))


@dataclass
class EksDrillTargets:
    """What an EKS stack drills instead of an Auto Scaling group and a Pulumi-made load balancer."""

    cluster_name: pulumi.Input[str]
    node_group_arns: list[pulumi.Input[str]]
    """One managed node group per AZ, in the order of ``CyberDrillsArgs.azs``."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """``app/<name>/<id>`` of the controller-made ALB (:func:`controller_load_balancer`)."""


@dataclass
class CyberDrillsArgs:
    """Inputs of :class:`CyberDrills`."""

    name_prefix: str
    logs_key_arn: pulumi.Input[str]
    """The stack's logs key (the FIS log group is encrypted with it)."""
    vpc_id: pulumi.Input[str]
    asg_name: pulumi.Input[str] | None = None
    """EC2 tier: the application's Auto Scaling group (its instances carry the aws:autoscaling:groupName tag)."""
    alb_arn_suffix: pulumi.Input[str] | None = None
    target_group_arn_suffix: pulumi.Input[str] | None = None
    azs: list[str] = field(default_factory=list)
    """AZ names, in the order of the subnet lists."""
    private_subnet_ids: list[pulumi.Input[str]] = field(default_factory=list)
    isolated_subnet_ids: list[pulumi.Input[str]] = field(default_factory=list)
    eks: EksDrillTargets | None = None
    """EKS stack: node groups and the controller-made ALB instead of asg_name / alb_arn_suffix / target group."""
    db_arn: pulumi.Input[str] | None = None
    db_is_cluster: bool = False
    alarm_topic_arn: pulumi.Input[str] | None = None
    """The incident topic: the stop alarm notifies TTIS too."""
    fault_minutes: int = 5
    log_retention_days: int = 365
    drill_az_index: int = 0
    """Which AZ the AZ-loss drill takes down [the first]."""
    tags: dict[str, str] = field(default_factory=dict)


def trust_policy(account: str, partition: str, region: str) -> str:
    """fis.amazonaws.com, confused-deputy scoped to this account's experiments
    (https://docs.aws.amazon.com/fis/latest/userguide/getting-started-iam-service-role.html)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "fis.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account},
                      "ArnLike": {"aws:SourceArn": f"arn:{partition}:fis:{region}:{account}:experiment/*"}}}]})


def role_policy(*, account: str, partition: str, region: str, asg_name: str | None = None, vpc_id: str,
                subnet_ids: list[str], db_arn: str | None, db_is_cluster: bool, eks_cluster: str | None = None,
                node_group_arns: list[str] | None = None) -> str:
    """Only what the two templates do, on this stack's resources: the instances of its Auto Scaling group (EC2 tier)
    or of its EKS cluster's node groups (``eks_cluster``)."""
    ec2 = f"arn:{partition}:ec2:{region}:{account}"
    if eks_cluster is not None:
        # aws:ec2:terminate-instances (one node), aws:eks:terminate-nodegroup-instances (the AZ's node group) and
        # aws:ec2:stop-instances with startInstancesAfterDuration (lose-az-stop: the AZ's nodes, started again)
        instances: dict[str, Any] = {
            "Sid": "NodesOfThisCluster", "Effect": "Allow",
            "Action": ["ec2:TerminateInstances", "ec2:StopInstances", "ec2:StartInstances"],
            "Resource": f"{ec2}:instance/*",
            "Condition": {"StringEquals": {f"aws:ResourceTag/{EKS_CLUSTER_TAG}": eks_cluster}}}
    else:
        if asg_name is None:
            raise ValueError("role_policy: asg_name (EC2 tier) or eks_cluster (EKS) is required")
        # https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#ec2-actions-reference
        instances = {"Sid": "InstancesOfThisGroup", "Effect": "Allow",
                     "Action": ["ec2:TerminateInstances", "ec2:StopInstances", "ec2:StartInstances"],
                     "Resource": f"{ec2}:instance/*",
                     "Condition": {"StringEquals": {f"aws:ResourceTag/{ASG_TAG}": asg_name}}}
    stmts: list[dict[str, Any]] = [
        instances,
        {"Sid": "DescribeTargets", "Effect": "Allow",  # Describe* have no resource-level permissions
         "Action": ["ec2:DescribeInstances", "ec2:DescribeSubnets", "ec2:DescribeNetworkAcls",
                    "ec2:DescribeVpcs", "ec2:DescribeManagedPrefixLists"], "Resource": "*"},
        # aws:network:disrupt-connectivity (the AWS managed policy AWSFaultInjectionSimulatorNetworkAccess, scoped)
        {"Sid": "CreateFisAclInThisVpc", "Effect": "Allow", "Action": "ec2:CreateNetworkAcl",
         "Resource": f"{ec2}:vpc/{vpc_id}"},
        {"Sid": "CreateFisAcl", "Effect": "Allow", "Action": "ec2:CreateNetworkAcl",
         "Resource": f"{ec2}:network-acl/*",
         "Condition": {"StringEquals": {f"aws:RequestTag/{FIS_ACL_TAG}": "true"}}},
        {"Sid": "TagFisAcl", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": f"{ec2}:network-acl/*",
         "Condition": {"StringEquals": {"ec2:CreateAction": "CreateNetworkAcl",
                                        f"aws:RequestTag/{FIS_ACL_TAG}": "true"}}},
        {"Sid": "UseFisAcl", "Effect": "Allow", "Action": ["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"],
         "Resource": f"{ec2}:network-acl/*",
         "Condition": {"StringEquals": {f"aws:ResourceTag/{FIS_ACL_TAG}": "true"}}},
        {"Sid": "SwapAclOfTheseSubnets", "Effect": "Allow", "Action": "ec2:ReplaceNetworkAclAssociation",
         "Resource": [f"{ec2}:subnet/{s}" for s in subnet_ids] + [f"{ec2}:network-acl/*"]},
        {"Sid": "PrefixLists", "Effect": "Allow", "Action": "ec2:GetManagedPrefixListEntries",
         "Resource": f"{ec2}:prefix-list/*"},
        # experiment logging to CloudWatch Logs (vended logs)
        {"Sid": "LogDelivery", "Effect": "Allow", "Action": "logs:CreateLogDelivery", "Resource": "*"},
        {"Sid": "LogGroupPolicy", "Effect": "Allow",
         "Action": ["logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"],
         "Resource": f"arn:{partition}:logs:{region}:{account}:log-group:*"},
    ]
    if eks_cluster is not None:
        # AWSFaultInjectionSimulatorEKSAccess, scoped: the cluster and its node groups (the AZ-loss target)
        stmts.append({"Sid": "DescribeThisCluster", "Effect": "Allow", "Action": "eks:DescribeCluster",
                      "Resource": f"arn:{partition}:eks:{region}:{account}:cluster/{eks_cluster}"})
        stmts.append({"Sid": "DescribeTheseNodeGroups", "Effect": "Allow", "Action": "eks:DescribeNodegroup",
                      "Resource": list(node_group_arns or [])})
    if db_arn:
        # https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#rds-actions-reference
        actions = (["rds:FailoverDBCluster", "rds:DescribeDBClusters"] if db_is_cluster
                   else ["rds:RebootDBInstance", "rds:DescribeDBInstances"])
        stmts.append({"Sid": "FailOverThisDatabase", "Effect": "Allow", "Action": actions, "Resource": db_arn})
    return json.dumps({"Version": "2012-10-17", "Statement": stmts})


class CyberDrills(pulumi.ComponentResource):
    """FIS role, log group, stop alarm, the two experiment templates, and the quarantine security group."""

    def __init__(self, name: str, args: CyberDrillsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:CyberDrills", name, None, opts)
        if not 0 <= args.drill_az_index < len(args.azs):
            raise ValueError(f"CyberDrillsArgs.drill_az_index: {args.drill_az_index}; allowed: 0-{len(args.azs) - 1}")
        eks = args.eks
        if eks is None and (args.asg_name is None or args.alb_arn_suffix is None
                            or args.target_group_arn_suffix is None):
            raise ValueError("CyberDrillsArgs: asg_name, alb_arn_suffix and target_group_arn_suffix (EC2 tier) or eks "
                             "(EksDrillTargets) are required")
        if eks is not None and len(eks.node_group_arns) != len(args.azs):
            raise ValueError(f"EksDrillTargets.node_group_arns: {len(eks.node_group_arns)} node group(s) for "
                             f"{len(args.azs)} AZs; allowed: one per AZ, in the order of azs")
        child = pulumi.ResourceOptions(parent=self)
        p = args.name_prefix
        ident = aws.get_caller_identity()
        region = aws.get_region().region
        partition = aws.get_partition().partition
        account = ident.account_id

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=log_group_name(p), kms_key_id=args.logs_key_arn,
            retention_in_days=args.log_retention_days, opts=child)

        # The stop condition: no healthy target behind the load balancer for two minutes = the service is down,
        # beyond what the drill is meant to show. ALB metrics:
        # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
        actions = [args.alarm_topic_arn] if args.alarm_topic_arn is not None else []
        common: dict[str, Any] = dict(
            name=stop_alarm_name(p), evaluation_periods=2, threshold=1, comparison_operator="LessThanThreshold",
            treat_missing_data="breaching", alarm_actions=actions, ok_actions=actions,
            alarm_description="siaga drill stop condition: no healthy target behind the load balancer")
        if eks is None:
            self.stop_alarm = aws.cloudwatch.MetricAlarm(
                f"{name}-service-unhealthy", namespace="AWS/ApplicationELB", metric_name="HealthyHostCount",
                statistic="Minimum", period=60,
                dimensions={"LoadBalancer": args.alb_arn_suffix, "TargetGroup": args.target_group_arn_suffix},
                opts=child, **common)
        else:
            # the controller-made ALB, every target group of it (module docstring)
            self.stop_alarm = aws.cloudwatch.MetricAlarm(
                f"{name}-service-unhealthy", metric_queries=[aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="healthy", label="lowest HealthyHostCount over the ALB's target groups",
                    expression=pulumi.Output.from_input(eks.load_balancer_arn_suffix).apply(healthy_hosts_query),
                    period=60, return_data=True)], opts=child, **common)

        az = args.azs[args.drill_az_index]
        az_subnets = [args.private_subnet_ids[args.drill_az_index], args.isolated_subnet_ids[args.drill_az_index]]
        owner = args.asg_name if eks is None else eks.cluster_name
        node_groups = [eks.node_group_arns[args.drill_az_index]] if eks is not None else []
        policy = pulumi.Output.all(pulumi.Output.from_input(owner), pulumi.Output.from_input(args.vpc_id),
                                   pulumi.Output.all(*az_subnets),
                                   pulumi.Output.from_input(args.db_arn) if args.db_arn is not None else None,
                                   pulumi.Output.all(*node_groups)
                                   ).apply(lambda v: role_policy(
                                       account=account, partition=partition, region=region,
                                       asg_name=v[0] if eks is None else None,
                                       eks_cluster=v[0] if eks is not None else None, node_group_arns=list(v[4]),
                                       vpc_id=v[1], subnet_ids=list(v[2]), db_arn=v[3],
                                       db_is_cluster=args.db_is_cluster))
        self.role = aws.iam.Role(f"{name}-fis", name=f"{p}-fis", assume_role_policy=trust_policy(
            account, partition, region), description="AWS FIS experiments of siaga drill", opts=child)
        role_policy_res = aws.iam.RolePolicy(f"{name}-fis", role=self.role.id, policy=policy,
                                             opts=pulumi.ResourceOptions(parent=self.role))

        def template(scenario: str, description: str, targets: list[dict[str, Any]],
                     actions_: list[dict[str, Any]]) -> aws.fis.ExperimentTemplate:
            return aws.fis.ExperimentTemplate(
                f"{name}-{scenario}", description=description, role_arn=self.role.arn,
                stop_conditions=[{"source": "aws:cloudwatch:alarm", "value": self.stop_alarm.arn}],
                targets=targets, actions=actions_,
                log_configuration={"log_schema_version": 2,
                                   "cloudwatch_logs_configuration": {"log_group_arn": self.log_group.arn}},
                experiment_options={"empty_target_resolution_mode": "fail"},
                tags={"Name": f"{p}-{scenario}", "siaga:drill": scenario, **args.tags},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy_res]))

        running = [{"path": "State.Name", "values": ["running"]}]
        if eks is None:
            group_tag = [{"key": ASG_TAG, "value": args.asg_name}]
            one, what = "one-instance", "terminate one instance of the application group"
        else:
            group_tag = [{"key": EKS_CLUSTER_TAG, "value": eks.cluster_name}]
            one, what = "one-node", "terminate one node of the EKS cluster"
        self.templates: dict[str, aws.fis.ExperimentTemplate] = {}
        self.templates["lose-instance"] = template(
            "lose-instance", f"{p}: {what}",
            [{"name": one, "resource_type": "aws:ec2:instance", "selection_mode": "COUNT(1)",
              "resource_tags": group_tag, "filters": running}],
            [{"name": "terminate", "action_id": "aws:ec2:terminate-instances",
              "target": {"key": "Instances", "value": one}}])

        ec2 = f"arn:{partition}:ec2:{region}:{account}"
        az_targets: list[dict[str, Any]] = [
            {"name": "az-subnets", "resource_type": "aws:ec2:subnet", "selection_mode": "ALL",
             "resource_arns": [pulumi.Output.concat(ec2, ":subnet/", s) for s in az_subnets]},
        ]
        az_actions: list[dict[str, Any]] = []
        if eks is None:
            az_targets.insert(0, {"name": "az-instances", "resource_type": "aws:ec2:instance", "selection_mode": "ALL",
                                  "resource_tags": group_tag,
                                  "filters": running + [{"path": "Placement.AvailabilityZone", "values": [az]}]})
            az_actions.append({"name": "stop-instances", "action_id": "aws:ec2:stop-instances",
                               "target": {"key": "Instances", "value": "az-instances"}})
            lost = "stop its instances"
        else:
            # https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#eks-actions-reference
            az_targets.insert(0, {"name": "az-node-group", "resource_type": "aws:eks:nodegroup",
                                  "selection_mode": "ALL", "resource_arns": node_groups})
            az_actions.append({"name": "terminate-nodes", "action_id": "aws:eks:terminate-nodegroup-instances",
                               "parameters": [{"key": "instanceTerminationPercentage", "value": "100"}],
                               "target": {"key": "Nodegroups", "value": "az-node-group"}})
            lost = "terminate its node group's nodes"
        minutes = f"PT{args.fault_minutes}M"
        az_actions.append({"name": "cut-subnets", "action_id": "aws:network:disrupt-connectivity",
                           "parameters": [{"key": "duration", "value": minutes}, {"key": "scope", "value": "all"}],
                           "target": {"key": "Subnets", "value": "az-subnets"}})
        if args.db_arn is not None:
            if args.db_is_cluster:
                az_targets.append({"name": "database", "resource_type": "aws:rds:cluster", "selection_mode": "ALL",
                                   "resource_arns": [args.db_arn]})
                az_actions.append({"name": "fail-over-db", "action_id": "aws:rds:failover-db-cluster",
                                   "target": {"key": "Clusters", "value": "database"}})
            else:
                az_targets.append({"name": "database", "resource_type": "aws:rds:db", "selection_mode": "ALL",
                                   "resource_arns": [args.db_arn]})
                az_actions.append({"name": "fail-over-db", "action_id": "aws:rds:reboot-db-instances",
                                   "parameters": [{"key": "forceFailover", "value": "true"}],
                                   "target": {"key": "DBInstances", "value": "database"}})
        self.templates["lose-az"] = template(
            "lose-az", f"{p}: lose {az} ({lost}, cut its subnets {args.fault_minutes} min, fail the "
                       "database over)", az_targets, az_actions)
        if eks is not None:
            # the AZ's nodes stopped, not terminated: they stay in the cluster NotReady, as in a real AZ loss
            stop_targets = [{"name": "az-nodes", "resource_type": "aws:ec2:instance", "selection_mode": "ALL",
                             "resource_tags": group_tag,
                             "filters": running + [{"path": "Placement.AvailabilityZone", "values": [az]}]},
                            *az_targets[1:]]
            stop_actions = [{"name": "stop-nodes", "action_id": "aws:ec2:stop-instances",
                             "parameters": [{"key": "startInstancesAfterDuration", "value": minutes}],
                             "target": {"key": "Instances", "value": "az-nodes"}},
                            *az_actions[1:]]
            self.templates["lose-az-stop"] = template(
                "lose-az-stop", f"{p}: lose {az} (stop its nodes, NotReady but not deleted, cut its subnets "
                                f"{args.fault_minutes} min, fail the database over)", stop_targets, stop_actions)
        self.drill_az = az

        # DRP containment: an instance is isolated by replacing its security groups with this one (no rule at all:
        # no ingress, and egress=[] removes the default allow-all egress rule). Existing tracked connections are
        # cut because the instance's other groups are removed
        # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html).
        self.quarantine = aws.ec2.SecurityGroup(
            f"{name}-quarantine", name=f"{p}-quarantine", vpc_id=args.vpc_id, ingress=[], egress=[],
            description="siaga DRP containment: isolates a compromised instance (no traffic in or out)",
            tags={"Name": f"{p}-quarantine", "siaga:purpose": "quarantine"}, opts=child)

        self.template_ids = {k: t.id for k, t in self.templates.items()}
        self.register_outputs({"template_ids": self.template_ids, "role_arn": self.role.arn,
                               "log_group": self.log_group.name, "stop_alarm_arn": self.stop_alarm.arn,
                               "quarantine_security_group_id": self.quarantine.id})

"""A siaga graph as a Terraform plan JSON, so Checkov's catalogue can run beside the pack (issue #29).

Checkov's ``terraform_plan`` framework reads ``planned_values.root_module.resources`` (``address``, ``type``, ``name``,
``values``) and ``resource_changes`` of ``terraform show -json``
(https://developer.hashicorp.com/terraform/internals/json-format). pulumi-aws is bridged from the Terraform AWS
provider, so a resource's inputs are the Terraform arguments under camelCase names: they are converted back to
snake_case, nested objects become one-element lists (Terraform blocks), and maps the provider keeps as maps (tags)
stay maps. Pulumi type tokens are mapped to Terraform types by the table below (the types Siaga programs use);
other resources are left out and counted. Checkov itself is an optional tool: ``run`` calls its command line with an
argument list (never a shell string) and returns its failed checks.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siaga.engine import Graph

TF_TYPES = {
    "aws:rds/instance:Instance": "aws_db_instance", "aws:rds/cluster:Cluster": "aws_rds_cluster",
    "aws:rds/clusterInstance:ClusterInstance": "aws_rds_cluster_instance",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": "aws_rds_cluster_parameter_group",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group", "aws:rds/proxy:Proxy": "aws_db_proxy",
    "aws:rds/eventSubscription:EventSubscription": "aws_db_event_subscription",
    "aws:rds/snapshot:Snapshot": "aws_db_snapshot",
    "aws:s3/bucket:Bucket": "aws_s3_bucket", "aws:s3/bucketV2:BucketV2": "aws_s3_bucket",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "aws_s3_bucket_versioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2":
        "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketLogging:BucketLogging": "aws_s3_bucket_logging",
    "aws:s3/bucketLoggingV2:BucketLoggingV2": "aws_s3_bucket_logging",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": "aws_s3_bucket_lifecycle_configuration",
    "aws:kms/key:Key": "aws_kms_key", "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:backup/vault:Vault": "aws_backup_vault", "aws:backup/plan:Plan": "aws_backup_plan",
    "aws:backup/selection:Selection": "aws_backup_selection",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail", "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:sns/topic:Topic": "aws_sns_topic", "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sqs/queue:Queue": "aws_sqs_queue", "aws:sqs/queuePolicy:QueuePolicy": "aws_sqs_queue_policy",
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretRotation:SecretRotation": "aws_secretsmanager_secret_rotation",
    "aws:dms/replicationInstance:ReplicationInstance": "aws_dms_replication_instance",
    "aws:dms/endpoint:Endpoint": "aws_dms_endpoint", "aws:dms/replicationTask:ReplicationTask":
        "aws_dms_replication_task",
    "aws:docdb/cluster:Cluster": "aws_docdb_cluster",
    "aws:docdb/clusterParameterGroup:ClusterParameterGroup": "aws_docdb_cluster_parameter_group",
    "aws:redshift/parameterGroup:ParameterGroup": "aws_redshift_parameter_group",
    "aws:redshift/logging:Logging": "aws_redshift_logging", "aws:s3/accessPoint:AccessPoint": "aws_s3_access_point",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:kms/keyPolicy:KeyPolicy": "aws_kms_key_policy", "aws:iam/userPolicy:UserPolicy": "aws_iam_user_policy",
    "aws:iam/groupPolicy:GroupPolicy": "aws_iam_group_policy", "aws:neptune/cluster:Cluster": "aws_neptune_cluster",
    "aws:redshift/cluster:Cluster": "aws_redshift_cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup": "aws_elasticache_replication_group",
    "aws:elasticache/cluster:Cluster": "aws_elasticache_cluster", "aws:memorydb/cluster:Cluster": "aws_memorydb_cluster",
    "aws:ec2/instance:Instance": "aws_instance", "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "aws_security_group_rule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    "aws:ec2/vpc:Vpc": "aws_vpc", "aws:ec2/subnet:Subnet": "aws_subnet", "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/routeTable:RouteTable": "aws_route_table", "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/networkAcl:NetworkAcl": "aws_network_acl", "aws:ebs/volume:Volume": "aws_ebs_volume",
    "aws:autoscaling/group:Group": "aws_autoscaling_group",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb", "aws:alb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:lb/listener:Listener": "aws_lb_listener", "aws:alb/listener:Listener": "aws_lb_listener",
    "aws:lb/targetGroup:TargetGroup": "aws_lb_target_group", "aws:alb/targetGroup:TargetGroup": "aws_lb_target_group",
    "aws:eks/cluster:Cluster": "aws_eks_cluster", "aws:eks/nodeGroup:NodeGroup": "aws_eks_node_group",
    "aws:wafv2/webAcl:WebAcl": "aws_wafv2_web_acl",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "aws_wafv2_web_acl_association",
    "aws:route53/zone:Zone": "aws_route53_zone", "aws:route53/record:Record": "aws_route53_record",
    "aws:iam/role:Role": "aws_iam_role", "aws:iam/policy:Policy": "aws_iam_policy",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy", "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:efs/fileSystem:FileSystem": "aws_efs_file_system", "aws:dynamodb/table:Table": "aws_dynamodb_table",
}
MAP_ARGUMENTS = frozenset({"tags", "tags_all", "dimensions", "parameters_map", "variables", "labels"})
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def block_name(key: str, value: Any) -> str:
    """Terraform's name of a repeated block: the bridge pluralizes it in Pulumi (``parameter`` -> ``parameters``,
    ``event_selector`` -> ``eventSelectors``, ``policy`` -> ``policies``); other arguments keep their name."""
    name = snake(key)
    if not (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
        return name
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _object(value: dict[str, Any]) -> dict[str, Any]:
    return {block_name(k, v): tf_value(v, snake(k)) for k, v in value.items()}


def tf_value(value: Any, key: str = "") -> Any:
    """A pulumi-aws input as Terraform holds it: snake_case arguments, nested objects as one-element block lists,
    repeated blocks under their singular Terraform name."""
    if isinstance(value, dict):
        if key in MAP_ARGUMENTS:
            return dict(value)
        return [_object(value)] if key else _object(value)
    if isinstance(value, list):
        return [_object(v) if isinstance(v, dict) else tf_value(v, "") for v in value]
    return value


def _tf_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "_", name) or "r"
    if base[0].isdigit():
        base = f"r_{base}"
    out, i = base, 1
    while out in used:
        i += 1
        out = f"{base}_{i}"
    used.add(out)
    return out


@dataclass
class Plan:
    document: dict[str, Any]
    addresses: dict[str, str] = field(default_factory=dict)
    """Terraform address -> Pulumi URN."""
    skipped: list[str] = field(default_factory=list)
    """Types of the resources left out (no Terraform type known)."""


def to_plan(graph: Graph) -> Plan:
    resources, changes, addresses, skipped = [], [], {}, []
    used: dict[str, set[str]] = {}
    for r in graph.resources:
        tf_type = TF_TYPES.get(r.type)
        if tf_type is None:
            if r.type.startswith("aws:"):
                skipped.append(r.type)
            continue
        name = _tf_name(r.name, used.setdefault(tf_type, set()))
        address = f"{tf_type}.{name}"
        values = tf_value(r.plain_inputs())
        resources.append({"address": address, "mode": "managed", "type": tf_type, "name": name,
                          "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                          "values": values, "sensitive_values": {}})
        changes.append({"address": address, "mode": "managed", "type": tf_type, "name": name,
                        "provider_name": "registry.terraform.io/hashicorp/aws",
                        "change": {"actions": ["create"], "before": None, "after": values, "after_unknown": {}}})
        addresses[address] = r.urn
    # references between resources (the engine's property dependencies), where Checkov's graph checks look for them
    by_urn = {urn: address for address, urn in addresses.items()}
    config = []
    for c in changes:
        r = graph.by_urn()[addresses[c["address"]]]
        expressions = {}
        for prop, urns in (r.options.propertyDependencies or {}).items():
            refs = [ref for u in urns if (a := by_urn.get(u)) for ref in (f"{a}.id", a)]
            if refs:
                expressions[snake(prop)] = {"references": refs}
        config.append({"address": c["address"], "mode": "managed", "type": c["type"], "name": c["name"],
                       "provider_config_key": "aws", "expressions": expressions, "schema_version": 0})
    document = {"format_version": "1.2", "terraform_version": "1.9.0",
                "planned_values": {"root_module": {"resources": resources}}, "resource_changes": changes,
                "configuration": {"root_module": {"resources": config}}}
    return Plan(document, addresses, sorted(set(skipped)))


@dataclass(frozen=True)
class CheckovFailure:
    check_id: str
    check_name: str
    address: str
    urn: str | None


def run(plan: Plan, workdir: Path, checkov: str = "checkov", checks: Iterable[str] = ()) -> list[CheckovFailure]:
    """Runs Checkov's terraform_plan framework on the plan; returns its failed checks mapped back to URNs."""
    path = workdir / "siaga-plan.json"
    path.write_text(json.dumps(plan.document), encoding="utf-8")
    args = [checkov, "--framework", "terraform_plan", "-f", str(path), "-o", "json", "--quiet", "--compact",
            "--skip-download"]
    if checks:
        args += ["--check", ",".join(checks)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise RuntimeError(f"checkov exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    out = []
    for rep in reports:
        for f in (rep.get("results") or {}).get("failed_checks") or []:
            address = str(f.get("resource", ""))
            out.append(CheckovFailure(str(f.get("check_id")), str(f.get("check_name")), address,
                                      plan.addresses.get(address)))
    return out

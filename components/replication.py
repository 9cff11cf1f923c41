"""StandbyReplication: AWS DMS full load + CDC from the stack's RDS PostgreSQL to the standby's own PostgreSQL.

Why: DNS fails over to the in-country standby in about two minutes, but a standby without the data only serves a
maintenance page. This keeps the standby database current and makes the region-loss RPO a computed figure: the
CDC latency alarm's threshold (``siaga:standby.database.rpoSeconds``), sent to the TTIS topic.

Built in two steps, because the database must admit the replication instance's security group when it is created:

    replication = StandbyReplication("replication", StandbyReplicationArgs(...), opts)    # group, instance
    database = Database(..., allowed_security_group_ids=[app_sg, replication.security_group_id],
                        logical_replication=True)
    replication.connect(ReplicationSource(address=database.address, ...), alarm_topic_arn=monitoring.topic_arn)

Wiring (each piece cited where it is built):
- a replication subnet group over the isolated subnets (the data tier; their route tables get the VPN's routes to
  ``standby.networks`` and no internet route) and a Multi-AZ replication instance, not publicly accessible,
  encrypted with the stack's data key, in its own security group: egress to the RDS port of the database group
  (the database's client egress rule, components/database.py) and to the standby's address/32 and port only;
- endpoints with TLS (``ssl_mode`` require, or verify-full with the standby's CA) and credentials from Secrets
  Manager through a role DMS assumes (``secrets_manager_access_role_arn``) allowed to read those secrets and to
  decrypt them through Secrets Manager only;
- a ``full-load-and-cdc`` task over every table of the configured schema, with data validation;
- CloudWatch alarms on CDCLatencySource and CDCLatencyTarget (threshold = the region-loss RPO; missing data =
  breaching, so a stopped task alarms too) to the TTIS topic.

DMS in ap-southeast-3: the Jakarta region is in the DMS endpoint list
(https://docs.aws.amazon.com/general/latest/gr/dms.html); which instance classes it offers:
``aws dms describe-orderable-replication-instances --region ap-southeast-3`` (the default ``dms.c5.large`` is a
current-generation class: https://docs.aws.amazon.com/dms/latest/userguide/CHAP_ReplicationInstance.Types.html).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import config

DMS_VPC_ROLE = "dms-vpc-role"
"""DMS creates replication subnet groups through this fixed-name role (AmazonDMSVPCManagementRole); one per account:
https://docs.aws.amazon.com/dms/latest/userguide/security-iam.html#CHAP_Security.APIRole"""
LATENCY_METRICS = ("CDCLatencySource", "CDCLatencyTarget")
"""Seconds between a commit on the source and DMS reading it (source) / applying it on the target (target): the
target figure is what the standby lacks at the moment the primary is lost.
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html#CHAP_Monitoring.Metrics.Task"""
ALARM_PERIOD_SECONDS = 60
"""DMS publishes task metrics every minute; one breaching minute alarms."""
MAINTENANCE_WINDOW = "sun:20:00-sun:21:00"  # UTC = Monday 03:00-04:00 WIB, after the database's window


def task_resource_id(task_arn: str) -> str:
    """``arn:aws:dms:REGION:ACCOUNT:task:ID`` -> ``ID``: the ReplicationTaskIdentifier dimension of the task metrics is
    this resource id, not the task's name (CHAP_Monitoring.Metrics.Task above)."""
    return task_arn.rsplit(":", 1)[-1]


def table_mappings(schema: str) -> str:
    """Every table of ``schema`` (DMS selection rule):
    https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Selections.html"""
    return json.dumps({"rules": [{
        "rule-type": "selection", "rule-id": "1", "rule-name": f"include-{schema}",
        "object-locator": {"schema-name": schema, "table-name": "%"}, "rule-action": "include"}]})


def task_settings() -> str:
    """Logging on (CloudWatch), tables truncated before the full load (the standby's schema is deployed by the
    application's own migrations, as on the primary), validation of the copied rows (drift shows in the task's
    table statistics). https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TaskSettings.html"""
    return json.dumps({
        "Logging": {"EnableLogging": True},
        "FullLoadSettings": {"TargetTablePrepMode": "TRUNCATE_BEFORE_LOAD"},
        "ValidationSettings": {"EnableValidation": True},
    }, sort_keys=True)


@dataclass(frozen=True)
class StandbyReplicationArgs:
    """Inputs of StandbyReplication (defaults in brackets)."""

    name_prefix: str
    settings: config.StandbyDatabase
    """``cfg.standby.database`` with replication 'dms' (address validated inside standby.networks)."""
    standby_networks: list[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: list[pulumi.Input[str]]
    """Isolated subnets, one per AZ."""
    kms_key_arn: pulumi.Input[str]
    """The stack's data key: the replication instance's storage and the endpoints' connection settings."""
    secrets_key_arn: pulumi.Input[str]
    """The stack's secrets key: the source secret this component creates (and the target's, unless
    ``settings.secretKmsKeyArn``)."""
    region: str = "ap-southeast-3"
    create_dms_vpc_role: bool = True
    """Create the account's ``dms-vpc-role`` [True]; False where another stack of the account already has it."""
    endpoints_security_group_id: pulumi.Input[str] | None = None
    """The VPC's interface endpoints (Secrets Manager, KMS: components/network.py) [None]: the instance may reach them
    on 443. From the isolated subnets nothing else is reachable, and the DMS documentation does not say whether the
    replication instance itself calls Secrets Manager/KMS for ``secrets_manager_arn`` endpoints or the service does
    (https://docs.aws.amazon.com/dms/latest/userguide/security_iam_secretsmanager.html): the path is kept open to the
    in-VPC endpoints only (docs/deploy-review.md)."""
    network_path: pulumi.Resource | None = None
    """The VPN connection to the data centre (the task is created after it) [None: Direct Connect outside the stack]."""


@dataclass(frozen=True)
class ReplicationSource:
    """The stack's RDS database as DMS reads it."""

    address: pulumi.Input[str]
    port: int
    name: str
    database: pulumi.Resource
    """The RDS instance/cluster (its logical-replication parameter must be set: components/database.py)."""


class StandbyReplication(pulumi.ComponentResource):
    """DMS from the stack's database to the standby's; see module docstring."""

    def __init__(self, name: str, args: StandbyReplicationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:aws:StandbyReplication", name, None, opts)
        st = args.settings
        if st.replication != "dms" or st.address is None or st.secretArn is None:
            raise ValueError("StandbyReplicationArgs.settings: replication 'dms' with address and secretArn required")
        if not args.subnet_ids:
            raise ValueError("StandbyReplicationArgs.subnet_ids: []; allowed: the isolated subnets, one per AZ")
        self._args = args
        p = args.name_prefix
        self._p = p
        child = pulumi.ResourceOptions(parent=self)
        self._child = child
        self.security_group = aws.ec2.SecurityGroup(
            f"{p}-dms", name=f"{p}-dms", vpc_id=args.vpc_id,
            description="DMS replication instance: to the stack's database and the standby database only",
            tags={"Name": f"{p}-dms"}, opts=child)  # no inline rules: the egress rules below are separate resources
        self.security_group_id: pulumi.Output[str] = self.security_group.id
        # to the standby PostgreSQL only (address/32, its port), through the VPN's routes to standby.networks
        aws.vpc.SecurityGroupEgressRule(
            f"{p}-dms-standby", security_group_id=self.security_group.id, ip_protocol="tcp", from_port=st.port,
            to_port=st.port, cidr_ipv4=f"{st.address}/32", description="PostgreSQL on the standby (over the VPN)",
            opts=pulumi.ResourceOptions(parent=self.security_group))

        if args.endpoints_security_group_id is not None:
            aws.vpc.SecurityGroupEgressRule(
                f"{p}-dms-endpoints", security_group_id=self.security_group.id, ip_protocol="tcp", from_port=443,
                to_port=443, referenced_security_group_id=args.endpoints_security_group_id,
                description="HTTPS to the VPC's interface endpoints (Secrets Manager, KMS)",
                opts=pulumi.ResourceOptions(parent=self.security_group))

        after: list[pulumi.Resource] = []
        if args.create_dms_vpc_role:
            vpc_role = aws.iam.Role(DMS_VPC_ROLE, name=DMS_VPC_ROLE, assume_role_policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                       "Principal": {"Service": "dms.amazonaws.com"}}]}), opts=child)
            after.append(aws.iam.RolePolicyAttachment(
                DMS_VPC_ROLE, role=vpc_role.name,
                policy_arn="arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
                opts=pulumi.ResourceOptions(parent=vpc_role)))
        self.subnet_group = aws.dms.ReplicationSubnetGroup(
            f"{p}-dms", replication_subnet_group_id=f"{p}-dms", subnet_ids=list(args.subnet_ids),
            replication_subnet_group_description="isolated subnets of every AZ (VPN routes to the standby)",
            opts=pulumi.ResourceOptions(parent=self, depends_on=after))
        # https://www.pulumi.com/registry/packages/aws/api-docs/dms/replicationinstance/
        self.instance = aws.dms.ReplicationInstance(
            f"{p}-dms", replication_instance_id=f"{p}-dms", replication_instance_class=st.instanceClass,
            allocated_storage=st.allocatedStorageGiB, multi_az=True, publicly_accessible=False,
            kms_key_arn=args.kms_key_arn, vpc_security_group_ids=[self.security_group.id],
            replication_subnet_group_id=self.subnet_group.replication_subnet_group_id,
            auto_minor_version_upgrade=True, preferred_maintenance_window=MAINTENANCE_WINDOW,
            tags={"Name": f"{p}-dms"}, opts=child)
        self.instance_id: str = f"{p}-dms"
        self.task_id: str = f"{p}-standby"

    def connect(self, source: ReplicationSource, alarm_topic_arn: pulumi.Input[str]) -> None:
        """Endpoints, the full-load-and-CDC task and its latency alarms (after the database and the TTIS topic)."""
        args, st, p, child = self._args, self._args.settings, self._p, self._child
        region = args.region
        if st.sourceSecretArn is None:
            # the replication user's credentials (rds_replication role), put by the DBA: the master password stays
            # RDS-managed. DMS secret format (username, password, host, port):
            # https://docs.aws.amazon.com/dms/latest/userguide/security_iam_secretsmanager.html
            self.source_secret = aws.secretsmanager.Secret(
                f"{p}-dms-source", name=f"{p}-dms-source", kms_key_id=args.secrets_key_arn,
                description="DMS source: replication user on the stack's RDS (username, password, host, port)",
                opts=child)
            source_secret_arn: pulumi.Input[str] = self.source_secret.arn
        else:
            source_secret_arn = st.sourceSecretArn
        secret_keys = [args.secrets_key_arn] + ([st.secretKmsKeyArn] if st.secretKmsKeyArn else [])
        # the role DMS assumes to read both secrets; DMS's service principal is regional for this role
        # (security_iam_secretsmanager.html above)
        self.secrets_role = aws.iam.Role(f"{p}-dms-secrets", name=f"{p}-dms-secrets", assume_role_policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": [f"dms.{region}.amazonaws.com", "dms.amazonaws.com"]}}]}), opts=child)
        aws.iam.RolePolicy(f"{p}-dms-secrets", role=self.secrets_role.id, policy=pulumi.Output.all(
            source_secret_arn, st.secretArn, *secret_keys).apply(lambda v: json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Sid": "ReadEndpointSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                     "Resource": [v[0], v[1]]},
                    {"Sid": "DecryptThroughSecretsManager", "Effect": "Allow", "Action": "kms:Decrypt",
                     "Resource": list(v[2:]),
                     "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}}}]})),
            opts=pulumi.ResourceOptions(parent=self.secrets_role))
        self.source = aws.dms.Endpoint(
            f"{p}-dms-source", endpoint_id=f"{p}-source", endpoint_type="source", engine_name="postgres",
            database_name=source.name, ssl_mode="require",  # rds.force_ssl = 1 on the database as well
            secrets_manager_arn=source_secret_arn, secrets_manager_access_role_arn=self.secrets_role.arn,
            kms_key_arn=args.kms_key_arn,
            # the heartbeat keeps the replication slot's restart LSN moving when the database is idle, so WAL does
            # not pile up (CHAP_Source.PostgreSQL.html, "heartbeat")
            postgres_settings={"heartbeat_enable": True, "heartbeat_frequency": 5},
            tags={"siaga.go.id/server": pulumi.Output.concat(source.address, f":{source.port}")},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[source.database]))
        certificate_arn = None
        if st.sslMode == "verify-full":
            cert = aws.dms.Certificate(f"{p}-standby-ca", certificate_id=f"{p}-standby-ca",
                                       certificate_pem=st.caCertificatePem, opts=child)
            certificate_arn = cert.certificate_arn
        self.target = aws.dms.Endpoint(
            f"{p}-dms-target", endpoint_id=f"{p}-standby", endpoint_type="target", engine_name="postgres",
            database_name=st.name, ssl_mode=st.sslMode, certificate_arn=certificate_arn,
            secrets_manager_arn=st.secretArn, secrets_manager_access_role_arn=self.secrets_role.arn,
            kms_key_arn=args.kms_key_arn,
            # the secret holds host and port (DMS takes either the secret or clear-text server settings); the address
            # validated inside standby.networks is recorded here and is the only one the instance's egress allows
            tags={"siaga.go.id/server": f"{st.address}:{st.port}"}, opts=child)
        self.task = aws.dms.ReplicationTask(
            f"{p}-standby", replication_task_id=self.task_id, migration_type="full-load-and-cdc",
            replication_instance_arn=self.instance.replication_instance_arn,
            source_endpoint_arn=self.source.endpoint_arn, target_endpoint_arn=self.target.endpoint_arn,
            table_mappings=table_mappings(st.schema_name), replication_task_settings=task_settings(),
            # started by the runbook once the DBA has put both secrets (the DRP's region-loss steps)
            start_replication_task=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.network_path] if args.network_path else []))
        self.alarms: list[aws.cloudwatch.MetricAlarm] = []
        for metric in LATENCY_METRICS:
            self.alarms.append(aws.cloudwatch.MetricAlarm(
                f"{p}-dms-{metric.lower()}", name=f"{p}-dms-{metric}", namespace="AWS/DMS", metric_name=metric,
                dimensions={"ReplicationInstanceIdentifier": self.instance_id,
                            "ReplicationTaskIdentifier": self.task.replication_task_arn.apply(
                                lambda arn: task_resource_id(arn) if arn else arn)},
                statistic="Maximum", period=ALARM_PERIOD_SECONDS, evaluation_periods=1,
                threshold=st.rpoSeconds, comparison_operator="GreaterThanThreshold",
                treat_missing_data="breaching",  # a stopped or failed task publishes nothing: that is drift too
                alarm_description=f"{metric} above the region-loss RPO ({st.rpoSeconds} s): the standby database "
                                  f"lags the primary; runbook: the DRP's region-loss scenario",
                alarm_actions=[alarm_topic_arn], ok_actions=[alarm_topic_arn], opts=child))
        self.register_outputs({
            "replicationInstanceId": self.instance_id, "replicationTaskId": self.task_id,
            "taskArn": self.task.replication_task_arn, "securityGroupId": self.security_group.id,
            "rpoSeconds": st.rpoSeconds, "standby": f"{st.address}:{st.port}/{st.name}"})

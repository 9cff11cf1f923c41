"""Database: RDS PostgreSQL Multi-AZ (or a Multi-AZ DB cluster), encrypted, audited, backed up.

Storage and Performance Insights are encrypted with a customer-managed key; the master password is
managed by Secrets Manager (never in state); TLS is forced and pgaudit enabled; it lives in the
isolated subnets of every AZ and is reachable only from the given security groups.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import config

BACKUP_TAG = {"Backup": "siaga"}
BACKUP_WINDOW = "18:00-19:00"  # UTC = 01:00-02:00 WIB
MAINTENANCE_WINDOW = "sun:19:00-sun:20:00"  # UTC = Monday 02:00-03:00 WIB


@dataclass(frozen=True)
class DatabaseArgs:
    """Inputs of Database (defaults in brackets)."""

    name_prefix: str
    """Prefix of every resource name (required)."""
    settings: config.Database
    """``cfg.database`` (components.config.Database): mode, engineVersion, instanceClass, storage, backupRetentionDays,
    name, port (required)."""
    vpc_id: pulumi.Input[str]
    """VPC of the database (required)."""
    subnet_ids: list[pulumi.Input[str]]
    """Isolated subnets, one per AZ (required)."""
    allowed_security_group_ids: list[pulumi.Input[str]]
    """The only security groups allowed on the port (required; empty = nothing can connect)."""
    kms_key_arn: pulumi.Input[str]
    """Customer-managed key for storage, Performance Insights and the master-user secret (required)."""
    protect: bool = True
    """protect + retain_on_delete on the database [True]."""
    secret_kms_key_arn: pulumi.Input[str] | None = None
    """Key of the managed master-user secret [None = kms_key_arn]."""
    deletion_protection: bool = True
    """RDS deletion protection [True]; non-production stacks pass False so they can be torn down (a final snapshot
    is still taken)."""
    logical_replication: bool = False
    """Set ``rds.logical_replication = 1`` [False]: AWS DMS CDC from this database (components/replication.py) reads
    its changes through logical replication slots. A static parameter, applied at the next reboot ("pending-reboot"):
    https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Source.PostgreSQL.html#CHAP_Source.PostgreSQL.RDSPostgreSQL
    ("set the rds.logical_replication parameter in your DB CLUSTER parameter group to 1 ... requires a reboot").
    Only the parameter group's parameters change (updated in place): the database keeps its URN and identity."""
    open_client_egress: bool = True
    """Also add, on each allowed group, the egress rule to this database's group on the port [True], so both ends of
    the flow agree by construction (security groups are stateful, but a client's *outbound* rule must allow the
    connection: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html). False for a group whose
    egress is managed elsewhere, e.g. inline ``egress=[...]`` blocks, which a separate rule resource would fight."""


def parameter_group_family(engine_version: str) -> str:
    """``16`` / ``16.9`` -> ``postgres16``: the family follows the major only, whichever minor RDS picks."""
    major = engine_version.partition(".")[0]
    if not major.isdigit():
        raise ValueError(f"siaga:database.engineVersion: {engine_version!r}; allowed: a PostgreSQL major such as 16")
    return f"postgres{major}"


class Database(pulumi.ComponentResource):
    """RDS PostgreSQL; see module docstring."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:aws:Database", name, None, opts)
        st = args.settings
        if st.backupRetentionDays < 7:
            raise ValueError(f"siaga:database.backupRetentionDays: {st.backupRetentionDays}; allowed: 7-35")
        if not args.subnet_ids:
            raise ValueError("database subnet_ids: []; allowed: one isolated subnet per AZ (at least 2)")
        p = args.name_prefix
        child = pulumi.ResourceOptions(parent=self)
        state = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        family = parameter_group_family(st.engineVersion)
        self.security_group = aws.ec2.SecurityGroup(
            f"{p}-db", name=f"{p}-db", vpc_id=args.vpc_id, description="PostgreSQL from the application tier only",
            ingress=[{"protocol": "tcp", "from_port": st.port, "to_port": st.port,
                      "security_groups": list(args.allowed_security_group_ids), "description": "app tier"}]
            if args.allowed_security_group_ids else [],
            tags={"Name": f"{p}-db"}, opts=child)
        self.security_group_id = self.security_group.id
        if args.open_client_egress:
            for i, group in enumerate(args.allowed_security_group_ids):
                aws.vpc.SecurityGroupEgressRule(
                    f"{p}-db-client-{i}", security_group_id=group, ip_protocol="tcp", from_port=st.port,
                    to_port=st.port, referenced_security_group_id=self.security_group.id,
                    description=f"PostgreSQL to {p}-db", opts=pulumi.ResourceOptions(parent=self.security_group))
        self.subnet_group = subnets = aws.rds.SubnetGroup(f"{p}-db", name=f"{p}-db", subnet_ids=list(args.subnet_ids),
                                      description="isolated subnets of every AZ", opts=child)
        params = [{"name": "rds.force_ssl", "value": "1"},
                  {"name": "shared_preload_libraries", "value": "pg_stat_statements,pgaudit",
                   "apply_method": "pending-reboot"},
                  {"name": "pgaudit.log", "value": "ddl,role,write"},
                  {"name": "log_connections", "value": "1"}]
        if args.logical_replication:
            params.append({"name": "rds.logical_replication", "value": "1", "apply_method": "pending-reboot"})
        monitoring = aws.iam.Role(f"{p}-db-monitoring", name=f"{p}-db-monitoring", assume_role_policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": "monitoring.rds.amazonaws.com"}}]}),
            opts=child)
        monitoring_policy = aws.iam.RolePolicyAttachment(
            f"{p}-db-monitoring", role=monitoring.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            opts=pulumi.ResourceOptions(parent=monitoring))
        # the database waits for the role's permissions, not only the role: CreateDBInstance/CreateDBCluster with
        # monitoring_interval checks them and fails with "IAM role ARN value is invalid or does not include the required
        # permissions for: ENHANCED_MONITORING" while the attachment is not there (the ordering race; IAM propagation
        # after it is retried by the provider: hashicorp/terraform-provider-aws internal/service/rds/instance.go)
        state = pulumi.ResourceOptions.merge(state, pulumi.ResourceOptions(depends_on=[monitoring_policy]))
        secret_key = args.secret_kms_key_arn or args.kms_key_arn
        common = dict(
            engine="postgres", engine_version=st.engineVersion, port=st.port,
            manage_master_user_password=True, master_user_secret_kms_key_id=secret_key,
            storage_encrypted=True, kms_key_id=args.kms_key_arn,
            backup_retention_period=st.backupRetentionDays,
            deletion_protection=args.deletion_protection, copy_tags_to_snapshot=True, iam_database_authentication_enabled=True,
            vpc_security_group_ids=[self.security_group.id], db_subnet_group_name=subnets.name,
            skip_final_snapshot=False, final_snapshot_identifier=f"{p}-db-final",
            performance_insights_enabled=True, performance_insights_kms_key_id=args.kms_key_arn,
            monitoring_interval=60, monitoring_role_arn=monitoring.arn,
            enabled_cloudwatch_logs_exports=["postgresql", "upgrade"], tags=dict(BACKUP_TAG),
        )
        if st.mode == "multi-az-cluster":
            pg = aws.rds.ClusterParameterGroup(f"{p}-db", name=f"{p}-db", family=family, parameters=params,
                                               opts=child)
            self.cluster = aws.rds.Cluster(
                f"{p}-db", cluster_identifier=f"{p}-db", db_cluster_instance_class=st.instanceClass,
                storage_type="io1", allocated_storage=st.allocatedStorageGiB, iops=3000,
                db_cluster_parameter_group_name=pg.name, database_name=st.name, master_username="siaga_admin",
                preferred_backup_window=BACKUP_WINDOW, preferred_maintenance_window=MAINTENANCE_WINDOW,
                auto_minor_version_upgrade=st.autoMinorVersionUpgrade, **common, opts=state)
            self.arn = self.cluster.arn
            self.identifier = self.cluster.cluster_identifier
            self.endpoint = self.cluster.endpoint
            self.address: pulumi.Output[str] = self.cluster.endpoint  # the writer's DNS name (no port)
        else:
            pg = aws.rds.ParameterGroup(f"{p}-db", name=f"{p}-db", family=family, parameters=params, opts=child)
            self.instance = aws.rds.Instance(
                f"{p}-db", identifier=f"{p}-db", instance_class=st.instanceClass, multi_az=True,
                username="siaga_admin", db_name=st.name,
                backup_window=BACKUP_WINDOW, maintenance_window=MAINTENANCE_WINDOW,
                storage_type="gp3", allocated_storage=st.allocatedStorageGiB,
                max_allocated_storage=st.maxAllocatedStorageGiB, parameter_group_name=pg.name,
                performance_insights_retention_period=7,
                auto_minor_version_upgrade=st.autoMinorVersionUpgrade, publicly_accessible=False, **common, opts=state)
            self.arn = self.instance.arn
            self.identifier = self.instance.identifier
            self.endpoint = self.instance.endpoint
            self.address = self.instance.address  # DNS name without the port (endpoint is host:port)
        self.subnet_group_name: pulumi.Output[str] = subnets.name
        """For restores (AWS Backup restore-testing metadata overrides, point-in-time restores): the isolated subnets."""
        self.register_outputs({"arn": self.arn, "identifier": self.identifier, "endpoint": self.endpoint,
                               "security_group_id": self.security_group.id, "subnetGroupName": subnets.name})

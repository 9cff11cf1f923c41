"""Database: RDS PostgreSQL Multi-AZ (or a Multi-AZ DB cluster), encrypted, audited, backed up.

Storage and Performance Insights are encrypted with a customer-managed key; the master password is
managed by Secrets Manager (never in state); TLS is forced and pgaudit enabled; it lives in the
isolated subnets of every AZ and is reachable only from the given security groups.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class DatabaseArgs:
    """Inputs of Database (defaults in brackets)."""

    name_prefix: str
    """Prefix of every resource name (required)."""
    vpc_id: pulumi.Input[str]
    """VPC of the database (required)."""
    subnet_ids: pulumi.Input[list[str]]
    """Isolated subnets, one per AZ (required)."""
    kms_key_arn: pulumi.Input[str]
    """Customer-managed key for storage and Performance Insights (required)."""
    secret_kms_key_arn: pulumi.Input[str] | None = None
    """Key of the managed master-user secret [None = kms_key_arn]."""
    allowed_security_group_ids: list[pulumi.Input[str]] = field(default_factory=list)
    """Security groups allowed on the port [none: nothing can connect]."""
    mode: Literal["multi-az-instance", "multi-az-cluster"] = "multi-az-instance"
    """multi-az-instance [default]: one standby; multi-az-cluster: aws.rds.Cluster with 3 instances."""
    engine_version: str = "16.4"
    """PostgreSQL version [16.4]."""
    instance_class: str = "db.m6g.large"
    """Instance class [db.m6g.large]."""
    allocated_storage_gib: int = 100
    """Storage [100 GiB]."""
    max_allocated_storage_gib: int = 1000
    """Storage autoscaling ceiling [1000 GiB]."""
    backup_retention_days: int = 14
    """Automated backups / PITR window [14]; never under 7."""
    db_name: str = "app"
    """Initial database [app]."""
    port: int = 5432
    """Port [5432]."""
    maintenance_window: str = "sat:18:00-sat:19:00"
    """UTC; [Sun 01:00-02:00 WIB, quiet hours]."""
    backup_window: str = "17:00-18:00"
    """UTC; [00:00-01:00 WIB]."""
    protect: bool = True
    """protect + retain_on_delete on the database [True]."""


class Database(pulumi.ComponentResource):
    """RDS PostgreSQL; see module docstring."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:aws:Database", name, None, opts)
        if args.backup_retention_days < 7:
            raise ValueError(f"backup_retention_days: {args.backup_retention_days}; allowed: 7-35")
        p = args.name_prefix
        child = pulumi.ResourceOptions(parent=self)
        state = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        family = f"postgres{args.engine_version.split('.')[0]}"
        self.security_group = aws.ec2.SecurityGroup(
            f"{p}-db", vpc_id=args.vpc_id, description="PostgreSQL from the application tier only",
            ingress=[{"protocol": "tcp", "from_port": args.port, "to_port": args.port,
                      "security_groups": args.allowed_security_group_ids, "description": "app tier"}]
            if args.allowed_security_group_ids else [], opts=child)
        subnets = aws.rds.SubnetGroup(f"{p}-db", subnet_ids=args.subnet_ids, opts=child)
        params = [{"name": "rds.force_ssl", "value": "1"},
                  {"name": "shared_preload_libraries", "value": "pgaudit", "apply_method": "pending-reboot"},
                  {"name": "pgaudit.log", "value": "ddl,role,write"}]
        monitoring = aws.iam.Role(f"{p}-db-monitoring", assume_role_policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": "monitoring.rds.amazonaws.com"}}]}),
            opts=child)
        aws.iam.RolePolicyAttachment(f"{p}-db-monitoring", role=monitoring.name,
                                     policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
                                     opts=pulumi.ResourceOptions(parent=monitoring))
        secret_key = args.secret_kms_key_arn or args.kms_key_arn
        common = dict(
            engine="postgres", engine_version=args.engine_version, db_name=args.db_name, port=args.port,
            manage_master_user_password=True, master_user_secret_kms_key_id=secret_key,
            storage_encrypted=True, kms_key_id=args.kms_key_arn, backup_retention_period=args.backup_retention_days,
            deletion_protection=True, copy_tags_to_snapshot=True, iam_database_authentication_enabled=True,
            vpc_security_group_ids=[self.security_group.id], db_subnet_group_name=subnets.name,
            skip_final_snapshot=False, final_snapshot_identifier=f"{p}-db-final",
            performance_insights_enabled=True, performance_insights_kms_key_id=args.kms_key_arn,
            performance_insights_retention_period=7, monitoring_interval=60, monitoring_role_arn=monitoring.arn,
            enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
        )
        if args.mode == "multi-az-cluster":
            pg = aws.rds.ClusterParameterGroup(f"{p}-db", family=family, parameters=params, opts=child)
            self.cluster = aws.rds.Cluster(
                f"{p}-db", cluster_identifier=f"{p}-db", db_cluster_instance_class=args.instance_class,
                storage_type="io2", allocated_storage=args.allocated_storage_gib, iops=3000,
                db_cluster_parameter_group_name=pg.name, database_name=common.pop("db_name"),
                backup_retention_period=common.pop("backup_retention_period"),
                preferred_backup_window=args.backup_window, preferred_maintenance_window=args.maintenance_window,
                master_username="siaga_admin",
                db_subnet_group_name=common.pop("db_subnet_group_name"),
                iam_database_authentication_enabled=common.pop("iam_database_authentication_enabled"),
                **{k: v for k, v in common.items() if k not in ("performance_insights_retention_period",)},
                opts=state)
            self.arn = self.cluster.arn
            self.identifier = self.cluster.cluster_identifier
            self.endpoint = self.cluster.endpoint
        else:
            pg = aws.rds.ParameterGroup(f"{p}-db", family=family, parameters=params, opts=child)
            self.instance = aws.rds.Instance(
                f"{p}-db", identifier=f"{p}-db", instance_class=args.instance_class, multi_az=True, username="siaga_admin",
                backup_window=args.backup_window, maintenance_window=args.maintenance_window,
                storage_type="gp3", allocated_storage=args.allocated_storage_gib,
                max_allocated_storage=args.max_allocated_storage_gib, parameter_group_name=pg.name,
                auto_minor_version_upgrade=True, publicly_accessible=False, **common, opts=state)
            self.arn = self.instance.arn
            self.identifier = self.instance.identifier
            self.endpoint = self.instance.endpoint
        self.register_outputs({"arn": self.arn, "identifier": self.identifier, "endpoint": self.endpoint,
                               "security_group_id": self.security_group.id})

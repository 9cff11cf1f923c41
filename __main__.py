"""The Siaga program: one highly available, in-country public service, configured only by stack config.

Run with the Pulumi CLI (`pulumi up -s jakarta-prod`) or offline (`siaga preview --stack jakarta-prod`).
"""

import pulumi
import pulumi_aws as aws

from components.config import load_config

cfg = load_config()  # validates every siaga:* key before any resource is registered

provider = aws.Provider(
    "jakarta",
    region=cfg.region,
    allowed_account_ids=None,
    default_tags={"tags": cfg.default_tags()},
)

pulumi.export("region", cfg.region)
pulumi.export("namePrefix", cfg.name_prefix)

from components.backup import BackupPlan, BackupPlanArgs  # noqa: E402
from components.database import Database, DatabaseArgs  # noqa: E402
from components.keys import EncryptionKeys, EncryptionKeysArgs  # noqa: E402
from components.network import RedundantNetwork, RedundantNetworkArgs  # noqa: E402

aws_opts = pulumi.ResourceOptions(providers={"aws": provider})
protect = getattr(cfg, "protectStatefulResources", True)
keys = EncryptionKeys("keys", EncryptionKeysArgs(name_prefix=cfg.name_prefix, protect=protect), aws_opts)
network = RedundantNetwork("network", RedundantNetworkArgs(
    name_prefix=cfg.name_prefix, cidr=cfg.vpcCidr, az_count=cfg.azCount, nat_strategy=cfg.natStrategy,
    flow_log_kms_key_arn=keys.arn("logs"), flow_log_retention_days=cfg.flowLogRetentionDays, interface_endpoints=list(cfg.interfaceEndpoints),
    vpn_customer_gateway_ip=cfg.standby.customerGatewayIp if cfg.standby.vpn else None,
    vpn_static_routes=list(cfg.standby.networks) if cfg.standby.vpn else [],
    protect=protect), aws_opts)
database = Database("database", DatabaseArgs(
    name_prefix=cfg.name_prefix, vpc_id=network.vpc_id, subnet_ids=network.isolated_subnet_ids,
    kms_key_arn=keys.arn("data"), secret_kms_key_arn=keys.arn("secrets"), mode=cfg.database.mode,
    engine_version=cfg.database.engineVersion, instance_class=cfg.database.instanceClass,
    allocated_storage_gib=cfg.database.allocatedStorageGiB, max_allocated_storage_gib=cfg.database.maxAllocatedStorageGiB,
    backup_retention_days=cfg.database.backupRetentionDays, db_name=cfg.database.name, port=cfg.database.port,
    protect=protect), aws_opts)  # allowed_security_group_ids: the cluster's SG once LoadBalancedCluster lands
backup = BackupPlan("backup", BackupPlanArgs(
    name_prefix=cfg.name_prefix, kms_key_arn=keys.arn("backup"), resource_arns=[database.arn],
    settings=cfg.backup, allowed_regions=list(cfg.allowedRegions), protect=protect), aws_opts)


def build_application_tier() -> None:
    """The application tier over `network` (hook: the EKS helper adds `if cfg.platform == "eks": ...` here).

    platform ec2: LoadBalancedCluster (ALB + ASG) — not yet written (issue 3); DnsFailover and Monitoring are
    composed after it because they need the ALB.
    """
    if cfg.platform == "eks":
        return  # EKS hook: components.eks / components.hybrid over network.private_subnet_ids


build_application_tier()
# TODO(issue 3): LoadBalancedCluster -> Database -> BackupPlan -> DnsFailover
# -> Monitoring; platform "eks" hook goes here (if cfg.platform == "eks": ...).

pulumi.export("vpcId", network.vpc_id)
pulumi.export("azs", network.azs)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("dbEndpoint", database.endpoint)

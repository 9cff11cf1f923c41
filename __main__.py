"""The Siaga program: one highly available, in-country public service, configured only by stack config.

Run with the Pulumi CLI (`pulumi up -s jakarta-prod`) or offline (`siaga preview --stack jakarta-prod`).
Order: keys -> network -> application tier (EC2 or EKS) -> database -> monitoring -> backups -> DNS failover.
"""

import pulumi
import pulumi_aws as aws

from components.backup import BackupPlan, BackupPlanArgs
from components.config import load_config
from components.database import Database, DatabaseArgs
from components.dns_failover import DnsFailover, DnsFailoverArgs, parent_domain
from components.keys import EncryptionKeys, EncryptionKeysArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import RedundantNetwork, RedundantNetworkArgs

cfg = load_config()  # validates every siaga:* key before any resource is registered
prefix = cfg.name_prefix
protect = cfg.protectStatefulResources

provider = aws.Provider("jakarta", region=cfg.region, default_tags={"tags": cfg.default_tags()})
aws_opts = pulumi.ResourceOptions(providers={"aws": provider})

keys = EncryptionKeys("keys", EncryptionKeysArgs(name_prefix=prefix, protect=protect), aws_opts)

network = RedundantNetwork("network", RedundantNetworkArgs(
    name_prefix=prefix, cidr=cfg.vpcCidr, az_count=cfg.azCount, nat_strategy=cfg.natStrategy,
    flow_log_key_arn=keys.arn("logs"), flow_log_retention_days=cfg.flowLogRetentionDays,
    interface_endpoints=list(cfg.interfaceEndpoints), standby_networks=list(cfg.standby.networks),
    vpn_customer_gateway_ip=cfg.standby.customerGatewayIp if cfg.standby.vpn else None,
    protect=protect), aws_opts)

# The stack's hosted zone, created before the application tier so that the ACM certificate validates in it
# (formerly created inside DnsFailover: the alias keeps its identity, no replacement of the zone).
# A created zone must be delegated (NS records for it in the parent zone, values: the `nameServers` output) before
# ACM can validate the certificate: the first `up` waits at the certificate validation until then.
zone_id: pulumi.Input[str] | None = cfg.dns.hostedZoneId
if zone_id is None:
    zone = aws.route53.Zone(
        "dns-zone", name=parent_domain(cfg.domain), comment=f"Siaga failover zone for {cfg.domain} (records below the apex)",
        opts=pulumi.ResourceOptions(providers={"aws": provider}, protect=protect, retain_on_delete=protect, aliases=[
            f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::siaga:components:DnsFailover$aws:route53/zone:Zone::dns-zone"]))
    zone_id = zone.zone_id
    pulumi.export("nameServers", zone.name_servers)

monitoring_targets: dict = {}
if cfg.platform == "eks":
    # EKS primary + the same workload on the on-prem standby cluster (components/hybrid.py)
    from components.hybrid import HybridInputs, compose_eks

    hybrid = compose_eks(cfg, HybridInputs(
        azs=network.azs,
        private_subnet_ids=network.private_subnet_ids,
        public_subnet_ids=network.public_subnet_ids,
        key_arn=keys.arn,
        zone_id=cfg.dns.hostedZoneId,
        db_cidrs=network.isolated_cidrs,
    ), provider=provider)
    app_security_group = hybrid.security_group_id
    primary_dns_name, primary_zone_id = hybrid.primary_hostname, None
else:
    from components.cluster import LoadBalancedCluster, LoadBalancedClusterArgs

    cluster = LoadBalancedCluster("cluster", LoadBalancedClusterArgs(
        name_prefix=prefix, settings=cfg.cluster, domain=cfg.domain, vpc_id=network.vpc_id,
        public_subnet_ids=network.public_subnet_ids, private_subnet_ids=network.private_subnet_ids,
        ebs_key_arn=keys.arn("ebs"), logs_key_arn=keys.arn("logs"), zone_id=zone_id, protect=protect,
        deletion_protection=cfg.production, force_destroy_logs=not cfg.production, waf=cfg.waf), aws_opts)
    app_security_group = cluster.security_group_id
    primary_dns_name, primary_zone_id = cluster.alb_dns_name, cluster.alb_zone_id
    monitoring_targets = {"alb_arn_suffix": cluster.alb_arn_suffix,
                          "target_group_arn_suffix": cluster.target_group_arn_suffix}
    pulumi.export("albDnsName", cluster.alb_dns_name)
    pulumi.export("asgName", cluster.asg_name)
    pulumi.export("azLoss", cluster.az_loss)

database = Database("database", DatabaseArgs(
    name_prefix=prefix, settings=cfg.database, vpc_id=network.vpc_id, subnet_ids=network.isolated_subnet_ids,
    allowed_security_group_ids=[app_security_group], kms_key_arn=keys.arn("data"),
    secret_kms_key_arn=keys.arn("secrets"), deletion_protection=cfg.production, protect=protect), aws_opts)

monitoring = Monitoring("monitoring", MonitoringArgs(
    name_prefix=prefix, kms_key_arn=keys.arn("data"), contacts=list(cfg.alertContacts),
    db_identifier=database.identifier if cfg.database.mode == "multi-az-instance" else None,
    protect=protect, **monitoring_targets), aws_opts)

backup = BackupPlan("backup", BackupPlanArgs(
    name_prefix=prefix, kms_key_arn=keys.arn("backup"), resource_arns=[database.arn],
    settings=cfg.backup, allowed_regions=list(cfg.allowedRegions), sns_topic_arn=monitoring.topic_arn,
    protect=protect), aws_opts)

failover = DnsFailover("dns", DnsFailoverArgs(
    domain=cfg.domain, standby_address=cfg.standby.address,
    primary_dns_name=primary_dns_name, primary_zone_id=primary_zone_id, zone_id=zone_id,
    health_check_path=cfg.cluster.healthCheckPath, standby_port=cfg.standby.port,
    interval_seconds=cfg.dns.healthCheckIntervalSeconds, failure_threshold=cfg.dns.failureThreshold,
    ttl_seconds=cfg.dns.ttlSeconds, alarm_topic_arn=monitoring.topic_arn, protect=protect), aws_opts)

pulumi.export("region", cfg.region)
pulumi.export("namePrefix", prefix)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("azs", network.azs)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("dbEndpoint", database.endpoint)
pulumi.export("backupVaultArn", backup.vault_arn)
pulumi.export("alertTopicArn", monitoring.topic_arn)
pulumi.export("failoverSeconds", failover.failover_seconds)
pulumi.export("primaryHealthCheckId", failover.primary_health_check_id)

"""The Siaga program: one highly available, in-country public service, configured only by stack config.

Run with the Pulumi CLI (`pulumi up -s jakarta-prod`) or offline (`siaga preview --stack jakarta-prod`).
Order: keys -> the stack's hosted zone (so the certificate can be validated in it) -> network -> application tier
(EC2 or EKS) -> database -> monitoring -> backups -> DNS failover (records in that same zone).
"""

import pulumi
import pulumi_aws as aws

from components.backup import BackupPlan, BackupPlanArgs
from components.config import load_config
from components.database import Database, DatabaseArgs
from components.dns_failover import DnsFailover, DnsFailoverArgs
from components.keys import EncryptionKeys, EncryptionKeysArgs
from components.monitoring import Monitoring, MonitoringArgs, topic_name, trail_name
from components.network import RedundantNetwork, RedundantNetworkArgs
from components.zone import ServiceZone, ServiceZoneArgs, former_child_urn

cfg = load_config()  # validates every siaga:* key before any resource is registered
prefix = cfg.name_prefix
protect = cfg.protectStatefulResources

provider = aws.Provider("jakarta", region=cfg.region, default_tags={"tags": cfg.default_tags()})
aws_opts = pulumi.ResourceOptions(providers={"aws": provider})

# the logs key grants CloudTrail on the stack's trail and the incident topic's publishers (Monitoring uses it)
keys = EncryptionKeys("keys", EncryptionKeysArgs(
    name_prefix=prefix, protect=protect, region=cfg.region, trail_names=[trail_name(prefix)],
    sns_topic_names=[topic_name(prefix)], autoscaling_role_arn=cfg.cluster.autoscalingRoleArn,
    default_autoscaling_role=cfg.platform == "eks"), aws_opts)  # EKS node groups use the default Auto Scaling role

# The stack's public zone, first: the listener's certificate is validated in it and the failover records go into it.
# The zone used to be a child of DnsFailover "dns" (named "dns-zone"): the alias keeps that protected identity.
zone = ServiceZone("dns-zone", ServiceZoneArgs(
    domain=cfg.domain, zone_id=cfg.dns.hostedZoneId, protect=protect,
    aliases=[pulumi.Alias(name="dns-zone", parent=former_child_urn("siaga:components:DnsFailover", "dns"))]), aws_opts)

network = RedundantNetwork("network", RedundantNetworkArgs(
    name_prefix=prefix, cidr=cfg.vpcCidr, az_count=cfg.azCount, nat_strategy=cfg.natStrategy,
    flow_log_key_arn=keys.arn("logs"), flow_log_retention_days=cfg.flowLogRetentionDays,
    interface_endpoints=list(cfg.interfaceEndpoints), standby_networks=list(cfg.standby.networks),
    vpn_customer_gateway_ip=cfg.standby.customerGatewayIp if cfg.standby.vpn else None,
    protect=protect), aws_opts)

monitoring_targets: dict = {}
if cfg.platform == "eks":
    # EKS primary + the same workload on the on-prem standby cluster (components/hybrid.py)
    from components.hybrid import HybridInputs, compose_eks
    from components.waf import WebApplicationFirewall, WebApplicationFirewallArgs

    # the Ingress's ALB is made by the AWS Load Balancer Controller: the web ACL is attached through its annotation
    waf_acl_arn = WebApplicationFirewall("waf", WebApplicationFirewallArgs(
        name_prefix=prefix, logs_key_arn=keys.arn("logs"), rate_limit=cfg.waf.rateLimit, protect=protect),
        aws_opts).web_acl_arn if cfg.waf.enabled else None
    hybrid = compose_eks(cfg, HybridInputs(
        azs=network.azs,
        private_subnet_ids=network.private_subnet_ids,
        public_subnet_ids=network.public_subnet_ids,
        key_arn=keys.arn,
        zone_id=zone.zone_id,
        db_cidrs=network.isolated_cidrs,
        vpc_id=network.vpc_id,
        waf_acl_arn=waf_acl_arn,
    ), provider=provider)
    app_security_group = hybrid.security_group_id
    primary_dns_name, primary_zone_id = hybrid.primary_hostname, None
else:
    from components.cluster import LoadBalancedCluster, LoadBalancedClusterArgs

    cluster = LoadBalancedCluster("cluster", LoadBalancedClusterArgs(
        name_prefix=prefix, settings=cfg.cluster, domain=cfg.domain, vpc_id=network.vpc_id,
        public_subnet_ids=network.public_subnet_ids, private_subnet_ids=network.private_subnet_ids,
        ebs_key_arn=keys.arn("ebs"), logs_key_arn=keys.arn("logs"), zone_id=zone.zone_id, protect=protect,
        autoscaling_role_arn=keys.autoscaling_role_arn, deletion_protection=cfg.production,
        force_destroy_logs=not cfg.production, waf=cfg.waf), aws_opts)
    app_security_group = cluster.security_group_id
    primary_dns_name, primary_zone_id = cluster.alb_dns_name, cluster.alb_zone_id
    monitoring_targets = {"alb_arn_suffix": cluster.alb_arn_suffix,
                          "target_group_arn_suffix": cluster.target_group_arn_suffix}
    pulumi.export("albDnsName", cluster.alb_dns_name)
    pulumi.export("asgName", cluster.asg_name)
    pulumi.export("azLoss", cluster.az_loss)

# continuous replication to the standby's own PostgreSQL (components/replication.py): its security group first, so
# the database admits it when created
replication = None
standby_db = cfg.standby.database
if standby_db is not None and standby_db.replication == "dms":
    from components.replication import ReplicationSource, StandbyReplication, StandbyReplicationArgs

    replication = StandbyReplication("replication", StandbyReplicationArgs(
        name_prefix=prefix, settings=standby_db, standby_networks=list(cfg.standby.networks), vpc_id=network.vpc_id,
        subnet_ids=network.isolated_subnet_ids, kms_key_arn=keys.arn("data"), secrets_key_arn=keys.arn("secrets"),
        region=cfg.region, create_dms_vpc_role=standby_db.dmsVpcRole == "create",
        network_path=network.vpn_connection), aws_opts)

database = Database("database", DatabaseArgs(
    name_prefix=prefix, settings=cfg.database, vpc_id=network.vpc_id, subnet_ids=network.isolated_subnet_ids,
    allowed_security_group_ids=[app_security_group, *([replication.security_group_id] if replication else [])],
    kms_key_arn=keys.arn("data"), logical_replication=replication is not None,
    secret_kms_key_arn=keys.arn("secrets"), deletion_protection=cfg.production, protect=protect), aws_opts)

monitoring = Monitoring("monitoring", MonitoringArgs(
    name_prefix=prefix, kms_key_arn=keys.arn("logs"), contacts=list(cfg.alertContacts),
    db_identifier=database.identifier if cfg.database.mode == "multi-az-instance" else None,
    protect=protect, force_destroy=not cfg.production, guardduty=cfg.guardDuty.mode,
    guardduty_detector_id=cfg.guardDuty.detectorId, **monitoring_targets), aws_opts)

if replication is not None:
    replication.connect(ReplicationSource(
        address=database.address, port=cfg.database.port, name=cfg.database.name,
        database=getattr(database, "instance", None) or database.cluster), alarm_topic_arn=monitoring.topic_arn)
    pulumi.export("standbyReplicationTaskId", replication.task_id)
    pulumi.export("standbyReplicationInstanceId", replication.instance_id)

backup = BackupPlan("backup", BackupPlanArgs(
    name_prefix=prefix, kms_key_arn=keys.arn("backup"), resource_arns=[database.arn],
    settings=cfg.backup, allowed_regions=list(cfg.allowedRegions), sns_topic_arn=monitoring.topic_arn,
    protect=protect, compliance_lock=cfg.production, force_destroy=not cfg.production,
    # one owner of the PITR window: AWS Backup sets the database's retention to the continuous rule's
    continuous_retention_days=cfg.database.backupRetentionDays,
    restore_vpc_id=network.vpc_id,
    restore_db_subnet_group_name=database.subnet_group_name,
    ), aws_opts)

failover = DnsFailover("dns", DnsFailoverArgs(
    domain=cfg.domain, standby_address=cfg.standby.address,
    primary_dns_name=primary_dns_name, primary_zone_id=primary_zone_id, zone_id=zone.zone_id,
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
pulumi.export("failoverBreakdown", failover.failover_breakdown)
pulumi.export("zoneId", zone.zone_id)
pulumi.export("nameServers", zone.name_servers)  # delegate the parent zone to these (README: Deploying for real)
pulumi.export("primaryHealthCheckId", failover.primary_health_check_id)

"""The Siaga program: one highly available, in-country public service, configured only by stack config.

Run with the Pulumi CLI (`pulumi up -s jakarta-prod`) or offline (`siaga preview --stack jakarta-prod`).
Order: keys -> the stack's hosted zone (so the certificate can be validated in it) -> network -> application tier
(EC2 or EKS) -> database -> monitoring -> backups -> DNS failover (records in that same zone).
"""

import pulumi
import pulumi_aws as aws

from components.backup import BackupPlan, BackupPlanArgs
from components.backup_account import IsolatedBackupVault, IsolatedBackupVaultArgs
from components.config import load_config
from components.database import Database, DatabaseArgs
from components.dns_failover import DnsFailover, DnsFailoverArgs
from components.keys import EncryptionKeys, EncryptionKeysArgs, KeyGuard, KeyTamperAlarm, KeyTamperAlarmArgs
from components.monitoring import Monitoring, MonitoringArgs, topic_name, trail_name
from components.network import RedundantNetwork, RedundantNetworkArgs
from components.zone import ServiceZone, ServiceZoneArgs, former_child_urn

cfg = load_config()  # validates every siaga:* key before any resource is registered
prefix = cfg.name_prefix
protect = cfg.protectStatefulResources

provider = aws.Provider("jakarta", region=cfg.region, default_tags={"tags": cfg.default_tags()})
aws_opts = pulumi.ResourceOptions(providers={"aws": provider})

isolated = cfg.backup.isolatedAccount  # the agency's separate backup account (None: no copy leaves this one)
isolated_args = IsolatedBackupVaultArgs(
    name_prefix=prefix, account_id=isolated.accountId, role_arn=isolated.roleArn,
    source_account_id=aws.get_caller_identity().account_id, region=cfg.region, settings=cfg.backup,
    compliance_lock=cfg.production, guard=cfg.key_guard_enabled, protect=protect,
    force_destroy=not cfg.production, default_tags=cfg.default_tags()) if isolated else None
if isolated_args is not None:
    isolated_args.validate()  # before any resource: e.g. the stack's own account is one line naming the key
# the logs key grants CloudTrail on the stack's trail and the incident topic's publishers (Monitoring uses it)
keys = EncryptionKeys("keys", EncryptionKeysArgs(
    name_prefix=prefix, protect=protect, region=cfg.region, trail_names=[trail_name(prefix)],
    sns_topic_names=[topic_name(prefix)], autoscaling_role_arn=cfg.cluster.autoscalingRoleArn,
    default_autoscaling_role=cfg.platform == "eks",  # EKS node groups use the default Auto Scaling role
    # only the break-glass role (default: the account root user) may delete, disable or re-police a key
    guard=KeyGuard(cfg.keyGuard.breakGlassRoleArn) if cfg.key_guard_enabled else None,
    # the isolated backup account copies recovery points encrypted with the backup and data keys
    copy_account_ids=[isolated.accountId] if isolated else []), aws_opts)

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
# audit-log buckets, assigned to the backup plan BY ARN: AWS Backup skips S3 resources selected only by tag (or by
# service) unless the account's S3 opt-in is on, and backs up resources named by type/ARN regardless of it
# ("Assign resources with AWS CLI": https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html)
audit_bucket_arns: list[pulumi.Input[str]] = []
if cfg.platform == "eks":
    # EKS primary + the same workload on the on-prem standby cluster (components/hybrid.py)
    from components.access_logs import AccessLogBucket
    from components.hybrid import HybridInputs, compose_eks
    from components.waf import WebApplicationFirewall, WebApplicationFirewallArgs

    # the Ingress's ALB is made by the AWS Load Balancer Controller: the web ACL is attached through its annotation
    waf_acl_arn = WebApplicationFirewall("waf", WebApplicationFirewallArgs(
        name_prefix=prefix, logs_key_arn=keys.arn("logs"), rate_limit=cfg.waf.rateLimit, protect=protect),
        aws_opts).web_acl_arn if cfg.waf.enabled else None
    # the controller-made ALB writes access logs too (prefix eks-alb), turned on once the bucket policy exists
    account_id = aws.get_caller_identity().account_id
    eks_alb_logs = AccessLogBucket("eks-alb-logs", f"{prefix}-eks-alb-logs-{account_id}", "eks-alb", account_id,
                                   protect=protect, force_destroy=not cfg.production, opts=aws_opts)
    audit_bucket_arns.append(eks_alb_logs.arn)
    hybrid = compose_eks(cfg, HybridInputs(
        azs=network.azs,
        private_subnet_ids=network.private_subnet_ids,
        public_subnet_ids=network.public_subnet_ids,
        key_arn=keys.arn,
        zone_id=zone.zone_id,
        db_cidrs=network.isolated_cidrs,
        vpc_id=network.vpc_id,
        waf_acl_arn=waf_acl_arn,
        access_logs_bucket=eks_alb_logs.bucket,
        access_logs_policy=eks_alb_logs.policy,
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
    audit_bucket_arns.append(cluster.access_logs_bucket_arn)
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
        endpoints_security_group_id=network.endpoints_security_group_id,
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

if cfg.detection_enabled:
    # TTIS detection: GuardDuty plans on the account's detector, Security Hub + Config, Inspector, finding routes
    from components.detection import Detection, DetectionArgs

    d = cfg.detection
    detection = Detection("detection", DetectionArgs(
        name_prefix=prefix, topic_arn=monitoring.topic_arn, guardduty_mode=cfg.guardDuty.mode,
        detector_id=monitoring.guardduty_detector_id, guardduty_features=d.guardDutyFeatures,
        eks=cfg.platform == "eks", security_hub=d.securityHub, standards=list(d.standards),
        config_recorder=d.config, inspector=d.inspector, finding_routes=d.findingRoutes,
        guardduty_min_severity=d.guardDutyMinSeverity, protect=protect, force_destroy=not cfg.production), aws_opts)
    if detection.config_bucket_arn is not None:
        audit_bucket_arns.append(detection.config_bucket_arn)
    # the stack's own declaration that the organisation runs these account singletons (mode existing): the pack's
    # security-hub-config-enabled reads this output, no separate policy config needed
    pulumi.export("managedOutside", [service for service, mode in (("securityhub", d.securityHub),
                                                                   ("config", d.config)) if mode == "existing"])

if cfg.key_guard_enabled:  # any attempt to delete, disable or re-police a key alarms TTIS
    KeyTamperAlarm("key-tamper", KeyTamperAlarmArgs(name_prefix=prefix, topic_arn=monitoring.topic_arn), aws_opts)

isolated_vault = None
if isolated_args is not None:  # the copy outside this account's blast radius (components/backup_account.py)
    isolated_vault = IsolatedBackupVault("isolated-backup", isolated_args)
elif cfg.production:
    pulumi.log.warn("siaga:backup.isolatedAccount: not set; every recovery point stays in this account (one "
                    "compromised administrator reaches data, key and vault): set {accountId, roleArn} of the agency's "
                    "backup account")

if replication is not None:
    replication.connect(ReplicationSource(
        address=database.address, port=cfg.database.port, name=cfg.database.name,
        database=getattr(database, "instance", None) or database.cluster), alarm_topic_arn=monitoring.topic_arn)
    pulumi.export("standbyReplicationTaskId", replication.task_id)
    pulumi.export("standbyReplicationInstanceId", replication.instance_id)

backup = BackupPlan("backup", BackupPlanArgs(
    name_prefix=prefix, kms_key_arn=keys.arn("backup"),
    resource_arns=[database.arn, monitoring.bucket.arn, *audit_bucket_arns],
    settings=cfg.backup, allowed_regions=list(cfg.allowedRegions), sns_topic_arn=monitoring.topic_arn,
    protect=protect, compliance_lock=cfg.production, force_destroy=not cfg.production,
    # one owner of the PITR window: AWS Backup sets the database's retention to the continuous rule's
    continuous_retention_days=cfg.database.backupRetentionDays,
    restore_vpc_id=network.vpc_id,
    restore_db_subnet_group_name=database.subnet_group_name,
    isolated_vault_arn=isolated_vault.vault_arn if isolated_vault else None,
    ), aws_opts)

failover = DnsFailover("dns", DnsFailoverArgs(
    domain=cfg.domain, standby_address=cfg.standby.address,
    primary_dns_name=primary_dns_name, primary_zone_id=primary_zone_id, zone_id=zone.zone_id,
    health_check_path=cfg.cluster.healthCheckPath, standby_port=cfg.standby.port,
    interval_seconds=cfg.dns.healthCheckIntervalSeconds, failure_threshold=cfg.dns.failureThreshold,
    ttl_seconds=cfg.dns.ttlSeconds, alarm_topic_arn=monitoring.topic_arn, protect=protect,
    standby_ips=tuple(cfg.standby.addressIps)), aws_opts)

pulumi.export("region", cfg.region)
pulumi.export("namePrefix", prefix)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("azs", network.azs)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("dbEndpoint", database.endpoint)
pulumi.export("backupVaultArn", backup.vault_arn)
pulumi.export("isolatedBackupVaultArn", isolated_vault.vault_arn if isolated_vault else
              "none: siaga:backup.isolatedAccount not set, no copy outside this account")
pulumi.export("alertTopicArn", monitoring.topic_arn)
pulumi.export("failoverSeconds", failover.failover_seconds)
pulumi.export("failoverBreakdown", failover.failover_breakdown)
pulumi.export("zoneId", zone.zone_id)
pulumi.export("nameServers", zone.name_servers)  # delegate the parent zone to these (README: Deploying for real)
pulumi.export("primaryHealthCheckId", failover.primary_health_check_id)

# cyber drills (siaga drill): FIS templates (EC2 tier, or the EKS node groups and the controller-made ALB), the
# quarantine group of the DRP's containment step
drills_alb = cfg.platform != "eks" or (cfg.kubernetes is not None and cfg.kubernetes.ingressClass == "alb")
if cfg.drills.enabled and not drills_alb:
    pulumi.log.warn(f"siaga:drills.enabled: true, but siaga:kubernetes.ingressClass is "
                    f"{cfg.kubernetes.ingressClass if cfg.kubernetes else None!r}: the stop alarm watches the ALB the AWS "
                    "Load Balancer Controller makes (ingressClass alb); no drill templates are created")
if cfg.drills.enabled and drills_alb:
    from components.drills import CyberDrills, CyberDrillsArgs, EksDrillTargets, controller_load_balancer

    if cfg.platform == "eks":
        assert cfg.kubernetes is not None  # load_config refuses eks without a kubernetes section
        tier = dict(eks=EksDrillTargets(
            cluster_name=hybrid.cluster.cluster.name,
            node_group_arns=[ng.arn for ng in hybrid.cluster.node_groups],
            load_balancer_arn_suffix=controller_load_balancer(
                prefix, cfg.kubernetes.namespace, cfg.service, hybrid.primary.ingress, provider).arn_suffix))
    else:
        tier = dict(asg_name=cluster.asg_name, alb_arn_suffix=cluster.alb_arn_suffix,
                    target_group_arn_suffix=cluster.target_group_arn_suffix)
    drills = CyberDrills("drills", CyberDrillsArgs(
        name_prefix=prefix, logs_key_arn=keys.arn("logs"), vpc_id=network.vpc_id,
        azs=network.azs, private_subnet_ids=network.private_subnet_ids,
        isolated_subnet_ids=network.isolated_subnet_ids, db_arn=database.arn,
        db_is_cluster=cfg.database.mode == "multi-az-cluster", alarm_topic_arn=monitoring.topic_arn,
        fault_minutes=cfg.drills.faultMinutes, log_retention_days=cfg.drills.logRetentionDays, **tier), aws_opts)
    pulumi.export("drillTemplates", drills.template_ids)
    pulumi.export("drillStopAlarm", drills.stop_alarm.name)
    pulumi.export("quarantineSecurityGroupId", drills.quarantine.id)

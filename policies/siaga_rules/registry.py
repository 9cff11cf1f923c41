"""Every policy of the pack, in a stable order (one module per policy)."""

from __future__ import annotations

import importlib

from pulumi_policy import Policy

MODULES = [
    "encryption.s3_bucket_kms", "encryption.ebs_encrypted", "encryption.rds_storage_encrypted",
    "encryption.efs_encrypted", "encryption.dynamodb_kms", "encryption.sns_sqs_encrypted",
    "encryption.log_group_kms", "encryption.ecr_kms", "encryption.backup_vault_kms",
    "encryption.eks_secrets_encrypted", "encryption.elasticache_at_rest", "encryption.performance_insights_kms",
    "encryption.kms_rotation", "encryption.kinesis_encrypted",
    "transit.lb_listener_tls", "transit.k8s_ingress_tls", "transit.s3_tls_only", "transit.database_tls", "transit.elasticache_in_transit",
    "transit.lb_target_tls",
    "backup.rds_backup_retention", "backup.rds_deletion_protection", "backup.rds_final_snapshot",
    "backup.dynamodb_pitr", "backup.s3_versioning", "backup.backup_vault_lock", "backup.backup_selection_coverage",
    "backup.protect_stateful",
    "residency.resource_region", "residency.provider_region", "residency.arn_destinations",
    "residency.region_fields", "residency.s3_destinations", "residency.kms_single_region",
    "residency.global_services", "residency.non_aws_location",
    "availability.rds_multi_az", "availability.aurora_replicas", "availability.asg_multi_az",
    "availability.lb_multi_az", "availability.nat_per_az", "availability.eks_nodegroup_multi_az",
    "availability.dms_multi_az", "availability.elasticache_multi_az",
    "availability.k8s_replicas", "availability.k8s_pdb", "availability.k8s_zone_spread",
    "availability.route53_failover",
    "availability.fis_stop_condition",  # drill slice
    "exposure.s3_public_access", "exposure.db_not_public", "exposure.admin_ports_open",
    "exposure.imdsv2_required", "exposure.k8s_privileged", "exposure.k8s_host_namespaces",
    "exposure.alb_waf", "exposure.eks_public_endpoint", "exposure.ecs_no_public_ip", "exposure.ecr_policy_public",
    "exposure.k8s_service_exposure",
    "logging.cloudtrail_validation", "logging.vpc_flow_logs", "logging.lb_access_logs",
    "logging.eks_control_plane_logs", "logging.db_log_exports", "logging.s3_access_logging",
    "visibility.opaque_resources", "visibility.example_values",
    # behaviour (wiring slice)
    "behaviour.acm_certificate_validated", "behaviour.asg_refresh_triggers", "behaviour.rds_minor_version_drift",
    "behaviour.rds_retention_matches_continuous_backup", "behaviour.restore_testing_stays_isolated",
    "behaviour.singleton_account_resources", "behaviour.k8s_through_private_eks_endpoint",
    "behaviour.route53_health_check_host_answered",
    # behaviour (ordering, names, autoscaling, zone loss, backup assignment)
    "behaviour.delivery_waits_for_grant", "behaviour.dns_name_claimed_once", "behaviour.dns_name_answered",
    "behaviour.hpa_metrics_api_present", "behaviour.nodegroup_autoscaler_present", "behaviour.zone_spread_reschedules",
    "behaviour.backup_tag_selection_opt_in",
    # behaviour (keys and topics)
    "behaviour.kms_key_grants_users", "behaviour.sns_topic_allows_publishers",
    # behaviour (security-group flows)
    "behaviour.sg_flows_agree", "behaviour.data_store_reachable",
    # detection (TTIS)
    "logging.security_hub_config_enabled",
    # data tier (issue #29: FSBP / cdk-nag NIST 800-53 r5 coverage)
    "encryption.secrets_customer_key", "encryption.db_cluster_encrypted",
    "transit.rds_proxy_tls", "transit.dms_endpoint_secure", "transit.db_cluster_tls",
    "backup.db_cluster_backup_retention", "backup.db_cluster_deletion_protection",
    "availability.data_service_multi_az",
    "exposure.kms_key_policy_not_public", "exposure.resource_policy_not_open", "exposure.kms_decrypt_all_keys",
    "exposure.db_snapshot_not_public", "exposure.s3_acls_disabled", "exposure.s3_access_point_block_public",
    "exposure.redshift_enhanced_vpc_routing", "exposure.auto_minor_version_upgrade",
    "exposure.rds_iam_authentication", "exposure.secrets_rotation", "exposure.db_custom_admin_username",
    "exposure.rds_non_default_port",
    "logging.cloudtrail_multi_region", "logging.cloudtrail_cloudwatch_logs", "logging.log_group_retention",
    "logging.alarm_has_actions", "logging.rds_event_subscriptions", "logging.rds_enhanced_monitoring",
    "logging.dms_task_logging", "logging.db_cluster_audit_logs",
    "behaviour.db_copy_tags_to_snapshot", "behaviour.s3_lifecycle",
    "exposure.elasticache_hardening", "logging.aurora_mysql_audit", "behaviour.aurora_mysql_backtrack",
    "exposure.rds_not_in_public_subnet",
    # FSBP / cdk-nag NIST r5 coverage: compute, network, edge and Kubernetes (issue #29)
    "availability.lb_deletion_protection", "availability.asg_elb_health_check", "availability.asg_launch_template",
    "availability.asg_instance_types", "availability.instance_ebs_optimized",
    "exposure.eks_endpoint_private", "exposure.eks_version_supported", "exposure.eks_version_standard_support",
    "exposure.default_sg_closed", "exposure.instance_no_public_ip", "exposure.launch_no_public_ip",
    "exposure.subnet_no_auto_public_ip", "exposure.sg_authorized_ports", "exposure.nacl_admin_ports",
    "exposure.nacl_unused", "exposure.k8s_network_policy", "exposure.lb_drop_invalid_headers",
    "exposure.lb_desync_mitigation", "exposure.tgw_auto_accept", "exposure.eni_source_dest_check",
    "exposure.instance_single_eni", "exposure.instance_in_vpc", "exposure.instance_profile",
    "exposure.vpc_interface_endpoints", "exposure.igw_route_public_tier_only",
    "encryption.ebs_default_encryption", "encryption.spot_fleet_ebs_encrypted",
    "transit.lb_acm_certificate",
    "logging.waf_logging", "logging.waf_metrics", "logging.vpn_logging", "logging.client_vpn_logging",
    "exposure.k8s_restricted_context", "exposure.k8s_no_host_path",
]


def all_policies() -> list[Policy]:
    policies = [importlib.import_module(f"siaga_rules.{m}").POLICY for m in MODULES]
    names = [p.name for p in policies]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"duplicate policy ids: {sorted(dupes)}")
    return policies

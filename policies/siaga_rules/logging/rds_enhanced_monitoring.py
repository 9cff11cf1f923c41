"""RDS DB instances have Enhanced Monitoring (FSBP RDS.6, cdk-nag RDSEnhancedMonitoringEnabled).

``monitoringInterval`` defaults to 0, which turns Enhanced Monitoring off
(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html, MonitoringInterval).
"""

from siaga_rules.common import Controls, Ctx, as_number, resource_policy


def check(ctx: Ctx) -> None:
    interval = as_number(ctx.get("monitoringInterval"))
    if not interval:
        ctx.fail("monitoringInterval is 0 or not set (RDS API default: 0): Enhanced Monitoring is off")


POLICY = resource_policy(
    id="rds-enhanced-monitoring",
    name="RDS Enhanced Monitoring",
    category="logging",
    types=("aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"),
    description="RDS DB instances and Aurora cluster instances set monitoringInterval (Enhanced Monitoring on).",
    remediation="Set monitoring_interval=60 and monitoring_role_arn=<role with AmazonRDSEnhancedMonitoringRole>.",
    check=check,
    controls=Controls(nist=("SI-4", "AU-12"), iso=("A.8.16",), fsbp=("RDS.6",),
                      cdk_nag=("NIST.800.53.R5-RDSEnhancedMonitoringEnabled",), checkov=("CKV_AWS_118",)),
)

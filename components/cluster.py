"""LoadBalancedCluster: an ALB over every AZ in front of an Auto Scaling group over every AZ.

Survives the loss of an instance or a whole AZ with no operator: the ALB routes only to healthy
targets; the group is sized N+1 per AZ (``ceil(minCapacity / (azCount - 1))`` per AZ, see
``config.AzSizing``) so the AZs left after losing one still run ``minCapacity`` instances while
replacements boot; instance refresh replaces instances while keeping 100 % of capacity healthy
(patching without downtime), triggered by every new launch-template version.

HTTPS: the listener's certificate is either an existing one (``siaga:cluster.certificateArn``) or a
DNS-validated ACM certificate whose validation record is written in ``zone_id`` (the stack's hosted
zone); the listener takes the ARN from ``aws.acm.CertificateValidation``, so it is created only once
the certificate is ISSUED (CreateListener rejects a pending certificate: UnsupportedCertificate).
A WAF web ACL (components/waf.py) protects the ALB unless ``waf.enabled`` is false.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import config, userdata
from components.waf import WebApplicationFirewall, WebApplicationFirewallArgs

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass
class LoadBalancedClusterArgs:
    name_prefix: str
    """Prefix of every name, e.g. ``dukcapil-adminduk-prod``."""
    settings: config.Cluster
    """Sizes, ports, health path and allowed CIDRs (``siaga:cluster``); defaults in components/config.py."""
    domain: str
    """The service's public name: the ACM certificate is issued for it."""
    vpc_id: pulumi.Input[str]
    public_subnet_ids: list[pulumi.Input[str]]
    """One public subnet per AZ: the ALB spans all of them."""
    private_subnet_ids: list[pulumi.Input[str]]
    """One private subnet per AZ: the Auto Scaling group spans all of them."""
    ebs_key_arn: pulumi.Input[str]
    """Customer-managed key for the instances' root volumes."""
    logs_key_arn: pulumi.Input[str]
    """Customer-managed key for the hosts' log group (audit, application, nginx logs shipped by the agent)."""
    zone_id: pulumi.Input[str] | None = None
    """Hosted zone holding ``domain``, where the certificate's DNS validation record is written (default None: then
    ``settings.certificateArn`` is required)."""
    protect: bool = True
    """protect + retain_on_delete on the access-log bucket and log groups (default True)."""
    autoscaling_role_arn: pulumi.Input[str] | None = None
    """The EC2 Auto Scaling service-linked role the group uses (default None: AWSServiceRoleForAutoScaling, which
    AWS creates on first use)."""
    deletion_protection: bool = True
    """ALB deletion protection (default True); non-production stacks pass False so they can be torn down."""
    force_destroy_logs: bool = False
    """Let a destroy empty the access-log bucket (default False); non-production stacks pass True."""
    waf: config.Waf = field(default_factory=config.Waf)
    """``siaga:waf``: web ACL on the ALB (enabled by default) and its per-IP rate limit."""


class LoadBalancedCluster(pulumi.ComponentResource):
    def __init__(self, name: str, args: LoadBalancedClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:aws:LoadBalancedCluster", name, None, opts)
        s, p = args.settings, args.name_prefix
        azs = len(args.private_subnet_ids)
        if azs < 2 or len(args.public_subnet_ids) < 2:
            raise ValueError(f"cluster: {azs} private subnet(s); allowed: one per AZ in at least 2 AZs")
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        account = aws.get_caller_identity().account_id

        # Access logs: ALB log delivery writes with SSE-S3 only (it cannot use a KMS key).
        bucket_name = f"{p}-alb-logs-{account}"
        logs = aws.s3.BucketV2(f"{name}-alb-logs", bucket=bucket_name, tags={"Backup": "siaga"},
                               force_destroy=args.force_destroy_logs, opts=keep)
        bopts = pulumi.ResourceOptions(parent=logs)
        aws.s3.BucketPublicAccessBlock(f"{name}-alb-logs", bucket=logs.id, block_public_acls=True,
                                       block_public_policy=True, ignore_public_acls=True,
                                       restrict_public_buckets=True, opts=bopts)
        aws.s3.BucketVersioningV2(f"{name}-alb-logs", bucket=logs.id,
                                  versioning_configuration={"status": "Enabled"}, opts=bopts)
        aws.s3.BucketServerSideEncryptionConfigurationV2(f"{name}-alb-logs", bucket=logs.id, rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}], opts=bopts)
        aws.s3.BucketLifecycleConfigurationV2(f"{name}-alb-logs", bucket=logs.id, rules=[{
            "id": "expire", "status": "Enabled", "filter": {"prefix": ""},
            "expiration": {"days": 365}, "noncurrent_version_expiration": {"noncurrent_days": 30}}], opts=bopts)
        logs_policy = aws.s3.BucketPolicy(f"{name}-alb-logs", bucket=logs.id, policy=logs.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Sid": "AlbLogDelivery", "Effect": "Allow",
                 "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": f"{arn}/alb/AWSLogs/{account}/*"},
            ]})), opts=bopts)

        alb_sg = aws.ec2.SecurityGroup(f"{name}-alb", name=f"{p}-alb", vpc_id=args.vpc_id,
                                       description="ALB: HTTPS (and HTTP redirect) from the allowed networks",
                                       opts=child)
        for port in (443, 80):
            for i, cidr in enumerate(s.allowedCidrs):
                ipv6 = ":" in cidr
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-alb-{port}-{i}", security_group_id=alb_sg.id, ip_protocol="tcp", from_port=port,
                    to_port=port, cidr_ipv6=cidr if ipv6 else None, cidr_ipv4=None if ipv6 else cidr,
                    opts=pulumi.ResourceOptions(parent=alb_sg))
        app_sg = aws.ec2.SecurityGroup(f"{name}-app", name=f"{p}-app", vpc_id=args.vpc_id,
                                       description="Instances: HTTPS from the ALB only", opts=child)
        aws.vpc.SecurityGroupIngressRule(f"{name}-app-from-alb", security_group_id=app_sg.id, ip_protocol="tcp",
                                         from_port=443, to_port=443, referenced_security_group_id=alb_sg.id,
                                         opts=pulumi.ResourceOptions(parent=app_sg))
        aws.vpc.SecurityGroupEgressRule(f"{name}-alb-to-app", security_group_id=alb_sg.id, ip_protocol="tcp",
                                        from_port=443, to_port=443, referenced_security_group_id=app_sg.id,
                                        opts=pulumi.ResourceOptions(parent=alb_sg))
        aws.vpc.SecurityGroupEgressRule(f"{name}-app-https-out", security_group_id=app_sg.id, ip_protocol="tcp",
                                        from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0",
                                        opts=pulumi.ResourceOptions(parent=app_sg))

        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb", name=f"{p}"[:28] + "-alb", load_balancer_type="application", internal=False,
            subnets=args.public_subnet_ids, security_groups=[alb_sg.id], enable_deletion_protection=args.deletion_protection,
            drop_invalid_header_fields=True, idle_timeout=60,
            access_logs={"bucket": logs.bucket, "prefix": "alb", "enabled": True},
            # ELB checks its write access when logging is turned on: the policy granting log delivery must exist
            # first, not only the bucket ("Access Denied for bucket", components/access_logs.py)
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs_policy]))

        cert_arn = self._certificate(name, args)

        self.target_group = aws.lb.TargetGroup(
            f"{name}-tg", name=f"{p}"[:29] + "-tg", vpc_id=args.vpc_id, port=443, protocol="HTTPS",
            target_type="instance", deregistration_delay=30,
            health_check={"enabled": True, "path": s.healthCheckPath, "protocol": "HTTPS", "matcher": "200",
                          "interval": 10, "timeout": 5, "healthy_threshold": 2, "unhealthy_threshold": 2},
            opts=child)
        aws.lb.Listener(f"{name}-https", load_balancer_arn=self.alb.arn, port=443, protocol="HTTPS",
                        ssl_policy=TLS_POLICY, certificate_arn=cert_arn,
                        default_actions=[{"type": "forward", "target_group_arn": self.target_group.arn}],
                        opts=pulumi.ResourceOptions(parent=self.alb))
        aws.lb.Listener(f"{name}-http", load_balancer_arn=self.alb.arn, port=80, protocol="HTTP",
                        default_actions=[{"type": "redirect", "redirect": {
                            "protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}],
                        opts=pulumi.ResourceOptions(parent=self.alb))

        role = aws.iam.Role(f"{name}-instance", name=f"{p}-instance", assume_role_policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "ec2.amazonaws.com"}}]}), opts=child)
        for i, policy in enumerate(("AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy")):
            aws.iam.RolePolicyAttachment(f"{name}-instance-{i}", role=role.name,
                                         policy_arn=f"arn:aws:iam::aws:policy/{policy}",
                                         opts=pulumi.ResourceOptions(parent=role))
        profile = aws.iam.InstanceProfile(f"{name}-instance", name=f"{p}-instance", role=role.name, opts=child)

        # Debian 12 with the hardened host baseline (components/userdata.py, checked by `siaga verify`).
        ami = aws.ec2.get_ami(most_recent=True, owners=userdata.AMI_OWNERS,
                              filters=[{"name": "name", "values": [userdata.AMI_NAME]}])
        host_logs = f"/siaga/{p}/hosts"
        aws.cloudwatch.LogGroup(f"{name}-host-logs", name=host_logs, retention_in_days=365,
                                kms_key_id=args.logs_key_arn, opts=keep)
        user_data = userdata.user_data_base64(userdata.settings_for_cluster(p, s, args.domain, log_group=host_logs))
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt", name=f"{p}-app", image_id=ami.id, instance_type=s.instanceType,
            vpc_security_group_ids=[app_sg.id], iam_instance_profile={"arn": profile.arn},
            metadata_options={"http_endpoint": "enabled", "http_tokens": "required",
                              "http_put_response_hop_limit": 1, "instance_metadata_tags": "enabled"},
            block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {
                "volume_size": s.rootVolumeGiB, "volume_type": "gp3", "encrypted": "true",
                "kms_key_id": args.ebs_key_arn, "delete_on_termination": "true"}}],
            monitoring={"enabled": True},
            user_data=user_data,
            update_default_version=True, opts=child)

        # N+1 per AZ: an ASG balances across AZs but keeps no per-AZ minimum, and after an AZ loss it launches the
        # replacements in the other AZs, which takes bootSeconds (config.AzSizing cites the EC2 Auto Scaling docs).
        self.sizing = s.sizing(azs)
        min_size = self.sizing.min_size
        self.asg = aws.autoscaling.Group(
            f"{name}-asg", name=f"{p}-app", vpc_zone_identifiers=args.private_subnet_ids,
            min_size=min_size, max_size=max(s.maxSize, min_size), desired_capacity=min_size,
            health_check_type="ELB", health_check_grace_period=300, target_group_arns=[self.target_group.arn],
            # the template's latest version number, not "$Latest": the provider starts the instance refresh only
            # when launch_template changes in the group's own config, and "$Latest" never does
            # (instance_refresh note of https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/
            # autoscaling_group, added by https://github.com/hashicorp/terraform-provider-aws/pull/22464)
            launch_template={"id": template.id, "version": template.latest_version.apply(lambda v: str(int(v)))},
            service_linked_role_arn=args.autoscaling_role_arn,
            instance_refresh={"strategy": "Rolling", "preferences": {
                "min_healthy_percentage": 100, "max_healthy_percentage": 200}},
            enabled_metrics=["GroupInServiceInstances", "GroupDesiredCapacity"],
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCapacity"]))
        aws.autoscaling.Policy(f"{name}-cpu", autoscaling_group_name=self.asg.name, policy_type="TargetTrackingScaling",
                               target_tracking_configuration={
                                   "predefined_metric_specification": {
                                       "predefined_metric_type": "ASGAverageCPUUtilization"},
                                   "target_value": float(s.targetCpuPercent)},
                               opts=pulumi.ResourceOptions(parent=self.asg))

        self.web_acl_arn: pulumi.Output[str] | None = None
        if args.waf.enabled:
            self.web_acl_arn = WebApplicationFirewall(f"{name}-waf", WebApplicationFirewallArgs(
                name_prefix=p, logs_key_arn=args.logs_key_arn, resource_arns=[self.alb.arn],
                rate_limit=args.waf.rateLimit, protect=args.protect), opts=child).web_acl_arn

        self.alb_dns_name = self.alb.dns_name
        self.alb_zone_id = self.alb.zone_id
        self.alb_arn_suffix = self.alb.arn_suffix
        self.target_group_arn_suffix = self.target_group.arn_suffix
        self.security_group_id = app_sg.id
        self.asg_name = self.asg.name
        self.access_logs_bucket = logs.bucket
        self.access_logs_bucket_arn = logs.arn
        self.az_loss = self.sizing.as_output()
        """Capacity after losing one AZ (instances left, whether that is full capacity, replacement boot time)."""
        self.register_outputs({"albDnsName": self.alb_dns_name, "asgName": self.asg_name,
                               "accessLogsBucket": self.access_logs_bucket, "azLoss": self.az_loss,
                               "webAclArn": self.web_acl_arn})

    def _certificate(self, name: str, args: LoadBalancedClusterArgs) -> pulumi.Input[str]:
        """The listener's certificate ARN: the configured one, or the ARN *from the validation* of a new
        DNS-validated certificate (so the listener waits until ACM has issued it)."""
        if args.settings.certificateArn:
            return args.settings.certificateArn
        if args.zone_id is None:
            raise ValueError(f"cluster: no hosted zone to validate the certificate for {args.domain} and no "
                             "siaga:cluster.certificateArn; allowed: pass zone_id (the stack's hosted zone) or set "
                             "siaga:cluster.certificateArn to an issued ACM certificate in the stack's region")
        cert = aws.acm.Certificate(f"{name}-cert", domain_name=args.domain, validation_method="DNS",
                                   opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False))
        dvo = cert.domain_validation_options[0]
        record = aws.route53.Record(f"{name}-cert-validation", zone_id=args.zone_id,
                                    name=dvo.resource_record_name, type=dvo.resource_record_type,
                                    records=[dvo.resource_record_value], ttl=300, allow_overwrite=True,
                                    opts=pulumi.ResourceOptions(parent=cert))
        # https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
        return aws.acm.CertificateValidation(
            f"{name}-cert", certificate_arn=cert.arn, validation_record_fqdns=[record.fqdn],
            opts=pulumi.ResourceOptions(parent=cert)).certificate_arn

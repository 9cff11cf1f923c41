"""N copies of a small, policy-relevant service: bucket (versioned, encrypted, private), queue, key,
role, security group, log group, each service under one component."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
services = config.get_int("services") or 10


class Service(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("bench:index:Service", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(f"{name}-key", enable_key_rotation=True, deletion_window_in_days=30, opts=child)
        bucket = aws.s3.BucketV2(f"{name}-data", bucket=f"bench-{name}-data",
                                 opts=pulumi.ResourceOptions(parent=self, protect=True))
        aws.s3.BucketVersioningV2(f"{name}-versioning", bucket=bucket.id,
                                  versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketServerSideEncryptionConfigurationV2(
            f"{name}-sse", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                "kms_master_key_id": key.arn}}], opts=child)
        aws.s3.BucketPublicAccessBlock(f"{name}-pab", bucket=bucket.id, block_public_acls=True,
                                       block_public_policy=True, ignore_public_acls=True,
                                       restrict_public_buckets=True, opts=child)
        aws.sqs.Queue(f"{name}-jobs", kms_master_key_id=key.arn, opts=child)
        role = aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}), opts=child)
        aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=bucket.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{arn}/*"}]})), opts=child)
        aws.ec2.SecurityGroup(f"{name}-sg", description=f"{name} service", ingress=[{
            "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.20.0.0/16"]}], opts=child)
        aws.cloudwatch.LogGroup(f"{name}-logs", retention_in_days=365, kms_key_id=key.arn, opts=child)
        self.register_outputs({"bucket": bucket.bucket})


for i in range(services):
    Service(f"svc{i:03d}")

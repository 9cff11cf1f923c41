"""N copies of a stateful service: a KMS key with its alias, a PostgreSQL database with its parameter group, a
bucket (versioned, encrypted, private, owner-enforced) and an AWS Backup vault, plan and selection for both:
the shape of an agency's data tier, 12 resources a service (44 services ~ 530 resources)."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
services = config.get_int("services") or 44

backup_role = aws.iam.Role("backup-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                   "Principal": {"Service": "backup.amazonaws.com"}}]}))

for i in range(services):
    name = f"svc{i:03d}"
    key = aws.kms.Key(f"{name}-key", enable_key_rotation=True, deletion_window_in_days=30,
                      description=f"{name} data key")
    aws.kms.Alias(f"{name}-alias", name=f"alias/{name}", target_key_id=key.key_id)
    params = aws.rds.ParameterGroup(f"{name}-pg", family="postgres16",
                                    parameters=[{"name": "rds.force_ssl", "value": "1"}])
    db = aws.rds.Instance(f"{name}-db", engine="postgres", engine_version="16.4", instance_class="db.t4g.medium",
                          allocated_storage=50, storage_encrypted=True, kms_key_id=key.arn, multi_az=True,
                          backup_retention_period=14, deletion_protection=True, parameter_group_name=params.name,
                          username="app", manage_master_user_password=True, skip_final_snapshot=False,
                          final_snapshot_identifier=f"{name}-final",
                          opts=pulumi.ResourceOptions(protect=True))
    bucket = aws.s3.Bucket(f"{name}-data", bucket=f"bench-{name}-data", opts=pulumi.ResourceOptions(protect=True))
    aws.s3.BucketVersioning(f"{name}-versioning", bucket=bucket.id,
                              versioning_configuration={"status": "Enabled"})
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-sse", bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                            "kms_master_key_id": key.arn}}])
    aws.s3.BucketPublicAccessBlock(f"{name}-pab", bucket=bucket.id, block_public_acls=True,
                                   block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
    aws.s3.BucketOwnershipControls(f"{name}-owner", bucket=bucket.id,
                                   rule={"object_ownership": "BucketOwnerEnforced"})
    vault = aws.backup.Vault(f"{name}-vault", kms_key_arn=key.arn, opts=pulumi.ResourceOptions(protect=True))
    plan = aws.backup.Plan(f"{name}-plan", rules=[{
        "rule_name": "daily", "target_vault_name": vault.name, "schedule": "cron(0 17 * * ? *)",
        "lifecycle": {"delete_after": 35}}])
    aws.backup.Selection(f"{name}-selection", plan_id=plan.id, iam_role_arn=backup_role.arn,
                         resources=[db.arn, bucket.arn])

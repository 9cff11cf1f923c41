"""The DRP's security-incident sections, in the four steps of the incident response team (TTIS): identification,
containment, eradication, recovery. Every command is computed from the stack's graph (names the program sets, or
lookups by them at incident time: siaga/documents/names.py), never a mock id.

Sources for the commands:
- isolating an instance by replacing its security groups: ``aws ec2 modify-instance-attribute --groups``
  (https://docs.aws.amazon.com/cli/latest/reference/ec2/modify-instance-attribute.html); changing the groups cuts
  tracked connections only when no remaining rule allows them, which is why the quarantine group has no rule
  (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html);
- taking it out of its Auto Scaling group first so it is kept for forensics and replaced
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/detach-instance-asg.html);
- forensic snapshots (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-creating-snapshot.html);
- revoking role sessions (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html) and
  Session Manager sessions (``aws ssm terminate-session``);
- rotating the RDS-managed master secret immediately with ``aws secretsmanager rotate-secret``
  (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html);
- restoring a recovery point (https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-a-backup.html).
"""

from __future__ import annotations

import json
from typing import Any

from siaga.documents import names
from siaga.documents.revoke import revoke_sessions, revoke_sessions_policy
from siaga.documents.texts import as_language
from siaga.engine.model import Graph, Resource, plain
from siaga.i18n import Language

ASG = "aws:autoscaling/group:Group"
SG = "aws:ec2/securityGroup:SecurityGroup"
ROLE = "aws:iam/role:Role"
DETECTOR = "aws:guardduty/detector:Detector"
TRAIL = "aws:cloudtrail/trail:Trail"
DB_TYPES = ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster")
VAULTS = ("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault", "aws:backup/vault:Vault")
SELECTION = "aws:backup/selection:Selection"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"


def _trusted_by(role: Resource, service: str) -> bool:
    doc = role.plain_inputs().get("assumeRolePolicy")
    try:
        doc = json.loads(doc) if isinstance(doc, str) else doc
    except json.JSONDecodeError:
        return False
    return service in json.dumps(doc or {})


def _quarantine(graph: Graph) -> Resource | None:
    for sg in graph.of_type(SG):
        tags = sg.plain_inputs().get("tags") or {}
        if isinstance(tags, dict) and tags.get("siaga:purpose") == "quarantine":
            return sg
    return None


def _arn_of(graph: Graph, arn: Any) -> Resource | None:
    for r in graph.resources:
        if plain(r.outputs).get("arn") == arn:
            return r
    return None


def _provider_inputs(graph: Graph, r: Resource) -> dict[str, Any]:
    prov = graph.by_urn().get(r.provider_urn or "")
    return prov.plain_inputs() if prov is not None else {}


def _json_field(inputs: dict[str, Any], key: str) -> Any:
    value = inputs.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _isolated_account(graph: Graph, vault: Resource) -> tuple[str, str] | None:
    """(role ARN, account id) of the separate backup account a vault is built in (its provider assumes a role
    there: components/backup_account.py), or None for a vault of the stack's own account."""
    inputs = _provider_inputs(graph, vault)
    roles = _json_field(inputs, "assumeRoles") or []
    accounts = _json_field(inputs, "allowedAccountIds") or []
    role = roles[0].get("roleArn") if isinstance(roles, list) and roles and isinstance(roles[0], dict) else None
    if not isinstance(role, str) or not role:
        return None
    return role, str(accounts[0] if isinstance(accounts, list) and accounts else role.split(":")[4])


def _isolated_restore(graph: Graph, dbs: list[Resource], prod_vault: Resource | None, region: str,
                      lang: Language) -> list[str]:
    """Ransomware with admin rights in the production account: the vault in the separate backup account (a provider
    that assumes a role there) is the copy it cannot reach. The commands: the rebuilt production vault's ARN (read in
    the production account), the backup account's credentials, its last recovery point before the damage, a copy
    job back into the production vault (AWS Backup's StartCopyJob runs in the source vault's account:
    https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html), then the copied recovery
    point restored like any other. Every variable is set by a command; none is an example value."""
    _ = lang.gettext
    out: list[str] = []
    reg = f"--region {region}"
    for vault in graph.of_type("aws:backup/vault:Vault"):
        isolated = _isolated_account(graph, vault)
        if isolated is None:
            continue
        role, account = isolated
        name = vault.plain_inputs().get("name") or vault.name
        key = _arn_of(graph, vault.plain_inputs().get("kmsKeyArn"))
        key_label = (_("KMS key {key} of account {account}").format(key=key.name, account=account) if key is not None
                     else _("a KMS key of account {account}").format(account=account))
        out += ["", "# " + _("RANSOMWARE (production account compromised): restore from the isolated vault {vault} in "
                             "the separate backup account {account}, encrypted with {key}: a compromised production "
                             "administrator or key cannot reach it").format(vault=name, account=account, key=key_label)]
        if prod_vault is not None:
            pv = names.vault(prod_vault, region)
            out += [pv.lookup,
                    f"CLEAN_VAULT_ARN=$(aws backup describe-backup-vault --backup-vault-name {pv.ref} --query "
                    f"BackupVaultArn --output text {reg})  # "
                    + _("the rebuilt production vault: its access policy must admit account {account}").format(
                        account=account)]
        else:
            out.append("# " + _("this stack has no vault of its own to copy back into: restore in the backup "
                                "account"))
        out += ["read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN < <(aws sts assume-role "
                f"--role-arn {role} --role-session-name siaga-recovery --query "
                f"'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text {reg})",
                "export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN  # "
                + _("from here on: the backup account"),
                f"ISOLATED_RP=$(aws backup list-recovery-points-by-backup-vault --backup-vault-name {name} "
                "--by-created-before \"$RESTORE_TIME\" --query "
                "'sort_by(RecoveryPoints[?Status==`COMPLETED`],&CreationDate)[-1].RecoveryPointArn' "
                f"--output text {reg})  # " + _("the last complete one from BEFORE the compromise")]
        if prod_vault is not None:
            out += ["BACKUP_ACCOUNT_ROLE_ARN=$(aws iam get-role --role-name AWSBackupDefaultServiceRole --query "
                    "Role.Arn --output text)  # " + _("the role AWS Backup uses in the backup account"),
                    f"COPY_JOB=$(aws backup start-copy-job --source-backup-vault-name {name} --recovery-point-arn "
                    "\"$ISOLATED_RP\" --destination-backup-vault-arn \"$CLEAN_VAULT_ARN\" --iam-role-arn "
                    f"\"$BACKUP_ACCOUNT_ROLE_ARN\" --query CopyJobId --output text {reg})",
                    "aws backup describe-copy-job --copy-job-id \"$COPY_JOB\" --query "
                    f"'CopyJob.[State,StatusMessage]' --output text {reg}  # "
                    + _("repeat until {state}").format(state="COMPLETED"),
                    "RP=$(aws backup describe-copy-job --copy-job-id \"$COPY_JOB\" --query "
                    f"CopyJob.DestinationRecoveryPointArn --output text {reg})",
                    "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN  # "
                    + _("back in the (rebuilt) production account"),
                    ]
            if dbs:  # the recovery steps above set ROLE (the restore role) and VAULT (the production vault)
                out += [f"aws backup get-recovery-point-restore-metadata --backup-vault-name {pv.ref} "
                        f"--recovery-point-arn \"$RP\" --query RestoreMetadata {reg} > restore-metadata.json  # "
                        + _("set a NEW identifier in it"),
                        "aws backup start-restore-job --recovery-point-arn \"$RP\" --iam-role-arn \"$ROLE\" "
                        f"--metadata file://restore-metadata.json {reg}"]
        if not dbs:
            out.append("# " + _("(this stack has no database in a backup plan: restore the copied data stores by "
                                "type)"))
    return out


def render_sections(graph: Graph, lang: Language | str | None = None) -> list[str]:
    """Markdown lines of the security-incident sections, in ``lang`` (English when not given)."""
    lang = as_language(lang)
    _ = lang.gettext
    region = str(graph.config.get("aws:region") or "ap-southeast-3")
    reg = f"--region {region}"
    asgs = [names.asg(a, region) for a in graph.of_type(ASG)]
    dbs = [r for t in DB_TYPES for r in graph.of_type(t)]
    lines = ["## " + _("Security incidents (TTIS): identification, containment, eradication, recovery"), "",
             _("For an attack rather than a failure (a compromised instance, stolen credentials, ransomware). Run the "
               "steps in order; write every command and its output into the incident record. {variable} is the "
               "instance named by the finding.").format(variable="`INSTANCE`"), ""]

    # 1. identification
    ident = ["# " + _("findings of medium severity and above ({condition})").format(condition="GuardDuty severity ≥ 4")]
    if not graph.of_type(DETECTOR):
        ident.append("# " + _("no GuardDuty detector created by this stack: these work where the account already has "
                              "one"))
    ident += [f"DETECTOR=$(aws guardduty list-detectors --query 'DetectorIds[0]' --output text {reg})",
              "aws guardduty list-findings --detector-id \"$DETECTOR\" --finding-criteria "
              f"'{{\"Criterion\":{{\"severity\":{{\"Gte\":4}}}}}}' {reg}",
              "aws guardduty get-findings --detector-id \"$DETECTOR\" --finding-ids \"$FINDING_ID\" "
              f"--query 'Findings[].[Type,Severity,Resource.InstanceDetails.InstanceId]' {reg}",
              "INSTANCE=$(aws guardduty get-findings --detector-id \"$DETECTOR\" --finding-ids \"$FINDING_ID\" "
              f"--query 'Findings[0].Resource.InstanceDetails.InstanceId' --output text {reg})  # "
              + _("the instance named by the finding")]
    if graph.of_type(TRAIL):
        ident.append("aws cloudtrail lookup-events --lookup-attributes AttributeKey=ResourceName,"
                     f"AttributeValue=\"$INSTANCE\" --max-results 50 {reg}  # " + _("what was done to/with it"))
    if graph.of_type(WEB_ACL):
        ident.append("# " + _("WAF: the blocked and counted requests are in the {group} log group of the "
                              "stack").format(group="aws-waf-logs-*"))
    ident += [f"aws ec2 describe-instances --instance-ids \"$INSTANCE\" --query "
              f"'Reservations[0].Instances[0].[Placement.AvailabilityZone,SecurityGroups,IamInstanceProfile.Arn]' {reg}"]
    lines += ["### 1. " + _("Identification"), "", "```sh"] + ident + ["```", ""]

    # 2. containment
    cont: list[str] = []
    for n in asgs:
        cont += [n.lookup, f"aws autoscaling detach-instances --instance-ids \"$INSTANCE\" --auto-scaling-group-name "
                 f"{n.ref} --no-should-decrement-desired-capacity {reg}  # "
                 + _("kept for forensics; the group launches a replacement")]
    q = _quarantine(graph)
    if q is not None:
        qname = names.explicit(q, "name") or q.name
        cont += [f"QUARANTINE_SG=$(aws ec2 describe-security-groups --filters Name=group-name,Values={qname} "
                 f"--query 'SecurityGroups[0].GroupId' --output text {reg})  # " + _("no inbound, no outbound rule")]
    else:
        cont += ["# " + _("no quarantine group in this stack: create one with no rule (the default egress rule "
                          "revoked)"),
                 "VPC=$(aws ec2 describe-instances --instance-ids \"$INSTANCE\" --query "
                 f"'Reservations[0].Instances[0].VpcId' --output text {reg})",
                 "QUARANTINE_SG=$(aws ec2 create-security-group --group-name quarantine-$INSTANCE --description "
                 f"quarantine --vpc-id \"$VPC\" --query GroupId --output text {reg})",
                 "aws ec2 revoke-security-group-egress --group-id \"$QUARANTINE_SG\" --ip-permissions "
                 f"'[{{\"IpProtocol\":\"-1\",\"IpRanges\":[{{\"CidrIp\":\"0.0.0.0/0\"}}]}}]' {reg}"]
    cont.append(f"aws ec2 modify-instance-attribute --instance-id \"$INSTANCE\" --groups \"$QUARANTINE_SG\" {reg}")
    cont += ["# " + _("Session Manager sessions to the instance"),
             "for SESSION in $(aws ssm describe-sessions --state Active --filters key=Target,value=\"$INSTANCE\" "
             f"--query 'Sessions[].SessionId' --output text {reg}); do",
             f"  aws ssm terminate-session --session-id \"$SESSION\" {reg}",
             "done",
             "# " + _("sessions of the instance role issued before now (credentials taken from the instance stop "
                      "working)")]
    ec2_roles = [role for role in graph.of_type(ROLE) if _trusted_by(role, "ec2.amazonaws.com")]
    if ec2_roles:
        cont += revoke_sessions_policy()
        cont += [revoke_sessions(names.role_name(role)) for role in ec2_roles]
    lines += ["### 2. " + _("Containment"), "", "```sh"] + cont + ["```", ""]

    # 3. eradication
    incident = "$INCIDENT_ID"
    erad = ["for VOL in $(aws ec2 describe-instances --instance-ids \"$INSTANCE\" --query "
            f"'Reservations[0].Instances[0].BlockDeviceMappings[].Ebs.VolumeId' --output text {reg}); do",
            "  aws ec2 create-snapshot --volume-id \"$VOL\" --description \"forensics $INSTANCE\" --tag-specifications "
            f"\"ResourceType=snapshot,Tags=[{{Key=siaga:forensics,Value={incident}}}]\" {reg}",
            "done  # " + _("encrypted like the volume (the stack's EBS key)"),
            f"aws ec2 wait snapshot-completed --filters \"Name=tag:siaga:forensics,Values={incident}\" {reg}",
            f"aws ec2 terminate-instances --instance-ids \"$INSTANCE\" {reg}  # " + _("once the snapshots are complete")]
    for n in asgs:
        erad.append(f"aws autoscaling start-instance-refresh --auto-scaling-group-name {n.ref} {reg}  "
                    "# " + _("every instance rebuilt from the launch template"))
    for db in dbs:
        dbn = names.db_instance(db, region)
        if db.type == "aws:rds/cluster:Cluster":
            q_secret = (f"aws rds describe-db-clusters --db-cluster-identifier {dbn.ref} --query "
                        "'DBClusters[0].MasterUserSecret.SecretArn'")
        else:
            q_secret = (f"aws rds describe-db-instances --db-instance-identifier {dbn.ref} --query "
                        "'DBInstances[0].MasterUserSecret.SecretArn'")
        if db.plain_inputs().get("manageMasterUserPassword"):
            erad += [dbn.lookup, f"DB_SECRET=$({q_secret} --output text {reg})  # " + _("the RDS-managed master secret"),
                     f"aws secretsmanager rotate-secret --secret-id \"$DB_SECRET\" {reg}  # " + _("rotates now")]
        else:
            erad += [dbn.lookup, "# " + _("{db}: the master password is not managed by Secrets Manager: set a "
                                          "new one").format(db=db.name),
                     f"aws rds modify-db-instance --db-instance-identifier {dbn.ref} --manage-master-user-password "
                     f"--apply-immediately {reg}"]
    lines += ["### 3. " + _("Eradication"), "", "```sh"] + erad + ["```", ""]

    # 4. recovery
    rec: list[str] = []
    vaults = [v for t in VAULTS for v in graph.of_type(t) if _isolated_account(graph, v) is None]
    if vaults and dbs:
        vault = vaults[0]
        vn = names.vault(vault, region)
        selection = next(iter(graph.of_type(SELECTION)), None)
        role_res = _arn_of(graph, selection.plain_inputs().get("iamRoleArn")) if selection else None
        rn = names.role_arn(role_res, lang)
        db = dbs[0]
        dbn = names.db_instance(db, region)
        arn_q = ("aws rds describe-db-clusters --db-cluster-identifier " + dbn.ref + " --query 'DBClusters[0].DBClusterArn'"
                 if db.type == "aws:rds/cluster:Cluster" else
                 "aws rds describe-db-instances --db-instance-identifier " + dbn.ref + " --query 'DBInstances[0].DBInstanceArn'")
        rec += ["# " + (_("restore from the vault {vault} (logically air-gapped)") if "Gapped" in vault.type else
                        _("restore from the vault {vault} (vault lock: recovery points cannot be deleted)")).format(
                    vault=vault.name),
                vn.lookup, dbn.lookup, f"DB_ARN=$({arn_q} --output text {reg})",
                "ACCOUNT=$(aws sts get-caller-identity --query Account --output text)", rn.lookup,
                f"RP=$(aws backup list-recovery-points-by-backup-vault --backup-vault-name {vn.ref} --by-resource-arn "
                "\"$DB_ARN\" --by-created-before \"$RESTORE_TIME\" --query "
                "'sort_by(RecoveryPoints[?Status==`COMPLETED`],&CreationDate)[-1].RecoveryPointArn' "
                f"--output text {reg})  # " + _("the last complete one from BEFORE the compromise"),
                f"aws backup get-recovery-point-restore-metadata --backup-vault-name {vn.ref} --recovery-point-arn "
                f"\"$RP\" --query RestoreMetadata {reg} > restore-metadata.json  # " + _("set a NEW identifier in it"),
                f"aws backup start-restore-job --recovery-point-arn \"$RP\" --iam-role-arn {rn.ref} "
                f"--metadata file://restore-metadata.json {reg}"]
    else:
        rec.append("# " + _("no AWS Backup vault with the database in this stack: restore from the database's own "
                            "snapshots (see database restore above)"))
    rec += _isolated_restore(graph, dbs, vaults[0] if vaults else None, region, lang)
    stack = graph.stack
    rec.append(f"siaga verify --stack {stack} --public  # " + _("the service as citizens reach it"))
    templates = graph.of_type("aws:fis/experimentTemplate:ExperimentTemplate")
    if templates:
        # the FIS actions of the stack's templates must be offered in the region (not confirmed by the AWS
        # documentation: README "Cyber drills")
        used = sorted({str(a.get("actionId")) for t in templates for a in (plain(t.inputs).get("actions") or [])
                       if isinstance(a, dict)})
        rec.append(f"aws fis list-actions --query 'actions[].id' --output text {reg}  # "
                   + _("must list: {actions}").format(actions=" ".join(used)))
        rec.append(f"siaga drill lose-instance --stack {stack} --dry-run  # "
                   + _("then re-run the drills: the DRP still holds"))
    lines += ["### 4. " + _("Recovery"), "", "```sh"] + rec + ["```", ""]
    return lines

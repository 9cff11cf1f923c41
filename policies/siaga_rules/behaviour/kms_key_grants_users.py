"""Every KMS key of the stack grants, in its key policy, every AWS service that the graph shows using it.

A key policy is the only way into a key for a service principal, and a service-linked role's permissions cannot be
extended by an IAM policy: when the policy forgets one, the first `pulumi up` fails (CloudTrail, log groups) or the
service silently does nothing (alarms to an encrypted topic, Auto Scaling launches that never start).

Users found through the graph, and what each needs (each checked request by request, conditions included):

- CloudWatch log groups (``kmsKeyId``): ``logs.<region>.amazonaws.com`` kms:Encrypt/Decrypt/ReEncrypt*/
  GenerateDataKey*/DescribeKey with ``kms:EncryptionContext:aws:logs:arn`` = the group's ARN
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
- CloudTrail trails (``kmsKeyId``): ``cloudtrail.amazonaws.com`` kms:GenerateDataKey* with
  ``kms:EncryptionContext:aws:cloudtrail:arn`` and ``aws:SourceArn`` = the trail ARN, and kms:DescribeKey
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
- SNS topics encrypted with the key (``kmsMasterKeyId``) and the services publishing to them (CloudWatch alarms,
  EventBridge targets, AWS Backup vault notifications, S3 bucket notifications): kms:GenerateDataKey* and
  kms:Decrypt for that service principal. EventBridge does not send aws:SourceArn/aws:SourceAccount to KMS, so a
  statement conditioned on them does not let it publish.
  https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
  An AWS managed key (``alias/aws/sns``) can never grant them: its policy cannot be changed.
- Auto Scaling groups (and EKS managed node groups, which run in one) launching from a launch template whose block
  devices use the key: the group's service-linked role (``serviceLinkedRoleArn``, else AWSServiceRoleForAutoScaling;
  https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html) needs the use actions and kms:CreateGrant with
  ``kms:GrantIsForAWSResource``, named in the key policy itself (account-root delegation does not reach a
  service-linked role). https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
- AWS Backup vaults (``kmsKeyArn``): the backup role of the plans targeting the vault (or any role of the account)
  kms:GenerateDataKey/Decrypt/DescribeKey/CreateGrant through ``kms:ViaService`` backup.<region>.amazonaws.com.
  https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
- EKS secrets encryption (``encryptionConfig.provider.keyArn``): the cluster role kms:Encrypt/Decrypt/DescribeKey.
  https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html

Delegation rule: for an IAM role of the account (backup role, EKS cluster role) a key policy that allows the
account root (the default key policy does) delegates to IAM, so the role's own IAM policies must then allow the
actions on the key: inline policies, aws.iam.RolePolicy and customer policies attached with RolePolicyAttachment
(and PolicyAttachment / RolePolicyAttachmentsExclusive) are read; a role that may get the permission from a managed
policy this pack does not read (AWS managed, or not in the stack), or that is not in the stack, "cannot be verified
before deployment". Service principals and service-linked roles get no delegation.
A key policy unknown at preview (rendered from outputs) "cannot be verified before deployment", never a pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from siaga_rules.behaviour.iam_documents import (
    DELEGATED,
    GRANTED,
    UNKNOWN,
    Partial,
    Request,
    Undocumented,
    evaluate,
    parse,
    statements,
)
from siaga_rules.behaviour.wiring import (
    Keys,
    Topics,
    account_of,
    account_value,
    arn_value,
    default_key_policy,
    known_str,
    region_of,
)
from siaga_rules.common import Controls, Res, StackCtx, as_list, has_unknown, is_unknown, lookup, stack_policy

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TRAIL = "aws:cloudtrail/trail:Trail"
ASG = "aws:autoscaling/group:Group"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
EKS = "aws:eks/cluster:Cluster"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
EXCLUSIVE_ATTACHMENTS = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
IAM_POLICY = "aws:iam/policy:Policy"

USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
       "kms:DescribeKey"]


@dataclass
class Need:
    """One principal's requests on a key for one user resource."""

    user: Res
    via: str
    what: str
    principal_type: str
    principal: str | None
    account: str | None
    requests: list[tuple[str, dict[str, Any]]]
    fix_condition: dict[str, Any] = field(default_factory=dict)
    delegation: bool = False
    """An IAM role of the account: account-root delegation + its IAM policies is acceptable."""
    role: Res | None = None
    action_conditions: dict[str, dict[str, Any]] = field(default_factory=dict)


class IamRoles:
    """Identity policies of the stack's roles (inline, RolePolicy, attached customer policies), built once."""

    def __init__(self, ctx: StackCtx) -> None:
        self.docs: dict[str, list[Any]] = {}
        self.managed: dict[str, list[str]] = {}
        for role in ctx.of_type(ROLE):
            self.docs[role.urn] = [lookup(p, "policy") for p in as_list(role.get("inlinePolicies"))
                                   if isinstance(p, dict)]
            self.managed[role.urn] = [a for a in as_list(role.get("managedPolicyArns")) if isinstance(a, str)]
        for rp in ctx.of_type(ROLE_POLICY):
            for role in ctx.resolve(rp, "role", ROLE):
                self.docs[role.urn].append(rp.get("policy"))
        # attachments: one role (RolePolicyAttachment), several roles (PolicyAttachment), several policies
        # (RolePolicyAttachmentsExclusive); a policy that is not an aws.iam.Policy of this stack is not read
        for att, role_prop, policy_prop in (
                [(a, "role", "policyArn") for a in ctx.of_type(ATTACHMENT)]
                + [(a, "roles", "policyArn") for a in ctx.of_type(POLICY_ATTACHMENT)]
                + [(a, "roleName", "policyArns") for a in ctx.of_type(EXCLUSIVE_ATTACHMENTS)]):
            policies = ctx.resolve(att, policy_prop, IAM_POLICY)
            arns = [a for a in as_list(att.get(policy_prop)) if isinstance(a, str)]
            resolved = {p.get("arn") for p in policies}
            unread = [a for a in arns if a not in resolved] if len(policies) < len(arns) else []
            for role in ctx.resolve(att, role_prop, ROLE):
                self.docs[role.urn] += [p.get("policy") for p in policies]
                self.managed[role.urn] += ["(unknown policy)" if is_unknown(a) else a for a in unread]

    def why_unknown(self, role: Res) -> str:
        managed = self.managed.get(role.urn, [])
        if managed:
            names = ", ".join(m.rsplit("/", 1)[-1] for m in managed)
            return (f"the key policy delegates to IAM and role '{role.name}' gets its permissions from managed "
                    f"policies this pack does not read (AWS managed, or not in this stack): {names}")
        return f"the key policy delegates to IAM and an identity policy of role '{role.name}' is unknown at preview"

    def allows(self, role: Res, req: Request) -> str:
        docs = self.docs.get(role.urn, [])
        unsure = False
        for d in docs:
            if has_unknown(d):
                unsure = True
                continue
            doc = parse(d)
            if doc is None:
                continue
            verdict = evaluate(doc, req)
            if verdict == GRANTED:
                return GRANTED
            unsure = unsure or verdict == UNKNOWN
        if unsure or self.managed.get(role.urn):
            return UNKNOWN
        return "denied"


def role_arn(role: Res, account: str | None) -> str | None:
    """A role's ARN: its output, else built as IAM does from its path and name (known at preview when named)."""
    arn = known_str(role.get("arn"))
    if arn:
        return arn
    name, path = known_str(role.get("name")), role.get("path")
    path = path if isinstance(path, str) and path and not is_unknown(path) else "/"
    return f"arn:aws:iam::{account}:role{path}{name}" if name and account else None


def _log_group_needs(ctx: StackCtx, keys: Keys, out: list[tuple[Res, Need]]) -> None:
    for group in ctx.of_type(LOG_GROUP):
        ref = keys.resolve(group, "kmsKeyId")
        for key in ref.keys:
            region = region_of(group, region_of(key)) or ""
            account = account_of(ctx, key, group)
            name = known_str(group.get("name"))
            arn = arn_value(f"arn:aws:logs:{region}:", account, f"log-group:{name}" if name else None, "log-group:")
            context = {"kms:EncryptionContext:aws:logs:arn": arn}
            out.append((key, Need(group, "kmsKeyId", "CloudWatch Logs", "Service", f"logs.{region}.amazonaws.com",
                                  account, [(a, context) for a in USE],
                                  {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                               f"arn:aws:logs:{region}:{account or '<account>'}:log-group:*"}})))


def _trail_needs(ctx: StackCtx, keys: Keys, out: list[tuple[Res, Need]]) -> None:
    for trail in ctx.of_type(TRAIL):
        for key in keys.resolve(trail, "kmsKeyId").keys:
            region = region_of(trail, region_of(key)) or ""
            account = account_of(ctx, key, trail)
            name = known_str(trail.get("name"))
            # the trail ARN is built from its name (the provider's `arn` output is the same value)
            arn = arn_value(f"arn:aws:cloudtrail:{region}:", account, f"trail/{name}" if name else None, "trail/")
            source = {"aws:SourceArn": arn, "aws:SourceAccount": account_value(account)}
            need = Need(trail, "kmsKeyId", "CloudTrail", "Service", "cloudtrail.amazonaws.com", account, [
                ("kms:GenerateDataKey", {**source, "kms:EncryptionContext:aws:cloudtrail:arn": arn}),
                ("kms:DescribeKey", source)])
            need.action_conditions = {
                "kms:GenerateDataKey*": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                                        f"arn:aws:cloudtrail:*:{account or '<account>'}:trail/*"},
                                         "StringEquals": {"aws:SourceArn": arn if isinstance(arn, str) else
                                                          f"{arn.prefix}<name>"}},
            }
            out.append((key, need))


def _topic_needs(ctx: StackCtx, keys: Keys, topics: Topics, out: list[tuple[Res, Need]],
                 managed: list[tuple[Res, str, list[Any]]]) -> None:
    for topic in topics.topics:
        pubs = topics.publishers.get(topic.urn, [])
        if not pubs:
            continue
        ref = keys.resolve(topic, "kmsMasterKeyId")
        if ref.aws_managed:
            managed.append((topic, ref.aws_managed, pubs))
        for key in ref.keys:
            account = account_of(ctx, key, topic)
            for pub in pubs:
                context = dict(pub.context)
                fix: dict[str, Any] = {}
                if pub.service == "cloudwatch.amazonaws.com":
                    # alarms send aws:SourceArn / aws:SourceAccount with their KMS requests (confused-deputy
                    # conditions are supported for CloudWatch -> encrypted topic)
                    fix = {"StringEquals": {"aws:SourceAccount": account or "<account>"}}
                elif pub.service == "events.amazonaws.com":
                    # EventBridge's KMS requests carry no aws:SourceArn / aws:SourceAccount / aws:SourceOrgID, so a
                    # statement conditioned on them never matches (SNS key management page, compatibility section;
                    # restated in AWS's MDAA docs: https://aws.github.io/modern-data-architecture-accelerator/typedocs/
                    # functions/_aws-mdaa_cloudwatch-constructs.grantCloudWatchAlarmsTopicAccess.html)
                    context = {}
                else:
                    # AWS Backup and S3: the documented key-policy statements carry no condition, and whether their
                    # KMS requests carry aws:SourceArn / aws:SourceAccount is not documented: a statement conditioned
                    # on them cannot be verified (neither passed nor failed); the fix proposes none.
                    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
                    context = {k: Undocumented("") for k in context}
                # SNS itself calls KMS for the publisher with the topic as encryption context, whoever publishes
                # (kms:EncryptionContext:aws:sns:topicArn, as in AWS's key policy for encrypted topics:
                # https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html)
                name = known_str(topic.get("name"))
                region = region_of(topic, region_of(key)) or ""
                context["kms:EncryptionContext:aws:sns:topicArn"] = arn_value(f"arn:aws:sns:{region}:", account, name,
                                                                              "")
                out.append((key, Need(
                    pub.res, pub.via, f"{pub.kind} publishing to SNS topic '{topic.name}'", "Service", pub.service,
                    account, [("kms:GenerateDataKey", context), ("kms:Decrypt", context)], fix)))


def _template_keys(keys: Keys, template: Res) -> tuple[list[Res], bool]:
    found: list[Res] = []
    unknown = False
    for bdm in as_list(template.get("blockDeviceMappings")):
        ebs = lookup(bdm, "ebs") if isinstance(bdm, dict) else None
        value = lookup(ebs, "kmsKeyId") if isinstance(ebs, dict) else None
        if value in (None, ""):
            continue
        ref = keys.resolve(template, "blockDeviceMappings", value=value, nested=True)
        unknown = unknown or (ref.unknown and not ref.keys)
        found += [k for k in ref.keys if k not in found]
    return found, unknown


def _asg_needs(ctx: StackCtx, keys: Keys, out: list[tuple[Res, Need]]) -> None:
    # EKS managed node groups run in an EC2 Auto Scaling group EKS creates (with the default service-linked role):
    # https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html
    templates = ctx.index(LAUNCH_TEMPLATE)
    for asg in ctx.of_type(ASG, NODE_GROUP):
        specs: list[tuple[str, Any]] = [("launchTemplate", asg.get("launchTemplate"))]
        mixed = asg.get("mixedInstancesPolicy.launchTemplate.launchTemplateSpecification")
        if mixed:
            specs.append(("mixedInstancesPolicy", mixed))
        for prop, spec in specs:
            if not isinstance(spec, dict):
                continue
            found = ctx.resolve(asg, prop, LAUNCH_TEMPLATE)
            if not found:
                for k in ("id", "name", "launchTemplateId", "launchTemplateName"):
                    v = known_str(lookup(spec, k))
                    if v and v in templates:
                        found = [templates[v]]
                        break
            for template in found:
                used, _ = _template_keys(keys, template)
                for key in used:
                    account = account_of(ctx, key, asg)
                    slr = asg.get("serviceLinkedRoleArn") if asg.type == ASG else None
                    if is_unknown(slr):
                        ctx.cannot_verify(key, f"the service-linked role of {asg.urn} (serviceLinkedRoleArn)")
                        continue
                    if not known_str(slr) and account is None:
                        ctx.cannot_verify(key, f"the service-linked role of {asg.urn} (account unknown)")
                        continue
                    role = known_str(slr) or (f"arn:aws:iam::{account}:role/aws-service-role/"
                                              "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
                    base = {"kms:CallerAccount": account_value(account), "aws:PrincipalArn": role}
                    reqs = [(a, base) for a in [*USE, "kms:GenerateDataKeyWithoutPlaintext"]]
                    reqs.append(("kms:CreateGrant", {**base, "kms:GrantIsForAWSResource": "true"}))
                    need = Need(asg, f"{prop} -> {template.type.rsplit(':', 1)[-1]} '{template.name}' "
                                f"blockDeviceMappings", "EC2 Auto Scaling (encrypted volumes at launch)", "AWS",
                                role, account, reqs)
                    need.action_conditions = {"kms:CreateGrant": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}
                    out.append((key, need))


def _vault_needs(ctx: StackCtx, keys: Keys, out: list[tuple[Res, Need]]) -> None:
    vaults = ctx.of_type(VAULT)
    if not vaults:
        return
    # vault name -> roles of the selections of the plans whose rules back up into it
    plan_vaults: dict[str, set[str]] = {}
    for plan in ctx.of_type(PLAN):
        plan_vaults[plan.urn] = {v for r in as_list(plan.get("rules")) if isinstance(r, dict)
                                 for v in [known_str(lookup(r, "targetVaultName"))] if v}
    roles_by_vault: dict[str, list[Res]] = {}
    role_index = ctx.index(ROLE)
    for sel in ctx.of_type(SELECTION):
        roles = ctx.resolve(sel, "iamRoleArn", ROLE)
        if not roles and known_str(sel.get("iamRoleArn")) in role_index:
            roles = [role_index[sel.get("iamRoleArn")]]
        for plan in ctx.resolve(sel, "planId", PLAN):
            for vname in plan_vaults.get(plan.urn, set()):
                roles_by_vault.setdefault(vname, []).extend(r for r in roles if r not in roles_by_vault.get(vname, []))
    for vault in vaults:
        for key in keys.resolve(vault, "kmsKeyArn").keys:
            region = region_of(vault, region_of(key)) or ""
            account = account_of(ctx, key, vault)
            context = {"kms:ViaService": f"backup.{region}.amazonaws.com", "kms:CallerAccount": account_value(account)}
            reqs = [(a, context) for a in ("kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey")]
            reqs.append(("kms:CreateGrant", {**context, "kms:GrantIsForAWSResource": "true"}))
            roles = roles_by_vault.get(known_str(vault.get("name")) or "", [])
            for role in roles or [None]:
                arn = role_arn(role, account) if role else None
                need = Need(vault, "kmsKeyArn", "AWS Backup" + (f" (role '{role.name}')" if role else ""), "AWS", arn,
                            account, reqs, {"StringEquals": {"kms:CallerAccount": account or "<account>",
                                                             "kms:ViaService": f"backup.{region}.amazonaws.com"}},
                            delegation=True, role=role)
                out.append((key, need))


def _eks_needs(ctx: StackCtx, keys: Keys, out: list[tuple[Res, Need]]) -> None:
    for cluster in ctx.of_type(EKS):
        for cfg in as_list(cluster.get("encryptionConfig")):
            provider = lookup(cfg, "provider") if isinstance(cfg, dict) else None
            value = lookup(provider, "keyArn") if isinstance(provider, dict) else None
            if value in (None, ""):
                continue
            ref = keys.resolve(cluster, "encryptionConfig", value=value, nested=True)
            roles = ctx.resolve(cluster, "roleArn", ROLE)
            role = roles[0] if roles else None
            arn = role_arn(role, account_of(ctx, cluster)) if role else known_str(cluster.get("roleArn"))
            for key in ref.keys:
                account = account_of(ctx, key, cluster)
                base = {"kms:CallerAccount": account_value(account)}
                out.append((key, Need(cluster, "encryptionConfig.provider.keyArn", "EKS secrets encryption "
                                      "(cluster role)", "AWS", arn, account,
                                      [(a, base) for a in ("kms:Encrypt", "kms:Decrypt", "kms:DescribeKey")],
                                      delegation=True, role=role)))


def _context_text(context: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v.prefix + '<name>' if isinstance(v, Partial) else v}" for k, v in context.items()
                     if k not in ("aws:PrincipalArn",) and not (isinstance(v, Partial) and not v.prefix))


def _fix(need: Need, missing: list[str]) -> str:
    by_condition: dict[str, list[str]] = {}
    for action in missing:
        pattern = action
        if action.startswith("kms:GenerateDataKey"):
            pattern = "kms:GenerateDataKey*"
        elif action.startswith("kms:ReEncrypt"):
            pattern = "kms:ReEncrypt*"
        cond = need.action_conditions.get(pattern) or need.action_conditions.get(action) or need.fix_condition
        bucket = by_condition.setdefault(json.dumps(cond, sort_keys=True), [])
        if pattern not in bucket:
            bucket.append(pattern)
    principal = {"Service": need.principal} if need.principal_type == "Service" else (
        {"AWS": need.principal} if need.principal else {"AWS": "*"})
    out = []
    for cond, actions in by_condition.items():
        st: dict[str, Any] = {"Effect": "Allow", "Principal": principal,
                              "Action": actions[0] if len(actions) == 1 else actions, "Resource": "*"}
        condition = json.loads(cond)
        if condition:
            st["Condition"] = condition
        out.append(json.dumps(st))
    return " and ".join(out)


def check(ctx: StackCtx) -> None:
    keys = Keys(ctx)
    if not keys.keys and not ctx.of_type("aws:sns/topic:Topic"):
        return
    topics = Topics(ctx)
    needs: list[tuple[Res, Need]] = []
    managed: list[tuple[Res, str, list[Any]]] = []
    _log_group_needs(ctx, keys, needs)
    _trail_needs(ctx, keys, needs)
    _topic_needs(ctx, keys, topics, needs, managed)
    _asg_needs(ctx, keys, needs)
    _vault_needs(ctx, keys, needs)
    _eks_needs(ctx, keys, needs)
    roles = IamRoles(ctx) if any(n.delegation for _, n in needs) else None

    for topic, alias, pubs in managed:
        services = sorted({p.service for p in pubs})
        ctx.fail(f"SNS topic '{topic.name}' is encrypted with the AWS managed key {alias}, whose key policy cannot "
                 f"be changed, so {', '.join(services)} cannot use it to publish "
                 f"({', '.join(sorted({f'{p.res.type} {p.res.name!r}' for p in pubs}))}): their notifications are "
                 "dropped. Fix: encrypt the topic with a customer managed key whose policy allows those services "
                 "kms:GenerateDataKey* and kms:Decrypt.", topic)

    for key, need in needs:
        doc_value, setter = keys.policy(key)
        if has_unknown(doc_value):
            ctx.cannot_verify(key, f"key policy ({setter.urn} policy) unknown until deployment; it must allow "
                                   f"{need.principal or need.what} for {need.user.urn}")
            continue
        default = doc_value in (None, "")
        doc = default_key_policy(need.account or "<account>") if default else parse(doc_value)
        if doc is None or not statements(doc):
            ctx.fail(f"KMS key {keys.label(key)}: its policy is not a JSON policy document with statements.", key)
            continue
        key_arn: str | Partial = known_str(key.get("arn")) or arn_value(
            f"arn:aws:kms:{region_of(key) or ''}:", need.account, None, "key/")
        missing: list[str] = []
        iam_missing: list[str] = []
        unsure: list[str] = []
        for action, context in need.requests:
            req = Request(need.principal_type, need.principal, action, None, context, need.account)
            verdict = evaluate(doc, req)
            if verdict == DELEGATED and need.delegation:
                verdict = _delegated(roles, need, action, context, key_arn)
                if verdict == "denied":
                    iam_missing.append(action)
                    continue
            if verdict == GRANTED:
                continue
            if verdict == UNKNOWN:
                unsure.append(action)
            else:
                missing.append(action)
        if unsure and not (missing or iam_missing):
            why = ""
            if need.delegation and roles is not None and need.role is not None:
                why = f": {roles.why_unknown(need.role)}"
            elif need.delegation:
                why = ": the key policy delegates to IAM and the role is not a resource of this stack"
            ctx.cannot_verify(key, f"{need.user.urn} needs {_who(need)} {', '.join(unsure)}{why}")
            continue
        if missing:
            _report_key_policy(ctx, keys, key, setter, need, missing, default)
        if iam_missing:
            role = need.role.name if need.role else "?"
            ctx.fail(f"KMS key {keys.label(key)} is used by {need.user.type} '{need.user.name}' ({need.via}) for "
                     f"{need.what}: its key policy allows the account root only, so IAM policies decide, and no IAM "
                     f"policy of role '{role}' allows {', '.join(iam_missing)} on the key"
                     f"{_context_suffix(need, iam_missing)}. Fix: allow them on the key in the role's policy "
                     f"(aws.iam.RolePolicy on '{role}', Resource the key ARN), or add to the key policy "
                     f"{_fix(need, iam_missing)}.", key)


def _who(need: Need) -> str:
    if need.principal:
        return f"{need.principal_type} {need.principal}"
    return f"the role '{need.role.name}'" if need.role else f"IAM roles of account {need.account or '(unknown)'}"


def _context_suffix(need: Need, actions: list[str]) -> str:
    merged: dict[str, Any] = {}
    for a, c in need.requests:
        if a in actions:
            merged.update(c)
    text = _context_text(merged)
    return f" (request context: {text})" if text else ""


def _report_key_policy(ctx: StackCtx, keys: Keys, key: Res, setter: Res, need: Need, missing: list[str],
                       default: bool) -> None:
    if default:
        policy_text = ("has no key policy: KMS's default key policy names only the account root, so it does not "
                       "allow")
    else:
        by = f" (set by {setter.type} '{setter.name}')" if setter is not key else ""
        policy_text = f"its key policy{by} does not allow"
    why = (" A service-linked role's permissions cannot be extended by an IAM policy: the key policy must name the "
           "role." if need.principal_type == "AWS" and not need.delegation else "")
    ctx.fail(f"KMS key {keys.label(key)} is used by {need.user.type} '{need.user.name}' ({need.via}) for "
             f"{need.what}, but {'it ' if default else ''}{policy_text} {_who(need)} {', '.join(missing)}"
             f"{_context_suffix(need, missing)}.{why} Fix: add to the key policy {_fix(need, missing)}.", key)


def _delegated(roles: IamRoles | None, need: Need, action: str, context: dict[str, Any],
               key_arn: str | Partial) -> str:
    """The key policy lets IAM decide: the role's identity policies must allow the action on the key."""
    if need.role is None or roles is None:
        return UNKNOWN
    req = Request("AWS", need.principal, action, [key_arn], context, need.account)  # type: ignore[list-item]
    verdict = roles.allows(need.role, req)
    return verdict if verdict in (GRANTED, UNKNOWN) else "denied"


POLICY = stack_policy(
    id="kms-key-grants-users",
    name="KMS key policies grant the services that use the key",
    category="behaviour",
    description="Every KMS key's policy (aws.kms.Key policy or aws.kms.KeyPolicy) allows each service the stack "
                "wires to it: CloudWatch Logs (with its encryption context), CloudTrail, the publishers of encrypted "
                "SNS topics, the Auto Scaling service-linked role for encrypted launch-template volumes, AWS Backup "
                "vaults and EKS secrets encryption.",
    remediation="Add the statement the message shows to the key policy (aws.iam.get_policy_document statements), "
                "with its conditions; keep the account-root statement.",
    check=check,
    controls=Controls(nist=("SC-12", "SC-28", "AU-9"), iso=("A.8.24", "A.8.15")),
)


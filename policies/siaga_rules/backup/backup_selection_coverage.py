"""Every data store in the stack is covered by an AWS Backup selection."""

from siaga_rules.common import (
    DATA_STORE_TYPES,
    Controls,
    Res,
    StackCtx,
    as_list,
    has_unknown,
    is_unknown,
    stack_policy,
    tags_of,
)


def _tag_match(selection: Res, store: Res) -> bool:
    tags = tags_of(store.props)
    for cond in as_list(selection.get("selectionTags")):
        if isinstance(cond, dict) and tags.get(cond.get("key")) == cond.get("value"):
            return True
    for cond in as_list(selection.get("conditions")):
        for eq in as_list((cond or {}).get("stringEquals")):
            key = str((eq or {}).get("key", "")).removeprefix("aws:ResourceTag/")
            if tags.get(key) == (eq or {}).get("value"):
                return True
    return False


def _arn_match(pattern: str, arn: str) -> bool:
    if pattern == "*" or pattern == arn:
        return True
    if pattern.endswith("*"):
        return arn.startswith(pattern[:-1])
    return False


def check(ctx: StackCtx) -> None:
    selections = ctx.of_type("aws:backup/selection:Selection")
    skip_types = set(ctx.config["exemptTypes"])
    for store in ctx.of_type(*DATA_STORE_TYPES):
        if store.type in skip_types:
            continue
        if store.type == "aws:rds/instance:Instance" and (store.get("clusterIdentifier") or store.get("replicateSourceDb")):
            continue
        arn = store.get("arn")
        covered, unknown = False, False
        for sel in selections:
            if store in ctx.resolve(sel, "resources", *DATA_STORE_TYPES):
                covered = True
                break
            resources = sel.get("resources")
            if has_unknown(resources):
                unknown = True
                continue
            refs = [r for r in as_list(resources) if isinstance(r, str)]
            if has_unknown(arn) and refs:
                unknown = True
            if (isinstance(arn, str) and any(_arn_match(r, arn) for r in refs)) or store.ids() & set(refs) \
                    or _tag_match(sel, store):
                covered = True
                break
        if covered:
            continue
        if unknown:
            ctx.cannot_verify(store, "backup selection resources")
        else:
            ctx.fail("not covered by any aws.backup.Selection (by ARN, wildcard or tag): no off-instance "
                     "backup in a locked vault", store)


POLICY = stack_policy(
    id="backup-selection-coverage",
    name="Data stores covered by AWS Backup",
    category="backup",
    description="Every data store in the stack (RDS, DynamoDB, EFS, EBS, S3, ElastiCache, ...) is selected by an "
                "AWS Backup plan.",
    remediation="Add the store's ARN to an aws.backup.Selection resources list (or tag it with a selection tag) "
                "of a plan whose vault is locked.",
    check=check,
    controls=Controls(nist=("CP-9", "CP-6"), iso=("A.8.13",)),
    config={"exemptTypes": {"type": "array", "items": {"type": "string"},
                            "default": ["aws:elasticache/replicationGroup:ReplicationGroup"],
                            "description": "Data store types not required to be in a backup selection."}},
)


def selection_covers(ctx: StackCtx, selection: Res, store: Res) -> bool | None:
    """Whether one aws.backup.Selection selects ``store`` (by property dependency, ARN, wildcard or tag), as
    ``check`` decides it; None when its resources (or the store's ARN) are unknown at preview. Used by the
    behaviour policies that follow a store to its backup plan."""
    if store in ctx.resolve(selection, "resources", *DATA_STORE_TYPES):
        return True
    resources = selection.get("resources")
    if has_unknown(resources):
        # At preview the ARNs are unknown but the engine names the resources they came from: when every one of them
        # is a data store, the unknown entries are those stores' ARNs (matched above), the known ones are literal.
        by_urn = ctx.by_urn()
        deps = selection.deps.get("resources", [])
        if not deps or not all(u in by_urn and by_urn[u].type in DATA_STORE_TYPES for u in deps):
            return None
    refs = [r for r in as_list(resources) if isinstance(r, str) and not is_unknown(r)]
    arn = store.get("arn")
    if (isinstance(arn, str) and any(_arn_match(r, arn) for r in refs)) or store.ids() & set(refs) \
            or _tag_match(selection, store):
        return True
    return None if has_unknown(arn) and refs else False

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
    controls=Controls(nist=("CP-9", "CP-6"), iso=("A.8.13",),
                      cdk_nag=("NIST.800.53.R5-EC2EBSInBackupPlan", "NIST.800.53.R5-RDSInBackupPlan")),
    config={"exemptTypes": {"type": "array", "items": {"type": "string"},
                            "default": ["aws:elasticache/replicationGroup:ReplicationGroup"],
                            "description": "Data store types not required to be in a backup selection."}},
)



class SelectionIndex:
    """Which aws.backup.Selection resources select a data store, matched as ``check`` matches them (property
    dependency, ARN/id, wildcard, tag), built once so that following every store to its selections stays linear.
    Used by the behaviour policies that follow a store to its backup plan."""

    def __init__(self, ctx: StackCtx, selections: list[Res]) -> None:
        by_urn = ctx.by_urn()
        self.by_dep: dict[str, list[Res]] = {}
        self.by_ref: dict[str, list[Res]] = {}
        self.by_tag: dict[tuple[str, str], list[Res]] = {}
        self.wildcards: list[tuple[str, Res]] = []
        self.undecided: list[Res] = []
        self.has_refs = False
        for sel in selections:
            deps = sel.deps.get("resources", [])
            for u in deps:
                if u in by_urn and by_urn[u].type in DATA_STORE_TYPES:
                    self.by_dep.setdefault(u, []).append(sel)
            resources = sel.get("resources")
            # At preview the ARNs are unknown but the engine names the resources they came from: when every one of
            # them is a data store, the unknown entries are those stores' ARNs, the known ones are literal.
            if has_unknown(resources) and not (deps and all(
                    u in by_urn and by_urn[u].type in DATA_STORE_TYPES for u in deps)):
                self.undecided.append(sel)
            for ref in as_list(resources):
                if not isinstance(ref, str) or is_unknown(ref):
                    continue
                self.has_refs = True
                if ref.endswith("*"):
                    self.wildcards.append((ref, sel))
                else:
                    self.by_ref.setdefault(ref, []).append(sel)
            for cond in as_list(sel.get("selectionTags")):
                if isinstance(cond, dict):
                    self.by_tag.setdefault((str(cond.get("key")), str(cond.get("value"))), []).append(sel)
            for cond in as_list(sel.get("conditions")):
                for eq in as_list((cond or {}).get("stringEquals")):
                    key = str((eq or {}).get("key", "")).removeprefix("aws:ResourceTag/")
                    self.by_tag.setdefault((key, str((eq or {}).get("value"))), []).append(sel)

    def selecting(self, store: Res) -> tuple[list[Res], bool]:
        """(the selections that select ``store``, whether others may too: values unknown at preview)."""
        found: dict[str, Res] = {s.urn: s for s in self.by_dep.get(store.urn, [])}
        arn = store.get("arn")
        for key in store.ids() | ({arn} if isinstance(arn, str) else set()):
            for sel in self.by_ref.get(key, []):
                found.setdefault(sel.urn, sel)
        if isinstance(arn, str) and not is_unknown(arn):
            for pattern, sel in self.wildcards:
                if _arn_match(pattern, arn):
                    found.setdefault(sel.urn, sel)
        for key, value in tags_of(store.props).items():
            for sel in self.by_tag.get((str(key), str(value)), []):
                found.setdefault(sel.urn, sel)
        unknown = bool(self.undecided) or (has_unknown(arn) and self.has_refs)
        return list(found.values()), unknown and not found

"""Every data store in the stack is covered by an AWS Backup selection."""

from typing import Any

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


class _Selections:
    """Every selection of the stack, folded once into what decides a store (so the check is linear in stores plus
    selections, not their product: 2,000 resources took 12 s the other way). A store is covered when a selection's
    ``resources`` resolve to it (the engine's property dependencies, or its id/name/ARN), or, for a selection whose
    ``resources`` are known, when they name its ARN or id, match it with a wildcard, or a tag condition matches."""

    def __init__(self, ctx: StackCtx, selections: list[Res]) -> None:
        self.resolved: set[str] = set()
        self.refs: set[str] = set()
        self.wildcards: list[str] = []
        self.tags: dict[Any, list[Any]] = {}
        self.any_unknown = False  # some selection's resources are unknown: it may select anything
        self.any_refs = False  # some decided selection names resources: an unknown ARN may be among them
        for sel in selections:
            self.resolved.update(r.urn for r in ctx.resolve(sel, "resources", *DATA_STORE_TYPES))
            resources = sel.get("resources")
            if has_unknown(resources):
                self.any_unknown = True
                continue
            refs = [r for r in as_list(resources) if isinstance(r, str)]
            self.any_refs = self.any_refs or bool(refs)
            self.refs.update(refs)
            self.wildcards += [r for r in refs if r == "*" or r.endswith("*")]
            for cond in as_list(sel.get("selectionTags")):
                if isinstance(cond, dict):
                    self.tags.setdefault(cond.get("key"), []).append(cond.get("value"))
            for cond in as_list(sel.get("conditions")):
                for eq in as_list((cond or {}).get("stringEquals")):
                    key = str((eq or {}).get("key", "")).removeprefix("aws:ResourceTag/")
                    self.tags.setdefault(key, []).append((eq or {}).get("value"))

    def covers(self, store: Res) -> bool:
        if store.urn in self.resolved:
            return True
        arn = store.get("arn")
        if isinstance(arn, str) and (arn in self.refs or any(_arn_match(p, arn) for p in self.wildcards)):
            return True
        if store.ids() & self.refs:
            return True
        tags = tags_of(store.props)
        return any(tags.get(key) == value for key, values in self.tags.items() for value in values)

    def may_cover(self, store: Res) -> bool:
        """Not covered as far as is known, but an unknown value could still select it."""
        return self.any_unknown or (has_unknown(store.get("arn")) and self.any_refs)


def _arn_match(pattern: str, arn: str) -> bool:
    if pattern == "*" or pattern == arn:
        return True
    if pattern.endswith("*"):
        return arn.startswith(pattern[:-1])
    return False


def check(ctx: StackCtx) -> None:
    selections = _Selections(ctx, ctx.of_type("aws:backup/selection:Selection"))
    skip_types = set(ctx.config["exemptTypes"])
    for store in ctx.of_type(*DATA_STORE_TYPES):
        if store.type in skip_types:
            continue
        if store.type == "aws:rds/instance:Instance" and (store.get("clusterIdentifier") or store.get("replicateSourceDb")):
            continue
        if selections.covers(store):
            continue
        if selections.may_cover(store):
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

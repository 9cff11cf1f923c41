"""Shared helpers for the Siaga policies: rule metadata, tolerant property lookup, regions, ARNs.

A rule's ``check`` reads properties through :class:`Ctx`. Reading a value that is still unknown
(``pulumi preview``) does not pass the rule silently and does not stop it either: the rule goes on,
violations found on known values are reported at the rule's level, and the unknown ones are reported
once, as an advisory "cannot be verified before deployment" diagnostic naming the resource and the
properties.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from siaga_rules import request_cache

UNKNOWNS = frozenset({UNKNOWN_ARRAY_VALUE, UNKNOWN_ARCHIVE_VALUE, UNKNOWN_ASSET_VALUE, UNKNOWN_BOOLEAN_VALUE,
                      UNKNOWN_NUMBER_VALUE, UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE})
CANNOT_VERIFY = "cannot be verified before deployment"
DEFAULT_ALLOWED_REGIONS = ["ap-southeast-3"]
CLASSIFICATION_TAG_KEYS = ("DataClassification", "dataClassification", "data-classification",
                           "data_classification", "Classification")

# ---------------------------------------------------------------------------------------------
# compliance metadata


@dataclass(frozen=True)
class Controls:
    """Controls a rule helps satisfy: NIST SP 800-53 rev5, ISO/IEC 27001:2022 Annex A, PP 71/2019, and the
    catalogue entries it implements, so the coverage table in policies/README.md is generated from the pack:
    ``fsbp`` (AWS Security Hub Foundational Security Best Practices control ids, e.g. ``RDS.3``), ``cdk_nag``
    (rule names of cdk-nag's NIST80053R5Checks pack, e.g. ``NIST.800.53.R5-RDSStorageEncrypted``) and
    ``checkov`` (Checkov check ids, e.g. ``CKV_AWS_16``). The FSBP and cdk-nag ids must be in
    policies/catalogues/ (tests/test_policy_coverage.py)."""

    nist: tuple[str, ...] = ()
    iso: tuple[str, ...] = ()
    pp71: tuple[str, ...] = ()
    fsbp: tuple[str, ...] = ()
    checkov: tuple[str, ...] = ()
    cdk_nag: tuple[str, ...] = ()

    def tags(self) -> list[str]:
        return ([f"nist-800-53-r5:{c}" for c in self.nist] + [f"iso-27001-2022:{c}" for c in self.iso]
                + [f"pp-71-2019:{c}" for c in self.pp71] + [f"fsbp:{c}" for c in self.fsbp]
                + [f"cdk-nag:{c}" for c in self.cdk_nag] + [f"checkov:{c}" for c in self.checkov])

    def framework(self) -> PolicyComplianceFramework:
        return PolicyComplianceFramework(name="NIST SP 800-53", version="rev5",
                                         reference=", ".join(self.nist) or None,
                                         specification="ISO/IEC 27001:2022 " + ", ".join(self.iso)
                                         if self.iso else None)


CATEGORY_LEVEL = {
    "encryption": EnforcementLevel.MANDATORY,
    "transit": EnforcementLevel.MANDATORY,
    "backup": EnforcementLevel.MANDATORY,
    "residency": EnforcementLevel.MANDATORY,
    "exposure": EnforcementLevel.MANDATORY,
    "availability": EnforcementLevel.ADVISORY,
    "logging": EnforcementLevel.ADVISORY,
    "visibility": EnforcementLevel.ADVISORY,
    # a failure makes `pulumi up` fail or a claimed protection silently absent; drift/hygiene rules pass
    # level=EnforcementLevel.ADVISORY themselves
    "behaviour": EnforcementLevel.MANDATORY,
}

# ---------------------------------------------------------------------------------------------
# values


class _Unknown(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def raw(value: Any) -> Any:
    """Strips the SDK's unknown-checking proxies (which raise on access) into plain dicts/lists."""
    if isinstance(value, Mapping):
        target = value["__target"] if _is_proxy(value) else value
        return {k: raw(target[k]) for k in target}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        target = value["__target"] if _is_proxy(value) else value  # type: ignore[call-overload]
        return [raw(v) for v in target]
    return value


def _is_proxy(value: Any) -> bool:
    return type(value).__name__ in ("_DictProxy", "_ListProxy", "_DictSecretsProxy", "_ListSecretsProxy")


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWNS


def has_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def lookup(obj: Any, key: str) -> Any:
    """One key of a dict, tolerant of wire (camelCase) vs snake_case names. None when absent."""
    if not isinstance(obj, dict):
        return None
    for k in (key, camel(key), snake(key)):
        if k in obj:
            return obj[k]
    return None


def as_bool(value: Any) -> bool | None:
    """Booleans arrive as bools, or as strings (launch templates, provider inputs)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------------------------------------
# ARNs and regions

ARN_RE = re.compile(r"^arn:(aws[a-zA-Z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|)?:(.+)$")


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(value: Any) -> Arn | None:
    if not isinstance(value, str):
        return None
    m = ARN_RE.match(value)
    if not m:
        return None
    return Arn(m.group(1), m.group(2), m.group(3), m.group(4) or "", m.group(5))


def arns_in(value: Any, path: str = "") -> Iterable[tuple[str, Arn]]:
    """Every ARN string anywhere inside a value (JSON policy documents included), with its path."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from arns_in(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from arns_in(v, f"{path}[{i}]")
    elif isinstance(value, str):
        arn = parse_arn(value)
        if arn:
            yield path, arn
        elif "arn:aws" in value and len(value) < 200_000:
            for m in re.finditer(r"arn:aws[a-zA-Z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9a-z]*:[^\s\"',\]]+", value):
                arn = parse_arn(m.group(0))
                if arn:
                    yield path, arn


# Services whose resources are global (no region): they hold configuration, not citizen data.
GLOBAL_MODULES = frozenset({"iam", "route53", "route53domains", "cloudfront", "organizations", "shield",
                            "globalaccelerator", "networkmanager", "waf", "budgets", "costexplorer",
                            "account", "ce", "identitystore", "ssoadmin", "route53recoverycontrol",
                            "route53recoveryreadiness", "s3control:multiRegionAccessPoint"})


def aws_module(resource_type: str) -> str | None:
    """`aws:s3/bucket:Bucket` -> `s3`; None for other packages."""
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return None
    return parts[1].split("/")[0]


def is_global_type(resource_type: str) -> bool:
    return aws_module(resource_type) in GLOBAL_MODULES


def provider_region(provider_props: Mapping[str, Any] | None) -> Any:
    if not provider_props:
        return None
    return lookup(raw(provider_props), "region")


# ---------------------------------------------------------------------------------------------
# tags and data classification

CLASS_ORDER = ["public", "internal", "confidential", "restricted"]


def tags_of(props: dict[str, Any]) -> dict[str, Any]:
    tags = lookup(props, "tags")
    return tags if isinstance(tags, dict) else {}


def provider_default_tags(provider_props: dict[str, Any] | None) -> dict[str, Any]:
    """An aws provider's `defaultTags.tags` (provider inputs carry objects as JSON strings)."""
    value = lookup(provider_props or {}, "defaultTags")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    tags = lookup(value, "tags") if isinstance(value, dict) else None
    return tags if isinstance(tags, dict) else {}


def classification_of(props: dict[str, Any], provider_props: dict[str, Any] | None = None) -> str | None:
    """The DataClassification tag: the resource's own tags, then tagsAll, then its provider's default tags."""
    all_tags = lookup(props, "tagsAll")
    tags = {**provider_default_tags(provider_props), **(all_tags if isinstance(all_tags, dict) else {}),
            **tags_of(props)}
    for key in CLASSIFICATION_TAG_KEYS:
        v = tags.get(key)
        if isinstance(v, str) and v and not is_unknown(v):
            return v.lower()
    return None


ENVIRONMENT_TAG_KEYS = ("Environment", "environment", "Env", "env")
NON_PRODUCTION_ENVIRONMENTS = ["staging", "stage", "dev", "development", "test", "testing", "sandbox", "qa", "uat"]


def environment_of(props: dict[str, Any], provider_props: dict[str, Any] | None = None) -> str | None:
    """The Environment tag (own tags, then tagsAll, then the provider's default tags), lowercased; None if untagged."""
    all_tags = lookup(props, "tagsAll")
    tags = {**provider_default_tags(provider_props), **(all_tags if isinstance(all_tags, dict) else {}),
            **tags_of(props)}
    for key in ENVIRONMENT_TAG_KEYS:
        v = tags.get(key)
        if isinstance(v, str) and v and not is_unknown(v):
            return v.lower()
    return None


def is_non_production(props: dict[str, Any], provider_props: dict[str, Any] | None = None,
                      non_production: Sequence[str] = NON_PRODUCTION_ENVIRONMENTS) -> bool:
    """True only for a resource tagged with a non-production Environment: untagged means production (the safe side),
    so relaxed tear-down rules never apply by accident."""
    env = environment_of(props, provider_props)
    return env is not None and env in {e.lower() for e in non_production}


def non_production_schema() -> ConfigProps:
    return {"nonProductionEnvironments": {
        "type": "array", "items": {"type": "string"}, "default": list(NON_PRODUCTION_ENVIRONMENTS),
        "description": "Environment tag values that mark a stack that must stay tear-down-able (no production locks)."}}


def highest_classification(values: Iterable[str | None]) -> str | None:
    best: str | None = None
    for v in values:
        if v is None:
            continue
        if best is None or (CLASS_ORDER.index(v) if v in CLASS_ORDER else 99) > (
                CLASS_ORDER.index(best) if best in CLASS_ORDER else 99):
            best = v
    return best


# ---------------------------------------------------------------------------------------------
# rule contexts


@dataclass
class Ctx:
    """What a resource rule's check sees: plain inputs, config with defaults, provider, options."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]
    config: dict[str, Any]
    provider: dict[str, Any] | None
    provider_type: str | None
    protect: bool
    stack_tags: dict[str, str]
    violations: list[str] = field(default_factory=list)
    unknown_paths: list[str] = field(default_factory=list)

    def get(self, path: str, obj: Any = None) -> Any:
        """Dotted path (`a.b.0.c`); None when absent; an unknown value stops the check (recorded)."""
        cur: Any = self.props if obj is None else obj
        walked: list[str] = []
        for part in path.split("."):
            walked.append(part)
            if isinstance(cur, list) and part.isdigit():
                idx = int(part)
                cur = cur[idx] if idx < len(cur) else None
            else:
                cur = lookup(cur, part)
            if is_unknown(cur):
                raise _Unknown(".".join(walked))
            if cur is None:
                return None
        return cur

    def present(self, path: str) -> bool:
        """True when the property is set: a non-empty value, or one still unknown at preview (an
        unknown ARN or id is set, only its value is not known yet)."""
        head, _, leaf = path.rpartition(".")
        parent = self.get(head) if head else self.props
        value = lookup(parent, leaf) if not (isinstance(parent, list) and leaf.isdigit()) else (
            parent[int(leaf)] if int(leaf) < len(parent) else None)
        return is_unknown(value) or value not in (None, "", [], {})

    def known(self, value: Any, path: str) -> Any:
        """Raises the cannot-verify signal when ``value`` is (or contains) an unknown."""
        if has_unknown(value):
            raise _Unknown(path)
        return value

    def soft_unknown(self, path: str) -> None:
        """Records an unknown without stopping the check."""
        self.unknown_paths.append(path)

    def fail(self, message: str) -> None:
        self.violations.append(message)

    def region(self) -> Any:
        """Own `region` (pulumi-aws 7), else the provider's `region`; None when neither is set."""
        own = lookup(self.props, "region")
        if own not in (None, ""):
            return own
        return lookup(self.provider or {}, "region")

    @property
    def classification(self) -> str | None:
        return classification_of(self.props, self.provider)


@dataclass
class Res:
    """A resource in a stack rule: type, name, URN, outputs, protect and parent URN."""

    type: str
    name: str
    urn: str
    source: Any
    """The SDK's PolicyResource; its outputs and provider are unwrapped on first use only (most stack
    rules look at a few types, so most resources are never unwrapped)."""
    protect: bool
    parent: str | None
    deps: dict[str, list[str]] = field(default_factory=dict)
    """Property name -> URNs of the resources its value came from (the engine's propertyDependencies)."""

    @property
    def props(self) -> dict[str, Any]:
        if "_props" not in self.__dict__:
            self.__dict__["_props"] = raw(self.source.props) if self.source is not None else {}
        return self.__dict__["_props"]

    @property
    def provider(self) -> dict[str, Any] | None:
        if "_provider" not in self.__dict__:
            prov = getattr(self.source, "provider", None)
            self.__dict__["_provider"] = raw(prov.props) if prov is not None else None
        return self.__dict__["_provider"]

    def get(self, path: str) -> Any:
        cur: Any = self.props
        for part in path.split("."):
            if isinstance(cur, list) and part.isdigit():
                idx = int(part)
                cur = cur[idx] if idx < len(cur) else None
            else:
                cur = lookup(cur, part)
            if cur is None:
                return None
        return cur

    def ids(self) -> set[str]:
        """Every string another resource may use to point at this one (id, name, ARN, URN)."""
        out = {self.urn}
        for key in ("id", "arn", "bucket", "name", "identifier", "clusterIdentifier", "dbClusterIdentifier"):
            v = lookup(self.props, key)
            if isinstance(v, str) and v and not is_unknown(v):
                out.add(v)
        arn = parse_arn(lookup(self.props, "arn"))
        if arn and "/" in arn.resource:  # outputs may lack `id`; most ARNs end with it
            out.add(arn.resource.rsplit("/", 1)[-1])
        return out

    def region(self) -> Any:
        own = lookup(self.props, "region")
        if own not in (None, ""):
            return own
        return lookup(self.provider or {}, "region")


@dataclass
class StackCtx:
    resources: list[Res]
    config: dict[str, Any]
    stack_tags: dict[str, str]
    violations: list[tuple[str, str | None]] = field(default_factory=list)
    unknown_notes: list[str] = field(default_factory=list)

    def of_type(self, *types: str) -> list[Res]:
        cache = self.__dict__.setdefault("_type_cache", {})
        if types not in cache:
            cache[types] = [r for r in self.resources if r.type in types]
        return cache[types]

    def fail(self, message: str, res: Res | None = None) -> None:
        self.violations.append((message, res.urn if res else None))

    def cannot_verify(self, res: Res, what: str) -> None:
        self.unknown_notes.append(f"{res.urn}: {what}")

    def index(self, *types: str) -> dict[str, Res]:
        """id/name/ARN/URN -> resource, for resolving references between resources (cached)."""
        cache = self.__dict__.setdefault("_index_cache", {})
        if types not in cache:
            out: dict[str, Res] = {}
            for r in self.of_type(*types) if types else self.resources:
                for key in r.ids():
                    out.setdefault(key, r)
            cache[types] = out
        return cache[types]

    def by_urn(self) -> dict[str, Res]:
        if "_by_urn" not in self.__dict__:
            self.__dict__["_by_urn"] = {r.urn: r for r in self.resources}
        return self.__dict__["_by_urn"]

    def resolve(self, res: Res, prop: str, *types: str) -> list[Res]:
        """The resources of ``types`` that ``res.prop`` refers to: through the engine's property
        dependencies first (known even at preview), then by matching ids, names and ARNs."""
        by_urn = self.by_urn()
        found = [by_urn[u] for u in res.deps.get(prop, []) if u in by_urn and by_urn[u].type in types]
        if found:
            return found
        value = res.get(prop)
        index = self.index(*types)
        out: list[Res] = []
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v in index and index[v] not in out:
                out.append(index[v])
        return out

    def stack_classification(self) -> str | None:
        """The highest DataClassification tagged on any resource or in any aws provider's default tags."""
        values = [classification_of(r.props) for r in self.resources if r.type.startswith("aws:")]
        values += [classification_of({}, r.props) for r in self.of_type("pulumi:providers:aws")]
        return highest_classification(values)


class CannotVerify(UnknownValueError):
    """Reported by the SDK as an advisory diagnostic; the message names the resource and properties."""

    def __init__(self, urn: str, paths: Sequence[str]) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, list(paths))
        shown = ", ".join(sorted(set(paths)))
        self.message = f"{CANNOT_VERIFY}: {urn}: {shown} unknown until the resources it depends on exist"


# ---------------------------------------------------------------------------------------------
# policy builders

ConfigProps = dict[str, dict[str, Any]]


def _schema(config: ConfigProps | None) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=dict(config)) if config else None


def _with_defaults(config: ConfigProps | None, given: Mapping[str, Any] | None) -> dict[str, Any]:
    out = {k: v["default"] for k, v in (config or {}).items() if "default" in v}
    for k, v in raw(dict(given or {})).items():
        if k != "enforcementLevel":
            out[k] = v
    return out


def _metadata(category: str, controls: Controls, remediation: str, level: EnforcementLevel | None,
              ) -> dict[str, Any]:
    return {
        "enforcement_level": level or CATEGORY_LEVEL[category],
        "framework": controls.framework(),
        "tags": [f"category:{category}", *controls.tags()],
        "remediation_steps": remediation,
    }


def resource_policy(*, id: str, name: str, category: str, types: Sequence[str] | Callable[[str], bool],
                    description: str, remediation: str, check: Callable[[Ctx], None], controls: Controls,
                    config: ConfigProps | None = None, level: EnforcementLevel | None = None,
                    severity: Severity = Severity.HIGH) -> ResourceValidationPolicy:
    """One resource rule. ``types``: type tokens, or a predicate on the type token."""
    matches = types if callable(types) else (lambda t, s=frozenset(types): t in s)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if not matches(args.resource_type):
            return
        prov = args.provider
        ctx = Ctx(type=args.resource_type, name=args.name, urn=args.urn, props=raw(args.props),
                  config=_with_defaults(config, args.get_config()),
                  provider=raw(prov.props) if prov is not None else None,
                  provider_type=prov.resource_type if prov is not None else None,
                  protect=bool(args.opts.protect), stack_tags=dict(args.stack_tags))
        try:
            check(ctx)
        except _Unknown as u:
            ctx.unknown_paths.append(u.path)
        for message in ctx.violations:
            report(f"{args.urn}: {message}", None)
        if ctx.unknown_paths:
            raise CannotVerify(args.urn, ctx.unknown_paths)

    return ResourceValidationPolicy(name=id, description=description, validate=validate,
                                    config_schema=_schema(config), display_name=name, severity=severity,
                                    **_metadata(category, controls, remediation, level))


def stack_policy(*, id: str, name: str, category: str, description: str, remediation: str,
                 check: Callable[[StackCtx], None], controls: Controls, config: ConfigProps | None = None,
                 level: EnforcementLevel | None = None, severity: Severity = Severity.HIGH,
                 ) -> StackValidationPolicy:
    def resources_of(args: StackValidationArgs) -> list[Res]:
        return [Res(type=r.resource_type, name=r.name, urn=r.urn, source=r,
                    protect=bool(r.opts.protect), parent=r.opts.parent or (r.parent.urn if r.parent else None),
                    deps={k: [d.urn for d in v] for k, v in (r.property_dependencies or {}).items()})
                for r in args.resources]

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        # one view of the stack for every stack policy of an AnalyzeStack call (request_cache.py): a Res unwraps its
        # properties once, and no rule changes a Res or what it unwraps
        resources = request_cache.per_call("stack-resources", lambda: resources_of(args))
        ctx = StackCtx(resources=resources, config=_with_defaults(config, args.get_config()),
                       stack_tags=dict(args.stack_tags))
        check(ctx)
        for message, urn in ctx.violations:
            report(f"{urn}: {message}" if urn else message, urn)
        if ctx.unknown_notes:
            err = CannotVerify("stack", [])
            err.message = f"{CANNOT_VERIFY}: " + "; ".join(sorted(set(ctx.unknown_notes)))
            raise err

    return StackValidationPolicy(name=id, description=description, validate=validate,
                                 config_schema=_schema(config), display_name=name, severity=severity,
                                 **_metadata(category, controls, remediation, level))


# ---------------------------------------------------------------------------------------------
# config schema fragments

def allowed_regions_schema() -> ConfigProps:
    return {"allowedRegions": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                               "default": list(DEFAULT_ALLOWED_REGIONS),
                               "description": "AWS regions data may live in (PP 71/2019: in-country)."}}


def region_label(value: Any) -> str:
    return "not set" if value in (None, "") else repr(value)


# Types treated as stateful data stores (protect, backup coverage).
DATA_STORE_TYPES = [
    "aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:dynamodb/table:Table",
    "aws:efs/fileSystem:FileSystem", "aws:ebs/volume:Volume", "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2", "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:docdb/cluster:Cluster", "aws:neptune/cluster:Cluster", "aws:redshift/cluster:Cluster",
    "aws:fsx/lustreFileSystem:LustreFileSystem", "aws:fsx/windowsFileSystem:WindowsFileSystem",
    "aws:fsx/ontapFileSystem:OntapFileSystem", "aws:fsx/openZfsFileSystem:OpenZfsFileSystem",
]
BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
RDS_TYPES = ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster")
LB_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENER_TYPES = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")


def is_read_replica(ctx_or_res: Ctx | Res) -> bool:
    src = ctx_or_res.get("replicateSourceDb")
    return bool(src)


def unresolved(ctx: StackCtx, types: Sequence[str], prop: str, *target_types: str) -> bool:
    """True when some resource of ``types`` has an unknown ``prop`` that resolves to nothing (preview)."""
    return any(has_unknown(r.get(prop)) and not ctx.resolve(r, prop, *target_types) for r in ctx.of_type(*types))


def bucket_companions(ctx: StackCtx, types: Sequence[str]) -> dict[str, list[Res]]:
    """bucket URN -> the companion resources (versioning, encryption, ...) that point at it."""
    out: dict[str, list[Res]] = {b.urn: [] for b in ctx.of_type(*BUCKET_TYPES)}
    for comp in ctx.of_type(*types):
        for target in ctx.resolve(comp, "bucket", *BUCKET_TYPES):
            out[target.urn].append(comp)
    return out


# ---------------------------------------------------------------------------------------------
# Kubernetes workloads

REPLICATED_KINDS = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet")
POD_TEMPLATE_PATHS = {
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
    "kubernetes:core/v1:Pod": "spec",
}
ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")


def pod_spec_path(resource_type: str) -> str | None:
    return POD_TEMPLATE_PATHS.get(resource_type)


def containers_of(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in as_list(lookup(spec, key)):
            if isinstance(c, dict):
                out.append((f"{key}[{c.get('name', '?')}]", c))
    return out

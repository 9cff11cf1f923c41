"""What the resource graph says about redundancy, failover and recovery: the facts every document reads.

Only resource types and their settings are used (never names), so a graph from any program that
creates these AWS resources can be documented. Absent settings take the AWS API's default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from components import failover_time
from components.config import ConfigError, StackConfig, parse_config
from siaga.documents.facts import Facts
from siaga.engine.model import UNKNOWN, Graph, Resource, plain
from siaga.i18n import N_

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
RT_ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ASG = "aws:autoscaling/group:Group"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
ALB_ALIAS = "aws:alb/loadBalancer:LoadBalancer"
TARGET_GROUP = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
DB_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
RECORD = "aws:route53/record:Record"
BACKUP_PLAN = "aws:backup/plan:Plan"
BACKUP_VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
BACKUP_SELECTION = "aws:backup/selection:Selection"
GUARDDUTY = "aws:guardduty/detector:Detector"
CLOUDTRAIL = "aws:cloudtrail/trail:Trail"
IAM_ROLE = "aws:iam/role:Role"
SECRET = "aws:secretsmanager/secret:Secret"
DMS_TASK = "aws:dms/replicationTask:ReplicationTask"
DMS_ENDPOINT = "aws:dms/endpoint:Endpoint"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DMS_TASK_LIMIT_DOC = "https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html#CHAP_Monitoring.Metrics.Task"

# AWS API defaults for settings a program may leave out
R53_DEFAULT_INTERVAL = 30
R53_DEFAULT_THRESHOLD = 3
ELB_ALIAS_TTL = failover_time.ELB_ALIAS_TTL
"""Route 53 answers an alias to an Elastic Load Balancer with the load balancer's TTL, 60 s."""
TG_DEFAULT_INTERVAL = 30
TG_DEFAULT_UNHEALTHY = 2
ASG_DEFAULT_GRACE = 300
PITR_LOG_UPLOAD_MINUTES = 5
"""RDS uploads transaction logs every 5 minutes: the latest restorable time is at most ~5 min old."""


def _num(value: Any, default: float | None = None) -> float | None:
    if isinstance(value, bool) or value in (None, "", UNKNOWN):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value and value != UNKNOWN else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def prop(r: Resource, key: str) -> Any:
    """A property from the inputs, else from the outputs (computed by the provider or the mocks)."""
    inputs = r.plain_inputs()
    if key in inputs:
        return inputs[key]
    return plain(r.outputs.get(key))


@dataclass
class HealthCheck:
    resource: Resource
    interval: int
    threshold: int
    target: str
    type: str = "HTTPS"

    @property
    def detection_seconds(self) -> int:
        """Worst-case detection by every checker (components.failover_time): threshold x (interval + probe timeout)."""
        return self.threshold * (self.interval + failover_time.probe_timeout_seconds(self.type))


@dataclass
class FailoverRecord:
    resource: Resource
    role: str  # PRIMARY | SECONDARY
    health_check: HealthCheck | None
    ttl: int
    alias: bool
    zone_id: str
    name: str
    target: str


@dataclass
class DatabaseFacts:
    resource: Resource
    kind: str  # multi-az-instance | multi-az-cluster | aurora | single-az-instance
    identifier: str
    zones: list[str]
    retention_days: int
    encrypted: bool
    kms_key: str | None
    subnet_group: str | None
    security_groups: list[str]
    arn: str | None

    @property
    def multi_az(self) -> bool:
        return self.kind != "single-az-instance"

    @property
    def failover_seconds(self) -> tuple[int, int] | None:
        """AWS's published typical failover time (low, high) for this deployment, None if no standby."""
        return FAILOVER_SECONDS.get(self.kind)


FAILOVER_SECONDS: dict[str, tuple[int, int]] = {
    "multi-az-instance": (60, 120),
    "multi-az-cluster": (0, 35),
    "aurora": (0, 60),  # not a Siaga mode; AWS quotes "typically under 30 s" to "60 s" in places: the larger is used
}
FAILOVER_DOCS: dict[str, tuple[str, str]] = {
    # (source, note): a note in double quotes is AWS's own words, quoted and never translated; the others are ours
    "multi-az-instance": ("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html",
                          "\"Failover times are typically 60–120 seconds\""),
    "multi-az-cluster": ("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-failover.html",
                         "\"Failover times are typically under 35 seconds\""),
    "aurora": ("https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html",
               N_("conservative upper bound of 60 s")),
}


def failover_source(kind: str, gettext: Callable[[str], str] = str) -> str:
    """``source (note)`` for a database failover figure; our notes go through ``gettext``, AWS's quotes do not."""
    url, note = FAILOVER_DOCS[kind]
    return f"{url} ({note if note.startswith(chr(34)) else gettext(note)})"


FAILOVER_SOURCES = {kind: failover_source(kind) for kind in FAILOVER_DOCS}


@dataclass
class BackupRule:
    plan: Resource
    name: str
    schedule: str | None
    continuous: bool
    delete_after_days: int | None
    vault: str | None
    copies_to: list[str]

    @property
    def interval_hours(self) -> float | None:
        if self.continuous:
            return PITR_LOG_UPLOAD_MINUTES / 60
        return cron_interval_hours(self.schedule) if self.schedule else None


@dataclass
class VaultFacts:
    resource: Resource
    name: str
    kms_key: str | None
    lock_min_days: int | None = None
    lock_max_days: int | None = None
    lock_changeable_days: int | None = None


@dataclass
class ReplicationFacts:
    """A DMS full-load-and-CDC task to a target outside AWS, and the CDC latency alarm bounding its lag."""

    task: Resource
    task_id: str
    instance_id: str | None
    target_server: str | None
    """``host:port`` recorded on the target endpoint (the secret holds the credentials)."""
    latency_threshold_seconds: float | None
    """The lowest CDCLatencyTarget alarm threshold on this task's instance: the region-loss RPO while it is OK."""
    alarm_period_seconds: float | None = None


@dataclass
class Topology:
    graph: Graph
    config: StackConfig | None
    subnet_zone: dict[str, str]
    zones: list[str]
    asgs: list[tuple[Resource, list[str]]]
    """Application tiers: Auto Scaling groups, and EKS clusters (their node groups together), with their AZs."""
    app_min_size: dict[str, int]
    """urn of an application tier -> its minimum instance count (ASG minSize; sum of node groups' minSize)."""
    lbs: list[tuple[Resource, list[str]]]
    nats: list[tuple[Resource, str | None]]
    private_nat_zone: dict[str, str | None]
    """zone of a private subnet -> zone of the NAT its route table uses (None: no NAT route)."""
    target_groups: list[Resource]
    databases: list[DatabaseFacts]
    health_checks: dict[str, HealthCheck]
    failover: list[FailoverRecord]
    backup_rules: list[BackupRule]
    vaults: list[VaultFacts]
    selections: list[Resource]
    index: dict[str, Resource] = field(default_factory=dict)
    replications: list[ReplicationFacts] = field(default_factory=list)
    """Continuous replication to the standby (DMS full-load-and-cdc tasks)."""
    facts: Facts = field(default_factory=Facts)
    """Which values only the deployment knows, and the deployment's own values when given (siaga/documents/facts)."""

    def region_loss_rpo_seconds(self) -> float | None:
        """Data the standby lacks when the AWS site is lost: the CDC latency alarm's threshold (while the alarm is
        OK, the standby is at most that far behind; a breach pages the TTIS within one alarm period). None without
        a replication task with such an alarm."""
        bounds = [r.latency_threshold_seconds for r in self.replications if r.latency_threshold_seconds is not None]
        return min(bounds) if bounds else None

    # ---- derived figures -------------------------------------------------------------------
    @property
    def primary(self) -> FailoverRecord | None:
        return next((r for r in self.failover if r.role == "PRIMARY"), None)

    @property
    def secondary(self) -> FailoverRecord | None:
        return next((r for r in self.failover if r.role == "SECONDARY"), None)

    def dns_failover_estimate(self) -> failover_time.Estimate | None:
        """Worst case until TTL-honouring clients reach the standby (components.failover_time.worst_case): the
        PRIMARY's health check settings and the TTL of the PRIMARY's answer (the ELB's 60 s for an alias)."""
        p, s = self.primary, self.secondary
        if p is None or p.health_check is None or s is None:
            return None
        hc = p.health_check
        return failover_time.worst_case(hc.interval, hc.threshold, p.ttl, check_type=hc.type)

    def dns_failback_estimate(self) -> failover_time.Estimate | None:
        """Worst case until clients are back on the recovered PRIMARY: its checks, then the SECONDARY answer's TTL."""
        p, s = self.primary, self.secondary
        if p is None or p.health_check is None or s is None:
            return None
        hc = p.health_check
        return failover_time.worst_case(hc.interval, hc.threshold, s.ttl, check_type=hc.type, direction="failback")

    def dns_failover_seconds(self) -> int | None:
        """Worst-case failover seconds (:meth:`dns_failover_estimate`)."""
        est = self.dns_failover_estimate()
        return est.seconds if est is not None else None

    def target_group_detection_seconds(self) -> int:
        worst = 0
        for tg in self.target_groups:
            hc = prop(tg, "healthCheck") or {}
            hc = hc[0] if isinstance(hc, list) and hc else hc
            interval = int(_num(hc.get("interval") if isinstance(hc, dict) else None, TG_DEFAULT_INTERVAL) or TG_DEFAULT_INTERVAL)
            unhealthy = int(_num(hc.get("unhealthyThreshold") if isinstance(hc, dict) else None, TG_DEFAULT_UNHEALTHY)
                            or TG_DEFAULT_UNHEALTHY)
            worst = max(worst, interval * unhealthy)
        return worst or TG_DEFAULT_INTERVAL * TG_DEFAULT_UNHEALTHY

    def app_zones(self) -> list[str]:
        zs: set[str] = set()
        for _, zones in self.asgs:
            zs.update(zones)
        return sorted(zs)

    def lb_zones(self) -> list[str]:
        zs: set[str] = set()
        for _, zones in self.lbs:
            zs.update(zones)
        return sorted(zs)

    def nat_zones(self) -> list[str]:
        return sorted({z for _, z in self.nats if z})

    def best_backup_rpo_hours(self) -> float | None:
        intervals = [r.interval_hours for r in self.backup_rules if r.interval_hours is not None]
        return min(intervals) if intervals else None

    def covered_by_backup(self, r: Resource) -> bool:
        refs: set[str] = set()
        tag_rules: list[tuple[str, str]] = []
        for sel in self.selections:
            refs.update(str(x) for x in _list(prop(sel, "resources")))
            for t in _list(prop(sel, "selectionTags")):
                if isinstance(t, dict) and _str(t.get("key")):
                    tag_rules.append((t["key"], str(t.get("value"))))
            for cond in _list(prop(sel, "conditions")):
                for t in _list(cond.get("stringEquals")) if isinstance(cond, dict) else []:
                    if isinstance(t, dict) and _str(t.get("key")):
                        tag_rules.append((str(t["key"]).removeprefix("aws:ResourceTag/"), str(t.get("value"))))
        if "*" in refs:
            return True
        ids = {x for x in (r.id, _str(prop(r, "arn")), r.urn) if x}
        for ref in refs:
            if ref in ids or any(ref.endswith(":" + i) for i in ids if i):
                return True
        tags = self.tags_of(r)
        return any(tags.get(k) == v for k, v in tag_rules)

    def tags_of(self, r: Resource) -> dict[str, str]:
        """The resource's tags with its provider's default tags underneath (as AWS applies them)."""
        out: dict[str, str] = {}
        prov = self.graph.by_urn().get(r.provider_urn or "")
        if prov is not None:
            default = prov.plain_inputs().get("defaultTags")
            if isinstance(default, str):
                try:
                    default = json.loads(default)
                except ValueError:
                    default = None
            if isinstance(default, dict) and isinstance(default.get("tags"), dict):
                out.update({str(k): str(v) for k, v in default["tags"].items()})
        own = prop(r, "tags")
        if isinstance(own, dict):
            out.update({str(k): str(v) for k, v in own.items()})
        return out

    def contacts(self) -> list[dict[str, str]]:
        if self.config is None:
            return []
        return [c.model_dump(exclude_none=True) for c in self.config.alertContacts]


# ---- cron -----------------------------------------------------------------------------------------
def cron_interval_hours(expr: str) -> float | None:
    """Longest gap between runs of an AWS cron expression ``cron(min hour dom month dow year)``, in hours."""
    m = re.fullmatch(r"cron\((.+)\)", expr.strip())
    if not m:
        rate = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expr.strip())
        if not rate:
            return None
        n, unit = int(rate.group(1)), rate.group(2)
        return n / 60 if unit.startswith("minute") else n if unit.startswith("hour") else n * 24.0
    fields = m.group(1).split()
    if len(fields) != 6:
        return None
    minute, hour, dom, _month, dow, _year = fields
    if dom not in ("*", "?"):
        return 31 * 24.0
    if dow not in ("*", "?"):
        days = len(dow.split(",")) if "-" not in dow else 7
        return 24.0 * 7 / max(days, 1)
    if hour == "*":
        return 1.0 if "/" not in minute else int(minute.split("/")[1]) / 60
    if hour.startswith("*/") or "/" in hour:
        return float(int(hour.split("/")[1]))
    if "," in hour:
        hours = sorted(int(h) for h in hour.split(","))
        gaps = [b - a for a, b in zip(hours, hours[1:] + [hours[0] + 24], strict=True)]
        return float(max(gaps))
    return 24.0


# ---- extraction -----------------------------------------------------------------------------------
def _index(graph: Graph) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    for r in graph.resources:
        if not r.custom or r.is_provider:
            continue
        for key in (r.id, _str(prop(r, "arn")), _str(prop(r, "name")), _str(prop(r, "identifier"))):
            if key:
                out.setdefault(key, r)
        out[r.urn] = r
    return out


def _zone(subnet: Resource) -> str | None:
    return _str(prop(subnet, "availabilityZoneId")) or _str(prop(subnet, "availabilityZone"))


def _config(graph: Graph) -> StackConfig | None:
    if not any(k.startswith("siaga:") for k in graph.config):
        return None
    try:
        return parse_config(graph.config)
    except ConfigError:
        return None


def in_canonical_order(graph: Graph) -> Graph:
    """``graph`` with its resources ordered by URN. The engine records resources as registrations arrive, and
    independent ones arrive in a different order from run to run (the program's RPCs run concurrently): documents
    built on that order listed the same roles, boxes and rows differently each time. Auditors diff documents, so
    every document is built from this order: the same stack gives the same files."""
    return graph.model_copy(update={"resources": sorted(graph.resources, key=lambda r: r.urn)})


def analyse(graph: Graph, known: Facts | None = None) -> Topology:
    """The topology of ``graph``; ``known``: the deployment's outputs/state for the values only it knows (default:
    none given, so those values are shown as known after ``pulumi up``)."""
    graph = in_canonical_order(graph)
    index = _index(graph)
    subnet_zone: dict[str, str] = {}
    for s in graph.of_type(SUBNET):
        z = _zone(s)
        if z:
            subnet_zone[s.id] = z

    def zones_of(ids: Any) -> list[str]:
        return sorted({subnet_zone[i] for i in _list(ids) if i in subnet_zone})

    asgs = [(a, zones_of(prop(a, "vpcZoneIdentifiers"))) for a in graph.of_type(ASG)]
    app_min = {a.urn: int(_num(prop(a, "minSize"), 0) or 0) for a, _ in asgs}
    app_subnets = {i for a, _ in asgs for i in _list(prop(a, "vpcZoneIdentifiers"))}
    by_cluster: dict[str, list[Resource]] = {}
    for ng in graph.of_type(EKS_NODE_GROUP):
        by_cluster.setdefault(str(prop(ng, "clusterName")), []).append(ng)
    for cluster_name, groups in sorted(by_cluster.items()):
        owner = index.get(cluster_name) or next((c for c in graph.of_type(EKS_CLUSTER) if prop(c, "name") == cluster_name), groups[0])
        subnets = [i for ng in groups for i in _list(prop(ng, "subnetIds"))]
        app_subnets.update(str(i) for i in subnets)
        asgs.append((owner, zones_of(subnets)))
        app_min[owner.urn] = sum(int(_num((prop(ng, "scalingConfig") or {}).get("minSize"), 0) or 0) for ng in groups)
    lbs = []
    for lb in graph.of_type(LB, ALB_ALIAS):
        ids = _list(prop(lb, "subnets")) + [m.get("subnetId") for m in _list(prop(lb, "subnetMappings")) if isinstance(m, dict)]
        lbs.append((lb, zones_of(ids)))
    nats = [(n, subnet_zone.get(str(prop(n, "subnetId")))) for n in graph.of_type(NAT)]
    nat_zone = {n.id: z for n, z in nats}

    # route table -> NAT zone (inline routes or aws:ec2/route:Route), association -> subnet zone
    rt_nat: dict[str, str | None] = {}
    for rt in graph.of_type(ROUTE_TABLE):
        for route in _list(prop(rt, "routes")):
            if isinstance(route, dict) and route.get("natGatewayId") in nat_zone:
                rt_nat[rt.id] = nat_zone[route["natGatewayId"]]
    for route in graph.of_type(ROUTE):
        nid = prop(route, "natGatewayId")
        if nid in nat_zone:
            rt_nat[str(prop(route, "routeTableId"))] = nat_zone[nid]
    private_nat_zone: dict[str, str | None] = {}
    for assoc in graph.of_type(RT_ASSOC):
        sid = str(prop(assoc, "subnetId"))
        if sid in app_subnets and sid in subnet_zone:
            private_nat_zone[subnet_zone[sid]] = rt_nat.get(str(prop(assoc, "routeTableId")))

    subnet_groups: dict[str, list[str]] = {}
    for sg in graph.of_type(DB_SUBNET_GROUP):
        zs = zones_of(prop(sg, "subnetIds"))
        for key in (sg.id, _str(prop(sg, "name"))):
            if key:
                subnet_groups[key] = zs
    databases: list[DatabaseFacts] = []
    for db in graph.of_type(RDS_INSTANCE, RDS_CLUSTER):
        if db.type == RDS_INSTANCE and _str(prop(db, "clusterIdentifier")):
            continue  # a member of a cluster, documented with the cluster
        engine = str(prop(db, "engine") or "")
        if db.type == RDS_CLUSTER:
            kind = "aurora" if engine.startswith("aurora") else "multi-az-cluster"
        else:
            kind = "multi-az-instance" if prop(db, "multiAz") is True else "single-az-instance"
        group = _str(prop(db, "dbSubnetGroupName"))
        zones = subnet_groups.get(group or "", [])
        if not zones and len(subnet_groups) == 1:
            zones = next(iter(subnet_groups.values()))
        az = _str(prop(db, "availabilityZone"))
        if kind == "single-az-instance":
            zones = [az] if az else zones[:1]
        ident = (_str(db.plain_inputs().get("identifier")) or _str(db.plain_inputs().get("clusterIdentifier"))
                 or f"{db.name}-<auto>")  # Pulumi auto-names it: the real identifier is known only once deployed
        databases.append(DatabaseFacts(
            resource=db, kind=kind, identifier=ident, zones=zones,
            retention_days=int(_num(prop(db, "backupRetentionPeriod"), 1 if db.type == RDS_CLUSTER else 0) or 0),
            encrypted=prop(db, "storageEncrypted") is True, kms_key=_str(prop(db, "kmsKeyId")),
            subnet_group=group, security_groups=[str(x) for x in _list(prop(db, "vpcSecurityGroupIds"))],
            arn=_str(prop(db, "arn"))))

    health_checks: dict[str, HealthCheck] = {}
    for hc in graph.of_type(HEALTH_CHECK):
        health_checks[hc.id] = HealthCheck(
            resource=hc,
            interval=int(_num(prop(hc, "requestInterval"), R53_DEFAULT_INTERVAL) or R53_DEFAULT_INTERVAL),
            threshold=int(_num(prop(hc, "failureThreshold"), R53_DEFAULT_THRESHOLD) or R53_DEFAULT_THRESHOLD),
            target=_str(prop(hc, "fqdn")) or _str(prop(hc, "ipAddress")) or "?",
            type=_str(prop(hc, "type")) or "HTTPS")
    failover: list[FailoverRecord] = []
    for rec in graph.of_type(RECORD):
        policies = [p for p in _list(prop(rec, "failoverRoutingPolicies")) if isinstance(p, dict)]
        if not policies:
            continue
        aliases = [a for a in _list(prop(rec, "aliases")) if isinstance(a, dict)]
        ttl = ELB_ALIAS_TTL if aliases else int(_num(prop(rec, "ttl"), 300) or 300)
        target = _str(aliases[0].get("name")) if aliases else ", ".join(str(x) for x in _list(prop(rec, "records")))
        failover.append(FailoverRecord(
            resource=rec, role=str(policies[0].get("type", "")).upper(),
            health_check=health_checks.get(str(prop(rec, "healthCheckId"))), ttl=ttl, alias=bool(aliases),
            zone_id=_str(prop(rec, "zoneId")) or "?", name=_str(prop(rec, "name")) or "?", target=target or "?"))

    backup_rules: list[BackupRule] = []
    for plan in graph.of_type(BACKUP_PLAN):
        for rule in _list(prop(plan, "rules")):
            if not isinstance(rule, dict):
                continue
            life = rule.get("lifecycle") or {}
            backup_rules.append(BackupRule(
                plan=plan, name=str(rule.get("ruleName", "?")), schedule=_str(rule.get("schedule")),
                continuous=rule.get("enableContinuousBackup") is True,
                delete_after_days=int(life["deleteAfter"]) if isinstance(life, dict) and _num(life.get("deleteAfter")) else None,
                vault=_str(rule.get("targetVaultName")),
                copies_to=[str(c.get("destinationVaultArn")) for c in _list(rule.get("copyActions")) if isinstance(c, dict)]))
    vaults: list[VaultFacts] = []
    by_vault_name: dict[str, VaultFacts] = {}
    for v in graph.of_type(BACKUP_VAULT):
        facts = VaultFacts(resource=v, name=_str(prop(v, "name")) or v.id, kms_key=_str(prop(v, "kmsKeyArn")))
        vaults.append(facts)
        by_vault_name[facts.name] = facts
        by_vault_name[v.id] = facts
    for lock in graph.of_type(VAULT_LOCK):
        facts = by_vault_name.get(str(prop(lock, "backupVaultName")))
        if facts is None and len(vaults) == 1:
            facts = vaults[0]
        if facts is not None:
            facts.lock_min_days = int(_num(prop(lock, "minRetentionDays"), 0) or 0) or None
            facts.lock_max_days = int(_num(prop(lock, "maxRetentionDays"), 0) or 0) or None
            facts.lock_changeable_days = int(_num(prop(lock, "changeableForDays"), 0) or 0) or None

    replications: list[ReplicationFacts] = []
    endpoints = {x: e for e in graph.of_type(DMS_ENDPOINT) for x in (e.id, _str(prop(e, "endpointArn")), e.urn) if x}
    latency: dict[str, list[tuple[float, float | None]]] = {}
    for alarm in graph.of_type(METRIC_ALARM):
        if prop(alarm, "namespace") != "AWS/DMS" or prop(alarm, "metricName") != "CDCLatencyTarget":
            continue
        dims = prop(alarm, "dimensions") or {}
        threshold = _num(prop(alarm, "threshold"))
        if isinstance(dims, dict) and threshold is not None:
            latency.setdefault(str(dims.get("ReplicationInstanceIdentifier")), []).append(
                (threshold, _num(prop(alarm, "period"))))
    by_urn = graph.by_urn()

    def linked(res: Resource, key: str, table: dict[str, Resource], rtype: str) -> Resource | None:
        """The resource ``key`` refers to: by the engine's property dependencies first (ARNs are unknown at
        preview), then by value."""
        for urn in res.options.propertyDependencies.get(key, []):
            dep = by_urn.get(urn)
            if dep is not None and dep.type == rtype:
                return dep
        found = table.get(str(prop(res, key)))
        if found is None:  # an output-only ARN a preview does not know: the graph's only such resource, if one
            only = {r.urn: r for r in table.values() if r.type == rtype and (rtype != DMS_ENDPOINT or
                                                                            prop(r, "endpointType") == "target")}
            found = next(iter(only.values())) if len(only) == 1 else None
        return found

    instances = {x: i for i in graph.of_type("aws:dms/replicationInstance:ReplicationInstance")
                 for x in (i.id, _str(prop(i, "replicationInstanceArn")), i.urn) if x}
    for task in graph.of_type(DMS_TASK):
        if prop(task, "migrationType") != "full-load-and-cdc":
            continue
        inst = linked(task, "replicationInstanceArn", instances, "aws:dms/replicationInstance:ReplicationInstance")
        inst_id = _str(prop(inst, "replicationInstanceId")) if inst is not None else None
        target = linked(task, "targetEndpointArn", endpoints, DMS_ENDPOINT)
        tags = prop(target, "tags") if target is not None else None
        server = _str(tags.get("siaga.go.id/server")) if isinstance(tags, dict) else None
        bound = min(latency.get(inst_id or "", []), default=None)
        replications.append(ReplicationFacts(
            task=task, task_id=_str(prop(task, "replicationTaskId")) or task.name, instance_id=inst_id,
            target_server=server, latency_threshold_seconds=bound[0] if bound else None,
            alarm_period_seconds=bound[1] if bound else None))

    return Topology(
        replications=replications,
        graph=graph, config=_config(graph), subnet_zone=subnet_zone, zones=sorted(set(subnet_zone.values())),
        asgs=asgs, app_min_size=app_min, lbs=lbs, nats=nats, private_nat_zone=private_nat_zone,
        target_groups=graph.of_type(*TARGET_GROUP), databases=databases, health_checks=health_checks,
        failover=failover, backup_rules=backup_rules, vaults=vaults, selections=graph.of_type(BACKUP_SELECTION),
        index=index, facts=known if known is not None else Facts.of(graph))

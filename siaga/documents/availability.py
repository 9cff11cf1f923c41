"""Availability budget: a composite estimate from published AWS SLAs and the redundancy the graph has.

Model (stated in the document): tiers in series multiply; the application tier is a parallel system
of one path per AZ it spans (a path = the instances of that AZ and the NAT gateway they route
through), each path at the single-AZ figure; a zonal resource shared by several AZs (one NAT for
all) is in series with them. Failures of AZs are assumed independent, which is optimistic; the
SLAs are AWS's commitments (credits below them), not measurements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.config import AzSizing
from components.failover_time import Estimate
from siaga.documents.topology import ASG, Topology

MINUTES_PER_YEAR = 365 * 24 * 60


@dataclass(frozen=True)
class Sla:
    service: str
    percent: float
    url: str


SLAS = {
    "ec2_region": Sla("Amazon EC2, instances across two or more AZs (Region-Level SLA)", 99.99, "https://aws.amazon.com/compute/sla/"),
    "ec2_instance": Sla("Amazon EC2, a single instance (Instance-Level SLA)", 99.5, "https://aws.amazon.com/compute/sla/"),
    "elb": Sla("Elastic Load Balancing (ALB)", 99.99, "https://aws.amazon.com/elasticloadbalancing/sla/"),
    "rds_multi_az": Sla("Amazon RDS Multi-AZ instance / Multi-AZ DB cluster", 99.95, "https://aws.amazon.com/rds/sla/"),
    "rds_single_az": Sla("Amazon RDS Single-AZ instance", 99.5, "https://aws.amazon.com/rds/sla/"),
    "route53": Sla("Amazon Route 53 (DNS query answering)", 100.0, "https://aws.amazon.com/route53/sla/"),
}
ZONAL_ASSUMPTION = ("NAT gateways have no SLA of their own; a NAT gateway is zonal, so it is counted at the only "
                    "published single-AZ commitment, the EC2 Instance-Level SLA (99.5 %).")


@dataclass
class Tier:
    name: str
    availability: float  # fraction
    basis: str


DESIGN_AVAILABILITY_PERCENT = 99.99
"""What the reference stacks are designed for (README, context: <= 0.01 % downtime a year)."""
SECONDS_PER_YEAR = MINUTES_PER_YEAR * 60


@dataclass(frozen=True)
class StandbySite:
    """The standby as a parallel site: the service is down when both sites are down at once, plus the DNS failover
    worst case for each failover event (users wait for Route 53 and their resolvers' TTL while the standby is up).

    composite = A_dns x (1 - (1 - A_aws) x (1 - A_standby)) - n x F / Y
    with A_aws the AWS site's tiers in series, n failovers a year, F their worst case in seconds, Y a year in seconds.
    Failback costs no downtime (both sides serve while resolvers move back). Independence of the two sites is
    assumed: they share no AWS region, power or network, only the public internet and Route 53."""

    availability: float
    """Declared by the data centre (``siaga:standby.availabilityPercent``), as a fraction."""
    failovers_per_year: int
    failover_seconds: int

    @property
    def failover_fraction(self) -> float:
        return self.failovers_per_year * self.failover_seconds / SECONDS_PER_YEAR

    def composite(self, dns: float, primary: float) -> float:
        return dns * (1 - (1 - primary) * (1 - self.availability)) - self.failover_fraction

    def max_failovers(self, dns: float, primary: float, target_percent: float = DESIGN_AVAILABILITY_PERCENT) -> int:
        """Failovers a year the design target leaves room for at this failover time."""
        spare = dns * (1 - (1 - primary) * (1 - self.availability)) - target_percent / 100
        return max(int(spare * SECONDS_PER_YEAR // self.failover_seconds), 0) if self.failover_seconds else 0

    def min_standby_availability(self, dns: float, primary: float,
                                 target_percent: float = DESIGN_AVAILABILITY_PERCENT) -> float | None:
        """The standby availability the design target needs with this many failovers (None: unreachable)."""
        if primary >= 1 or dns <= 0:
            return 0.0
        need = 1 - (target_percent / 100 + self.failover_fraction) / dns  # max allowed (1-Ap)(1-As)
        if need < 0:
            return None
        return max(1 - need / (1 - primary), 0.0)


@dataclass
class Budget:
    tiers: list[Tier]
    spofs: list[str]
    warnings: list[str]
    target_downtime_percent: float
    sources: list[Sla] = field(default_factory=lambda: list(SLAS.values()))
    failover: Estimate | None = None
    """Worst-case whole-site DNS failover (components.failover_time): the downtime one loss of the site costs."""
    failback: Estimate | None = None

    @property
    def site_losses_absorbed(self) -> int | None:
        """How many whole-site failovers (at their worst case) the yearly downtime target leaves room for, after the
        expected downtime of the tiers; None without a failover."""
        if self.failover is None or self.failover.seconds <= 0:
            return None
        spare = (self.allowed_minutes_per_year - self.downtime_minutes_per_year) * 60
        return max(int(spare // self.failover.seconds), 0)
    az_loss: list[str] = field(default_factory=list)
    """Per application tier: the capacity left right after losing one AZ, computed from the graph (minSize, AZs)
    and the config (instances needed, replacement boot time)."""
    standby: StandbySite | None = None
    """The standby as a parallel site (only when it has the data: a replication task in the graph)."""
    standby_excluded: str | None = None
    """Why the standby is not counted (no replication, static site, no failover records)."""

    @property
    def dns_availability(self) -> float:
        a = 1.0
        for t in self.tiers:
            if t.name.startswith("DNS"):
                a *= t.availability
        return a

    @property
    def primary_availability(self) -> float:
        """The AWS site alone: every serving tier in series."""
        a = 1.0
        for t in self.tiers:
            if not t.name.startswith("DNS"):
                a *= t.availability
        return a

    @property
    def availability(self) -> float:
        """DNS x (AWS site in parallel with the standby) - failover downtime; without a standby, DNS x AWS site."""
        if self.standby is None:
            return self.dns_availability * self.primary_availability
        return self.standby.composite(self.dns_availability, self.primary_availability)

    @property
    def downtime_percent(self) -> float:
        return (1 - self.availability) * 100

    @property
    def downtime_minutes_per_year(self) -> float:
        return (1 - self.availability) * MINUTES_PER_YEAR

    @property
    def allowed_minutes_per_year(self) -> float:
        return self.target_downtime_percent / 100 * MINUTES_PER_YEAR

    @property
    def estimable(self) -> bool:
        """False when the graph has no serving tier (load balancer, application, database) to estimate."""
        return any(not t.name.startswith("DNS") for t in self.tiers)

    @property
    def meets_target(self) -> bool:
        return self.estimable and self.downtime_percent <= self.target_downtime_percent + 1e-12


def _pct(sla: str) -> float:
    return SLAS[sla].percent / 100


def az_loss_sizings(topo: Topology) -> list[tuple[str, AzSizing]]:
    """Each application tier's size after losing one AZ: its minSize and AZs from the graph; what the service needs
    (``siaga:cluster.minCapacity``) and the replacement boot time (``bootSeconds``) from the config, for Auto Scaling
    groups. An ASG balances its instances across AZs but keeps no per-AZ minimum, so what survives is minSize minus
    the largest AZ's share (components/config.py AzSizing, with the EC2 Auto Scaling sources)."""
    out: list[tuple[str, AzSizing]] = []
    cluster = topo.config.cluster if topo.config and topo.config.platform == "ec2" else None
    for asg, zones in topo.asgs:
        if not zones:
            continue
        is_asg = asg.type == ASG
        out.append((asg.name, AzSizing.observed(
            min_size=topo.app_min_size.get(asg.urn, 0), az_count=len(zones),
            required=cluster.minCapacity if cluster and is_asg else None,
            boot_seconds=cluster.bootSeconds if cluster and is_asg else None,
            unit="instances" if is_asg else "nodes")))
    return out


def budget(topo: Topology) -> Budget:
    tiers: list[Tier] = []
    spofs: list[str] = []
    warnings: list[str] = []
    target = topo.config.availabilityTargetDowntimePercent if topo.config else 0.1

    # DNS
    if topo.failover:
        tiers.append(Tier("DNS (Route 53 failover records)", _pct("route53"), f"Route 53 SLA {SLAS['route53'].percent} %"))
        if topo.primary is None or topo.primary.health_check is None:
            spofs.append("DNS: the PRIMARY failover record has no health check, so Route 53 never fails over")
        if topo.secondary is None:
            spofs.append("Whole site: no SECONDARY failover record - nothing to fail over to if the region is lost")
    else:
        spofs.append("Whole site: no Route 53 failover records - the region is a single point of failure")

    # load balancer
    for lb, zones in topo.lbs:
        tiers.append(Tier(f"Load balancer {lb.name} ({len(zones)} AZ)", _pct("elb"), f"ELB SLA {SLAS['elb'].percent} %"))
        if len(zones) < 2:
            spofs.append(f"Load balancer {lb.name}: subnets in {len(zones)} AZ ({', '.join(zones) or 'unknown'})")

    # application tier: parallel per-AZ paths, each = instances (single-AZ figure) x NAT of that path
    single = _pct("ec2_instance")
    for asg, zones in topo.asgs:
        min_size = topo.app_min_size.get(asg.urn, 0)
        nat_zones = topo.nat_zones()
        shared_nat = len(topo.nats) > 0 and len(nat_zones) < len(zones)
        per_path = single
        routed = [z for z in zones if topo.private_nat_zone.get(z) is not None]
        cross = [z for z in routed if topo.private_nat_zone.get(z) != z]
        if topo.nats and not shared_nat and not cross:
            per_path = single * single
        paths = 1 - (1 - per_path) ** max(len(zones), 1)
        basis = f"{len(zones)} AZ in parallel, each {per_path * 100:.3f} % ({'instances x own NAT' if per_path != single else 'instances'})"
        avail = paths
        if shared_nat or cross:
            avail *= single
            basis += f" x shared NAT {single * 100:.1f} %"
            spofs.append(f"NAT: {len(topo.nats)} NAT gateway(s) in {', '.join(nat_zones) or '?'} serve application subnets in "
                         f"{', '.join(zones)} - losing {'that AZ' if len(nat_zones) == 1 else 'one AZ'} cuts egress for the others")
        kind = "EKS node groups" if asg.type != "aws:autoscaling/group:Group" else "ASG"
        tiers.append(Tier(f"Application {asg.name} ({kind}, {len(zones)} AZ, min {min_size})", avail, basis))
        if not zones:
            warnings.append(f"Application {asg.name}: its subnets are not in this graph, so its AZs are unknown (counted as one)")
        elif len(zones) < 2:
            spofs.append(f"Application {asg.name}: instances in {len(zones)} AZ ({', '.join(zones)})")
        if zones and min_size < len(zones):
            spofs.append(f"Application {asg.name}: minSize {min_size} is below the {len(zones)} AZs it spans - some AZ runs no instance")

    # database
    az_loss: list[str] = []
    for name, sizing in az_loss_sizings(topo):
        az_loss.append(f"Application {name}: {sizing.describe()}")
        if sizing.full_capacity_kept is False or (sizing.full_capacity_kept is None and sizing.az_count == 2):
            warnings.append(f"Application {name}: {sizing.az_count} AZs, minSize {sizing.min_size} - losing one AZ "
                            f"leaves {sizing.surviving} {sizing.unit}"
                            + (f", below the {sizing.required} needed" if sizing.required else "")
                            + " until replacements boot")
    for db in topo.databases:
        if db.multi_az:
            tiers.append(Tier(f"Database {db.identifier} ({db.kind})", _pct("rds_multi_az"), f"RDS Multi-AZ SLA {SLAS['rds_multi_az'].percent} %"))
        else:
            tiers.append(Tier(f"Database {db.identifier} (single AZ)", _pct("rds_single_az"), f"RDS Single-AZ SLA {SLAS['rds_single_az'].percent} %"))
            spofs.append(f"Database {db.identifier}: not Multi-AZ - an instance or AZ failure stops it until restored")
        if db.multi_az and len(db.zones) < 2:
            spofs.append(f"Database {db.identifier}: subnet group spans {len(db.zones)} AZ")
    for v in topo.vaults:
        if v.lock_min_days is None:
            warnings.append(f"Backup vault {v.name}: no vault lock - recovery points can be deleted by a compromised admin")
    if not topo.backup_rules:
        spofs.append("Backups: no AWS Backup plan - data cannot be restored after corruption or ransomware")
    failover = topo.dns_failover_estimate()
    standby, excluded = None, None
    cfg = topo.config
    if failover is None:
        excluded = "no health-checked PRIMARY and SECONDARY failover records: nothing fails over to the standby"
    elif cfg is None:
        excluded = "the stack's siaga config is not in the graph: the standby's declared availability is unknown"
    elif cfg.standby.kind != "onprem":
        excluded = "the standby is a static maintenance site: it does not serve the service"
    elif not topo.replications:
        excluded = ("no replication to the standby database in the graph: the standby would serve without the data "
                    + (f"({cfg.standby.replication_gap})" if cfg.standby.replication_gap else ""))
    else:
        standby = StandbySite(availability=cfg.standby.availabilityPercent / 100,
                              failovers_per_year=cfg.standby.failoversPerYear, failover_seconds=failover.seconds)
    return Budget(tiers=tiers, spofs=spofs, warnings=warnings, target_downtime_percent=target,
                  failover=failover, failback=topo.dns_failback_estimate(),
                  az_loss=az_loss, standby=standby, standby_excluded=excluded)


def _standby_lines(b: Budget) -> list[str]:
    """The parallel-site arithmetic, step by step, and what the 99.99 % design target needs."""
    lines = ["", "## The standby as a parallel site", ""]
    if b.standby is None:
        return lines + [f"The standby is not counted: {b.standby_excluded}. The composite is the AWS site alone."]
    s, dns, ap = b.standby, b.dns_availability, b.primary_availability
    both = (1 - ap) * (1 - s.availability)
    lines += [
        "The service is down when the AWS site and the standby are down together, and for the DNS failover worst case "
        "at each failover (the standby holds the data: continuous replication in the graph).", "",
        "composite = A_dns x (1 - (1 - A_aws) x (1 - A_standby)) - n x F / Y", "",
        f"- A_dns = {dns * 100:.4f} %; A_aws = product of the serving tiers above = {ap * 100:.6f} %",
        f"- A_standby = {s.availability * 100:.4f} % (declared: siaga:standby.availabilityPercent)",
        f"- both down: (1 - {ap:.8f}) x (1 - {s.availability:.6f}) = {both:.3e} = {both * MINUTES_PER_YEAR:.2f} min/year",
        f"- failovers: n = {s.failovers_per_year} a year (siaga:standby.failoversPerYear) x F = {s.failover_seconds} s "
        f"= {s.failovers_per_year * s.failover_seconds} s = {s.failover_fraction * MINUTES_PER_YEAR:.2f} min/year "
        f"(Y = {SECONDS_PER_YEAR} s)",
        f"- composite = {dns:.6f} x (1 - {both:.3e}) - {s.failover_fraction:.3e} = **{b.availability * 100:.6f} %** "
        f"= {b.downtime_minutes_per_year:.1f} min/year", ""]
    target = DESIGN_AVAILABILITY_PERCENT
    reach = "reaches" if b.availability * 100 >= target - 1e-9 else "DOES NOT REACH"
    need = s.min_standby_availability(dns, ap)
    lines += [f"{target} % ({(1 - target / 100) * MINUTES_PER_YEAR:.1f} min/year) needs at most "
              f"**{s.max_failovers(dns, ap)}** failovers a year at {s.failover_seconds} s each with this standby, and, "
              f"with {s.failovers_per_year} failovers, a standby of at least "
              + (f"**{need * 100:.3f} %**" if need is not None else "(unreachable: the failovers alone exceed it)")
              + f": the stack **{reach}** {target} %."]
    return lines


def _failover_lines(b: Budget) -> list[str]:
    """The site-loss term of the budget: the computed worst case, its terms and assumptions (not an SLA figure)."""
    if b.failover is None:
        return []
    lines = ["", "## Whole-site loss: DNS failover", "",
             f"Each loss of the AWS site costs up to **{b.failover.seconds} s** of downtime before clients that honour the "
             f"TTL reach the standby: {b.failover.formula} (worst case, computed from the health-check settings).", "",
             "| Term | Seconds | Basis |", "|---|---:|---|"]
    lines += [f"| {t.name} | {t.seconds} | {t.basis} |" for t in b.failover.terms]
    if b.failback is not None:
        lines += ["", f"Failback to the recovered primary is automatic, worst case {b.failback.seconds} s "
                      f"({b.failback.formula}); both sides serve meanwhile."]
    absorbed = b.site_losses_absorbed
    if b.estimable and absorbed is not None:
        lines += ["", f"The yearly target leaves room for **{absorbed}** such failover(s) after the tiers' expected downtime."]
    lines += ["", "Assumptions:", ""] + [f"- {a}" for a in b.failover.assumptions]
    return lines


def render_markdown(b: Budget, stack: str) -> str:
    lines = [f"# Availability budget - {stack}", "",
             "Composite availability estimated from AWS's published SLAs and the redundancy the resource graph "
             "actually has. Tiers in series multiply; the application tier is one path per AZ in parallel.", "",
             "| Tier | Availability | Basis |", "|---|---:|---|"]
    for t in b.tiers:
        lines.append(f"| {t.name} | {t.availability * 100:.4f} % | {t.basis} |")
    if not b.estimable:
        lines += ["| (none) | - | no load balancer, application tier or database in the graph |", "",
                  "**No estimate**: the graph has nothing that serves requests, so there is nothing to estimate.", ""]
        lines += ["## Single points of failure", ""] + [f"- {s}" for s in b.spofs]
        return "\n".join(lines) + "\n"
    verdict = "meets" if b.meets_target else "DOES NOT MEET"
    lines += [f"| **Composite** | **{b.availability * 100:.4f} %** | product of the tiers |", "",
              f"- Expected downtime: **{b.downtime_percent:.4f} %** a year = **{b.downtime_minutes_per_year:.0f} min/year**",
              f"- Agency target: at most {b.target_downtime_percent} % a year = {b.allowed_minutes_per_year:.0f} min/year "
              f"-> the estimate **{verdict}** the target", "", "## Single points of failure", ""]
    lines += [f"- {s}" for s in b.spofs] or ["- none found"]
    if b.az_loss:
        lines += ["", "## Loss of one Availability Zone", ""] + [f"- {a}" for a in b.az_loss]
    lines += _failover_lines(b)
    lines += _standby_lines(b)
    if b.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in b.warnings]
    lines += ["", "## Sources", ""] + [f"- {s.service}: {s.percent} % - {s.url}" for s in b.sources]
    lines += [f"- {ZONAL_ASSUMPTION}",
              "- Region loss: Route 53 fails over to the in-country standby; the standby's availability is the data "
              "centre's declared figure (siaga:standby.availabilityPercent), not an AWS SLA." if b.standby else
              "- Region loss is mitigated by Route 53 failover to the in-country standby; the standby is not counted "
              "(see above), so the estimate is conservative for whole-region events.", ""]
    return "\n".join(lines)


def as_dict(b: Budget) -> dict[str, object]:
    return {
        "availabilityPercent": round(b.availability * 100, 6),
        "downtimePercent": round(b.downtime_percent, 6),
        "downtimeMinutesPerYear": round(b.downtime_minutes_per_year, 1),
        "targetDowntimePercent": b.target_downtime_percent,
        "meetsTarget": b.meets_target,
        "estimable": b.estimable,
        "tiers": [{"name": t.name, "availabilityPercent": round(t.availability * 100, 6), "basis": t.basis} for t in b.tiers],
        "singlePointsOfFailure": b.spofs,
        "warnings": b.warnings,
        "dnsFailover": b.failover.as_dict() if b.failover else None,
        "dnsFailback": b.failback.as_dict() if b.failback else None,
        "siteLossesAbsorbedPerYear": b.site_losses_absorbed,
        "azLoss": b.az_loss,
        "primarySiteAvailabilityPercent": round(b.dns_availability * b.primary_availability * 100, 6),
        "standby": None if b.standby is None else {
            "availabilityPercent": round(b.standby.availability * 100, 6),
            "failoversPerYear": b.standby.failovers_per_year, "failoverSeconds": b.standby.failover_seconds,
            "maxFailoversPerYearFor9999": b.standby.max_failovers(b.dns_availability, b.primary_availability),
            "formula": "A_dns x (1 - (1 - A_aws) x (1 - A_standby)) - n x F / Y"},
        "standbyExcluded": b.standby_excluded,
        "designAvailabilityPercent": DESIGN_AVAILABILITY_PERCENT,
        "meetsDesign": b.estimable and b.availability * 100 >= DESIGN_AVAILABILITY_PERCENT - 1e-9,
    }

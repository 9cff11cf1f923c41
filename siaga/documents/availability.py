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
from siaga.documents.l10n import (
    UNITS,
    describe_sizing,
    estimate_assumptions,
    estimate_formula,
    fixed,
    lang_or_en,
    plain,
    term_basis,
    term_name,
)
from siaga.documents.topology import ASG, Topology
from siaga.i18n import N_, Language

MINUTES_PER_YEAR = 365 * 24 * 60


@dataclass(frozen=True)
class Sla:
    service: str
    percent: float
    url: str


SLAS = {
    "ec2_region": Sla(N_("Amazon EC2, instances across two or more AZs (Region-Level SLA)"), 99.99, "https://aws.amazon.com/compute/sla/"),
    "ec2_instance": Sla(N_("Amazon EC2, a single instance (Instance-Level SLA)"), 99.5, "https://aws.amazon.com/compute/sla/"),
    "elb": Sla("Elastic Load Balancing (ALB)", 99.99, "https://aws.amazon.com/elasticloadbalancing/sla/"),
    "rds_multi_az": Sla(N_("Amazon RDS Multi-AZ instance / Multi-AZ DB cluster"), 99.95, "https://aws.amazon.com/rds/sla/"),
    "rds_single_az": Sla(N_("Amazon RDS Single-AZ instance"), 99.5, "https://aws.amazon.com/rds/sla/"),
    "route53": Sla(N_("Amazon Route 53 (DNS query answering)"), 100.0, "https://aws.amazon.com/route53/sla/"),
}
ZONAL_ASSUMPTION = N_("NAT gateways have no SLA of their own; a NAT gateway is zonal, so it is counted at the only "
                      "published single-AZ commitment, the EC2 Instance-Level SLA (99.5 %).")


@dataclass
class Tier:
    name: str
    availability: float  # fraction
    basis: str
    dns: bool = False
    """The DNS tier (Route 53): outside the AWS site, in series with both sites (the name is in the document's
    language, so it is not the test)."""


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
    lang: Language | None = field(default=None, repr=False, compare=False)
    """The language the texts above are written in (None: English); render_markdown writes in it by default."""

    @property
    def dns_availability(self) -> float:
        a = 1.0
        for t in self.tiers:
            if t.dns:
                a *= t.availability
        return a

    @property
    def primary_availability(self) -> float:
        """The AWS site alone: every serving tier in series."""
        a = 1.0
        for t in self.tiers:
            if not t.dns:
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
        return any(not t.dns for t in self.tiers)

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


def budget(topo: Topology, lang: Language | None = None) -> Budget:
    """The budget of ``topo``; its tier names, bases, SPOFs, warnings and AZ-loss lines are written in ``lang``
    (default English): the DRP and ``siaga report`` show them as they are."""
    lang = lang_or_en(lang)
    _ = lang.gettext
    tiers: list[Tier] = []
    spofs: list[str] = []
    warnings: list[str] = []
    target = topo.config.availabilityTargetDowntimePercent if topo.config else 0.1

    def sla(key: str, service: str) -> str:
        return _("{service} SLA {percent} %").format(service=service, percent=plain(lang, SLAS[key].percent))

    # DNS
    if topo.failover:
        tiers.append(Tier(_("DNS ({service} failover records)").format(service="Route 53"), _pct("route53"),
                          sla("route53", "Route 53"), dns=True))
        if topo.primary is None or topo.primary.health_check is None:
            spofs.append(_("DNS: the {primary} failover record has no health check, so {service} never fails over")
                         .format(primary="PRIMARY", service="Route 53"))
        if topo.secondary is None:
            spofs.append(_("Whole site: no {secondary} failover record - nothing to fail over to if the region is "
                           "lost").format(secondary="SECONDARY"))
    else:
        spofs.append(_("Whole site: no {service} failover records - the region is a single point of failure")
                     .format(service="Route 53"))

    # load balancer
    for lb, zones in topo.lbs:
        tiers.append(Tier(_("Load balancer {name} ({count} AZ)").format(name=lb.name, count=len(zones)), _pct("elb"),
                          sla("elb", "ELB")))
        if len(zones) < 2:
            spofs.append(_("Load balancer {name}: subnets in {count} AZ ({zones})").format(
                name=lb.name, count=len(zones), zones=", ".join(zones) or _("unknown")))

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
        basis = _("{count} AZ in parallel, each {percent} % ({path})").format(
            count=len(zones), percent=fixed(lang, per_path * 100, 3),
            path=_("instances x own NAT") if per_path != single else _("instances"))
        avail = paths
        if shared_nat or cross:
            avail *= single
            basis = _("{basis} x shared NAT {percent} %").format(basis=basis, percent=fixed(lang, single * 100, 1))
            spofs.append((_("NAT: {count} NAT gateway(s) in {nat_zones} serve application subnets in {zones} - losing "
                            "that AZ cuts egress for the others") if len(nat_zones) == 1 else
                          _("NAT: {count} NAT gateway(s) in {nat_zones} serve application subnets in {zones} - losing "
                            "one AZ cuts egress for the others")).format(
                count=len(topo.nats), nat_zones=", ".join(nat_zones) or "?", zones=", ".join(zones)))
        kind = _("EKS node groups") if asg.type != "aws:autoscaling/group:Group" else "ASG"
        tiers.append(Tier(_("Application {name} ({kind}, {count} AZ, min {min_size})").format(
            name=asg.name, kind=kind, count=len(zones), min_size=min_size), avail, basis))
        if not zones:
            warnings.append(_("Application {name}: its subnets are not in this graph, so its AZs are unknown (counted "
                              "as one)").format(name=asg.name))
        elif len(zones) < 2:
            spofs.append(_("Application {name}: instances in {count} AZ ({zones})").format(
                name=asg.name, count=len(zones), zones=", ".join(zones)))
        if zones and min_size < len(zones):
            spofs.append(_("Application {name}: {min_size_key} {min_size} is below the {count} AZs it spans - some AZ "
                           "runs no instance").format(name=asg.name, min_size_key="minSize", min_size=min_size,
                                                      count=len(zones)))

    # database
    az_loss: list[str] = []
    for name, sizing in az_loss_sizings(topo):
        az_loss.append(_("Application {name}: {sizing}").format(name=name, sizing=describe_sizing(lang, sizing)))
        if sizing.full_capacity_kept is False or (sizing.full_capacity_kept is None and sizing.az_count == 2):
            unit = _(UNITS[sizing.unit]) if sizing.unit in UNITS else sizing.unit
            params = {"name": name, "count": sizing.az_count, "min_size_key": "minSize", "min_size": sizing.min_size,
                      "surviving": sizing.surviving, "unit": unit, "required": sizing.required}
            warnings.append((_("Application {name}: {count} AZs, {min_size_key} {min_size} - losing one AZ leaves "
                               "{surviving} {unit}, below the {required} needed until replacements boot")
                             if sizing.required else
                             _("Application {name}: {count} AZs, {min_size_key} {min_size} - losing one AZ leaves "
                               "{surviving} {unit} until replacements boot")).format(**params))
    for db in topo.databases:
        if db.multi_az:
            tiers.append(Tier(_("Database {identifier} ({kind})").format(identifier=db.identifier, kind=db.kind),
                              _pct("rds_multi_az"), sla("rds_multi_az", "RDS Multi-AZ")))
        else:
            tiers.append(Tier(_("Database {identifier} (single AZ)").format(identifier=db.identifier),
                              _pct("rds_single_az"), sla("rds_single_az", "RDS Single-AZ")))
            spofs.append(_("Database {identifier}: not {multi_az} - an instance or AZ failure stops it until restored")
                         .format(identifier=db.identifier, multi_az="Multi-AZ"))
        if db.multi_az and len(db.zones) < 2:
            spofs.append(_("Database {identifier}: subnet group spans {count} AZ").format(
                identifier=db.identifier, count=len(db.zones)))
    for v in topo.vaults:
        if v.lock_min_days is None:
            warnings.append(_("{vault} {name}: no vault lock - recovery points can be deleted by a compromised admin")
                            .format(vault="Backup vault", name=v.name))
    if not topo.backup_rules:
        spofs.append(_("Backups: no {plan} - data cannot be restored after corruption or ransomware").format(
            plan=_(N_("AWS Backup plan"))))
    failover = topo.dns_failover_estimate()
    standby, excluded = None, None
    cfg = topo.config
    if failover is None:
        excluded = _("no health-checked {primary} and {secondary} failover records: nothing fails over to the "
                     "standby").format(primary="PRIMARY", secondary="SECONDARY")
    elif cfg is None:
        excluded = _("the stack's siaga config is not in the graph: the standby's declared availability is unknown")
    elif cfg.standby.kind != "onprem":
        excluded = _("the standby is a static maintenance site: it does not serve the service")
    elif not topo.replications:
        # the config's own one-line message (components/config.py) is quoted as it is
        excluded = _("no replication to the standby database in the graph: the standby would serve without the data "
                     "{gap}").format(gap=f"({cfg.standby.replication_gap})" if cfg.standby.replication_gap else "")
    else:
        standby = StandbySite(availability=cfg.standby.availabilityPercent / 100,
                              failovers_per_year=cfg.standby.failoversPerYear, failover_seconds=failover.seconds)
    return Budget(tiers=tiers, spofs=spofs, warnings=warnings, target_downtime_percent=target,
                  failover=failover, failback=topo.dns_failback_estimate(),
                  az_loss=az_loss, standby=standby, standby_excluded=excluded, lang=lang)


def _standby_lines(b: Budget, lang: Language) -> list[str]:
    """The parallel-site arithmetic as a table whose last row is computed from the rows above it under the formula its
    label names, and what the 99.99 % design target leaves room for (each figure with the numbers it comes from)."""
    _ = lang.gettext
    lines = ["", _("## The standby as a parallel site"), ""]
    if b.standby is None:
        return lines + [_("The standby is not counted: {reason}. The composite is the series product above.").format(
            reason=b.standby_excluded)]
    s, dns, ap = b.standby, b.dns_availability, b.primary_availability
    both = (1 - ap) * (1 - s.availability)
    per_year = _("min/year")
    parallel = dns * (1 - both)
    lines += [
        _("The service is down when the AWS site and the standby are down together, and for the DNS failover worst "
          "case at each failover (the standby holds the data: continuous replication in the graph). Independence of "
          "the two sites is assumed."), "",
        _("| Term | Value | Basis |"), "|---|---:|---|",
        _("| A_dns | {value} % | the DNS row of the tiers table |").format(value=fixed(lang, dns * 100, 6)),
        _("| A_aws | {value} % | product of the tiers table's rows other than DNS |").format(
            value=fixed(lang, ap * 100, 6)),
        _("| A_standby | {value} % | declared by the data centre: {key} |").format(
            value=fixed(lang, s.availability * 100, 6), key="siaga:standby.availabilityPercent"),
        _("| both down = (1 - A_aws) x (1 - A_standby) | {value} % | {minutes} {per_year} |").format(
            value=fixed(lang, both * 100, 6), minutes=fixed(lang, both * MINUTES_PER_YEAR, 2), per_year=per_year),
        _("| failover time = n x F / Y | {value} % | n = {n} failovers a year ({key}), F = {seconds} s, Y = {year} s: "
          "{total} s = {minutes} {per_year} |").format(
            value=fixed(lang, s.failover_fraction * 100, 6), n=s.failovers_per_year,
            key="siaga:standby.failoversPerYear", seconds=plain(lang, s.failover_seconds),
            year=plain(lang, SECONDS_PER_YEAR), total=plain(lang, s.failovers_per_year * s.failover_seconds),
            minutes=fixed(lang, s.failover_fraction * MINUTES_PER_YEAR, 2), per_year=per_year),
        _("| **With the standby = A_dns x (1 - both down) - failover time** | **{value} %** | {minutes} {per_year} "
          "|").format(value=fixed(lang, b.availability * 100, 6), minutes=fixed(lang, b.downtime_minutes_per_year, 2),
                      per_year=per_year), ""]
    target = DESIGN_AVAILABILITY_PERCENT
    reach = _("reaches") if b.availability * 100 >= target - 1e-9 else _("DOES NOT REACH")
    lines += [_("Design target {target} % ({minutes} {per_year} down): A_dns x (1 - both down) = {parallel} %, so it "
                "leaves room for at most **{max_failovers}** failovers a year of F = {seconds} s: "
                "({parallel} % - {target} %) x Y / F, rounded down.").format(
        target=plain(lang, target), minutes=fixed(lang, (1 - target / 100) * MINUTES_PER_YEAR, 2), per_year=per_year,
        parallel=fixed(lang, parallel * 100, 6), max_failovers=s.max_failovers(dns, ap),
        seconds=plain(lang, s.failover_seconds))]
    need = s.min_standby_availability(dns, ap)
    if need is not None:
        lines += ["", _("With n = {n} failovers, the design target {target} % needs a standby of at least "
                        "**{least} %** = 1 - (1 - ({target} % + failover time) / A_dns) / (1 - A_aws).").format(
            n=s.failovers_per_year, target=plain(lang, target), least=fixed(lang, need * 100, 3))]
    else:
        lines += ["", _("With n = {n} failovers, no standby reaches the design target {target} %: the failover time "
                        "alone exceeds it.").format(n=s.failovers_per_year, target=plain(lang, target))]
    lines += ["", _("With the standby the stack **{reach}** the design target {target} %.").format(
        reach=reach, target=plain(lang, target))]
    return lines


def _failover_lines(b: Budget, lang: Language) -> list[str]:
    """The site-loss term of the budget: the computed worst case, its terms and assumptions (not an SLA figure)."""
    if b.failover is None:
        return []
    _ = lang.gettext
    lines = ["", _("## Whole-site loss: DNS failover"), "",
             _("Each loss of the AWS site costs up to **{seconds} s** of downtime before clients that honour the TTL "
               "reach the standby: {formula} (worst case, computed from the health-check settings).").format(
                 seconds=plain(lang, b.failover.seconds), formula=estimate_formula(lang, b.failover)), "",
             _("| Term | Seconds | Basis |"), "|---|---:|---|"]
    lines += [f"| {term_name(lang, t)} | {plain(lang, t.seconds)} | {term_basis(lang, t)} |" for t in b.failover.terms]
    lines += [_("| **Total (sum of the terms)** | **{seconds}** | worst case |").format(
        seconds=plain(lang, b.failover.seconds))]
    if b.failback is not None:
        lines += ["", _("Failback to the recovered primary is automatic, worst case {seconds} s ({formula}); both sides "
                        "serve meanwhile.").format(seconds=plain(lang, b.failback.seconds),
                                                   formula=estimate_formula(lang, b.failback))]
    absorbed = b.site_losses_absorbed
    if b.estimable and absorbed is not None:
        counted = (_(" (it already counts the {n} failovers a year of the standby section)").format(
            n=b.standby.failovers_per_year) if b.standby else "")
        lines += ["", _("Agency target (at most {target} % a year = {allowed} {per_year}): after the expected downtime "
                        "of {downtime} {per_year}{counted}, it leaves room for **{count}** more failovers of {seconds} s "
                        "a year: ({allowed} - {downtime}) x 60 / {seconds}, rounded down.").format(
            target=plain(lang, b.target_downtime_percent), allowed=fixed(lang, b.allowed_minutes_per_year, 2),
            downtime=fixed(lang, b.downtime_minutes_per_year, 2), per_year=_("min/year"), counted=counted,
            count=absorbed, seconds=plain(lang, b.failover.seconds))]
    lines += ["", _("Assumptions:"), ""] + [f"- {a}" for a in estimate_assumptions(lang, b.failover)]
    return lines


def render_markdown(b: Budget, stack: str, lang: Language | None = None, control: list[str] | None = None) -> str:
    """The budget as Markdown in ``lang`` (default: the language the budget was computed in, English by default).
    ``control``: the document control block (siaga/documents/control.py) placed under the title."""
    lang = lang or b.lang or lang_or_en(None)
    _ = lang.gettext
    lines = [_("# Availability budget - {stack}").format(stack=stack), "", *(control or []),
             _("Composite availability estimated from AWS's published SLAs and the redundancy the resource graph "
               "actually has. Tiers in series multiply; the application tier is one path per AZ in parallel."), "",
             _("| Tier | Availability | Basis |"), "|---|---:|---|"]
    for t in b.tiers:
        lines.append(f"| {t.name} | {fixed(lang, t.availability * 100, 4)} % | {t.basis} |")
    if not b.estimable:
        lines += [_("| (none) | - | no load balancer, application tier or database in the graph |"), "",
                  _("**No estimate**: the graph has nothing that serves requests, so there is nothing to estimate."),
                  ""]
        lines += [_("## Single points of failure"), ""] + [f"- {s}" for s in b.spofs]
        return "\n".join(lines) + "\n"
    verdict = _("meets") if b.meets_target else _("DOES NOT MEET")
    series = b.dns_availability * b.primary_availability
    lines += [_("| **Series product (product of the rows above)** | **{percent} %** | the AWS site alone, no standby "
                "|").format(percent=fixed(lang, series * 100, 4)), ""]
    if b.standby is not None:
        lines += [_("- Composite availability: **{percent} %**, with the standby in parallel (section \"{section}\" "
                    "below; the series product above is the AWS site alone)").format(
            percent=fixed(lang, b.availability * 100, 4), section=_("The standby as a parallel site"))]
    else:
        lines += [_("- Composite availability: **{percent} %** = the series product (the standby is not counted: "
                    "see below)").format(percent=fixed(lang, b.availability * 100, 4))]
    lines += [_("- Expected downtime: 100 % - composite = **{percent} %** a year = **{minutes} min/year**").format(
                  percent=fixed(lang, b.downtime_percent, 4), minutes=fixed(lang, b.downtime_minutes_per_year, 2)),
              _("- Agency target: at most {target} % a year = {minutes} min/year: the estimate **{verdict}** the "
                "target").format(target=plain(lang, b.target_downtime_percent),
                                 minutes=fixed(lang, b.allowed_minutes_per_year, 2), verdict=verdict),
              "", _("## Single points of failure"), ""]
    lines += [f"- {s}" for s in b.spofs] or [_("- none found")]
    if b.az_loss:
        lines += ["", _("## Loss of one Availability Zone"), ""] + [f"- {a}" for a in b.az_loss]
    lines += _failover_lines(b, lang)
    lines += _standby_lines(b, lang)
    if b.warnings:
        lines += ["", _("## Warnings"), ""] + [f"- {w}" for w in b.warnings]
    lines += ["", _("## Sources"), ""] + [f"- {_(s.service)}: {plain(lang, s.percent)} % - {s.url}" for s in b.sources]
    lines += [f"- {_(ZONAL_ASSUMPTION)}",
              _("- Region loss: {service} fails over to the in-country standby; the standby's availability is the data "
                "centre's declared figure ({key}), not an AWS SLA.").format(
                  service="Route 53", key="siaga:standby.availabilityPercent") if b.standby else
              _("- Region loss is mitigated by {service} failover to the in-country standby; the standby is not "
                "counted (see above), so the estimate is conservative for whole-region events.").format(
                  service="Route 53"), ""]
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
        "seriesProductPercent": round(b.dns_availability * b.primary_availability * 100, 6),
        "standby": None if b.standby is None else {
            "availabilityPercent": round(b.standby.availability * 100, 6),
            "failoversPerYear": b.standby.failovers_per_year, "failoverSeconds": b.standby.failover_seconds,
            "maxFailoversPerYearFor9999": b.standby.max_failovers(b.dns_availability, b.primary_availability),
            "formula": "A_dns x (1 - (1 - A_aws) x (1 - A_standby)) - n x F / Y"},
        "standbyExcluded": b.standby_excluded,
        "designAvailabilityPercent": DESIGN_AVAILABILITY_PERCENT,
        "meetsDesign": b.estimable and b.availability * 100 >= DESIGN_AVAILABILITY_PERCENT - 1e-9,
    }

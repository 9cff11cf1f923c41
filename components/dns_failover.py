"""DnsFailover: Route 53 active/passive failover from the Jakarta ALB to the on-prem standby.

Hosted zone: ``zone_id`` when given; otherwise an ``aws.route53.Zone`` is created for the PARENT of ``domain``
(the first label dropped: ``layanan.contoh.go.id`` -> ``contoh.go.id``). The failover records are then named
``domain`` inside that zone and never sit at the zone apex, where a CNAME is not allowed (RFC 1034: the apex
already holds SOA/NS). The parent zone must be delegated to the created zone's name servers (``.name_servers``).

Health checks (Route 53 checkers probe from several AWS regions; only configuration is stored in Route 53):

- primary: ``HTTPS`` on ``fqdn=primary_dns_name`` (the ALB's DNS name), port 443, ``resource_path=health_check_path``,
  ``request_interval=interval_seconds``, ``failure_threshold``, ``measure_latency=True``, ``enable_sni=True``;
- standby: ``HTTPS`` on ``standby_address`` (``ip_address`` when it is an IPv4 address, else ``fqdn`` with SNI),
  ``port=standby_port``, same path, interval and threshold.

Records (same name AND type for both members of the pair, as Route 53 requires; checked by the
``route53-failover-pair`` policy), ``set_identifier`` "primary" / "secondary":

- standby is an IPv4 address: PRIMARY = alias ``A`` to the ALB (``primary_dns_name``/``primary_zone_id``,
  ``evaluate_target_health=True``) + the primary health check; SECONDARY = ``A`` record with the IP, ``ttl_seconds``,
  the standby health check. (``primary_zone_id`` is then required.)
- standby is a hostname: PRIMARY = ``CNAME`` -> ``primary_dns_name`` (``ttl_seconds``, primary health check);
  SECONDARY = ``CNAME`` -> the standby hostname (``ttl_seconds``, standby health check).

No CloudWatch alarm is created here. Route 53 publishes ``AWS/Route53 HealthCheckStatus`` only in us-east-1, so the
alarm would need an ``aws.Provider`` in us-east-1; the pack's ``provider-region-allowed`` and
``resource-region-allowed`` rules (mandatory residency rules: CloudWatch is a regional service, not one of the
configuration-only global services) would fail it. ``primary_health_check_id`` is exported instead so that a
monitoring setup approved for us-east-1 metrics (or an on-prem probe) can alarm on it; ``alarm_topic_arn`` is accepted
for that purpose and re-exported unchanged.

``failover_seconds`` is the worst case computed by :func:`components.failover_time.worst_case` from these settings
(detection by every checker: threshold x (interval + 6 s probe timeout); the 18 % rule; an ASSUMED 30 s status
propagation; the PRIMARY answer's TTL: the ELB's fixed 60 s for the alias A, ``ttl_seconds`` for the CNAME);
``failover_breakdown`` gives its terms, sources and assumptions, and the failback worst case (SECONDARY's TTL).

The stack's zone normally comes from :class:`components.zone.ServiceZone` (created first, so that the certificate is
validated in it); the zone created here when ``zone_id`` is None is for standalone use of the component.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.failover_time import Estimate, answer_ttl, worst_case

INTERVALS = (10, 30)
"""Route 53 health-check request intervals (seconds): 10 (fast, extra cost) or 30 (standard)."""


def _is_ipv4(value: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(value), ipaddress.IPv4Address)
    except ValueError:
        return False


def parent_domain(domain: str) -> str:
    """``layanan.contoh.go.id`` -> ``contoh.go.id`` (the zone that holds the failover records)."""
    labels = domain.rstrip(".").split(".")
    if len(labels) < 3 or not all(labels):
        raise ValueError(f"domain: {domain!r} has no parent zone below a public suffix; allowed: a name with at "
                         "least three labels such as layanan.contoh.go.id")
    return ".".join(labels[1:])


@dataclass(frozen=True)
class DnsFailoverArgs:
    """Inputs of :class:`DnsFailover` (defaults in brackets)."""

    domain: str
    """Service name clients use, e.g. ``layanan.contoh.go.id`` (required)."""
    standby_address: str
    """Public IPv4 or hostname of the on-prem standby's TLS endpoint (required)."""
    primary_dns_name: pulumi.Input[str]
    """DNS name of the primary (the ALB's ``dns_name``) (required)."""
    primary_zone_id: pulumi.Input[str] | None = None
    """Hosted zone id of the ALB (``zone_id``) [None]; required when ``standby_address`` is an IPv4 (alias A)."""
    zone_id: pulumi.Input[str] | None = None
    """Hosted zone holding ``domain`` (the stack's ServiceZone) [None: create a zone for the parent of ``domain``]."""
    health_check_path: str = "/healthz"
    """HTTP path probed on both sides [/healthz]."""
    standby_port: int = 443
    """TLS port of the standby [443]."""
    interval_seconds: int = 10
    """Health-check request interval [10]; 10 or 30."""
    failure_threshold: int = 3
    """Consecutive failures before a side is unhealthy [3]; 1-10."""
    ttl_seconds: int = 60
    """TTL of the non-alias records [60]; 0-86400."""
    alarm_topic_arn: pulumi.Input[str] | None = None
    """SNS topic for health alarms [None]; re-exported only (no in-region alarm is possible, see module doc)."""
    protect: bool = True
    """protect + retain_on_delete on a hosted zone created here [True]."""
    standby_ips: tuple[str, ...] = ()
    """Public IPv4s answering ``standby_address`` (a host name in the stack's zone) with an A record there [()]:
    inside a delegated zone only the zone's own records answer, so without one the name is NXDOMAIN."""

    def validate(self) -> None:
        if self.interval_seconds not in INTERVALS:
            raise ValueError(f"interval_seconds: {self.interval_seconds!r}; allowed: {INTERVALS[0]} or {INTERVALS[1]}")
        if not 1 <= self.failure_threshold <= 10:
            raise ValueError(f"failure_threshold: {self.failure_threshold!r}; allowed: 1 to 10")
        if not 0 <= self.ttl_seconds <= 86400:
            raise ValueError(f"ttl_seconds: {self.ttl_seconds!r}; allowed: 0 to 86400")
        if not 1 <= self.standby_port <= 65535:
            raise ValueError(f"standby_port: {self.standby_port!r}; allowed: 1 to 65535")
        if not self.health_check_path.startswith("/"):
            raise ValueError(f"health_check_path: {self.health_check_path!r}; allowed: a path starting with /")
        if _is_ipv4(self.standby_address) and self.primary_zone_id is None:
            raise ValueError(f"primary_zone_id: not set while standby_address {self.standby_address!r} is an IPv4 "
                             "(alias A record); allowed: the ALB's zone_id")
        if self.zone_id is None:
            parent_domain(self.domain)
        if self.standby_ips and _is_ipv4(self.standby_address):
            raise ValueError(f"standby_ips: {list(self.standby_ips)} while standby_address {self.standby_address!r} is "
                             "an IPv4; allowed: standby_ips with a host name only")
        for ip in self.standby_ips:
            if not _is_ipv4(ip):
                raise ValueError(f"standby_ips: {ip!r} is not an IPv4 address; allowed: public IPv4s")

    @property
    def primary_is_alias(self) -> bool:
        """An IPv4 standby makes the PRIMARY an alias A to the load balancer (answered with the ELB's 60 s TTL)."""
        return _is_ipv4(self.standby_address)

    @property
    def failover(self) -> Estimate:
        """Worst case from the primary's failure to the last TTL-honouring resolver answering the standby."""
        return worst_case(self.interval_seconds, self.failure_threshold,
                          answer_ttl(self.primary_is_alias, self.ttl_seconds), check_type="HTTPS")

    @property
    def failback(self) -> Estimate:
        """Worst case from the primary's recovery to the last TTL-honouring resolver answering it again."""
        return worst_case(self.interval_seconds, self.failure_threshold, self.ttl_seconds, check_type="HTTPS",
                          direction="failback")

    @property
    def failover_seconds(self) -> int:
        """Worst-case failover seconds (:attr:`failover`), see the module docstring."""
        return self.failover.seconds


class DnsFailover(pulumi.ComponentResource):
    """PRIMARY (ALB) / SECONDARY (on-prem standby) Route 53 failover pair, each side health-checked."""

    zone_id: pulumi.Output[str]
    failover_seconds: int
    failover_breakdown: dict[str, object]
    primary_health_check_id: pulumi.Output[str]
    standby_health_check_id: pulumi.Output[str]

    def __init__(self, name: str, args: DnsFailoverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:DnsFailover", name, None, opts)
        args.validate()
        child = pulumi.ResourceOptions(parent=self)
        domain = args.domain.rstrip(".").lower()

        self.name_servers: pulumi.Output[list[str]] | None = None
        if args.zone_id is not None:
            self.zone_id = pulumi.Output.from_input(args.zone_id)
        else:
            zone = aws.route53.Zone(
                f"{name}-zone", name=parent_domain(domain),
                comment=f"Siaga failover zone for {domain} (records below the apex)",
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect))
            self.zone_id = zone.zone_id
            self.name_servers = zone.name_servers

        standby_ip = _is_ipv4(args.standby_address)
        # the standby's own name, answered in the stack's zone (config refuses a name inside the zone without it)
        standby_record = aws.route53.Record(
            f"{name}-standby-address", zone_id=self.zone_id, name=args.standby_address.rstrip(".").lower(), type="A",
            ttl=args.ttl_seconds, records=list(args.standby_ips), opts=child) if args.standby_ips else None
        # Primary check, coherent with the listener it probes: HTTPS on 443 (the ALB's HTTPS listener), the ALB's own
        # DNS name as fqdn (never the service name: that resolves through these very records). Route 53 sends the fqdn
        # as the Host header; the ALB's listener forwards every Host on its default action and the instances' nginx is
        # the default_server for any Host, so the check reaches the health path. With enable_sni the ALB finds no
        # certificate for its own name and serves its default one (for the service domain); Route 53 then retries the
        # handshake without SNI, and "HTTPS health checks don't validate SSL/TLS certificates, so checks don't fail if
        # a certificate is invalid or expired" (How Amazon Route 53 determines whether a health check is healthy:
        # https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html;
        # FullyQualifiedDomainName (sent as Host) and EnableSNI:
        # https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html). SNI stays
        # on for primaries that need it (an endpoint that refuses a client_hello without SNI).
        primary_hc = aws.route53.HealthCheck(
            f"{name}-primary", type="HTTPS", fqdn=args.primary_dns_name, port=443,
            resource_path=args.health_check_path, request_interval=args.interval_seconds,
            failure_threshold=args.failure_threshold, measure_latency=True, enable_sni=True,
            tags={"Name": f"{domain}-primary", "Side": "primary"}, opts=child)
        standby_target = {"ip_address": args.standby_address} if standby_ip else {"fqdn": args.standby_address}
        standby_hc = aws.route53.HealthCheck(
            f"{name}-standby", type="HTTPS", port=args.standby_port, resource_path=args.health_check_path,
            request_interval=args.interval_seconds, failure_threshold=args.failure_threshold, measure_latency=True,
            enable_sni=not standby_ip, tags={"Name": f"{domain}-standby", "Side": "standby"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[standby_record] if standby_record else None),
            **standby_target)

        if standby_ip:
            primary = aws.route53.Record(
                f"{name}-primary", zone_id=self.zone_id, name=domain, type="A", set_identifier="primary",
                failover_routing_policies=[{"type": "PRIMARY"}], health_check_id=primary_hc.id,
                aliases=[{"name": args.primary_dns_name, "zone_id": args.primary_zone_id,
                          "evaluate_target_health": True}], opts=child)
            secondary_type, secondary_value = "A", args.standby_address
        else:
            primary = aws.route53.Record(
                f"{name}-primary", zone_id=self.zone_id, name=domain, type="CNAME", set_identifier="primary",
                failover_routing_policies=[{"type": "PRIMARY"}], health_check_id=primary_hc.id,
                ttl=args.ttl_seconds, records=[args.primary_dns_name], opts=child)
            secondary_type, secondary_value = "CNAME", args.standby_address.rstrip(".")
        secondary = aws.route53.Record(
            f"{name}-secondary", zone_id=self.zone_id, name=domain, type=secondary_type, set_identifier="secondary",
            failover_routing_policies=[{"type": "SECONDARY"}], health_check_id=standby_hc.id,
            ttl=args.ttl_seconds, records=[secondary_value], opts=child)

        failover, failback = args.failover, args.failback
        self.failover_seconds = failover.seconds
        self.failover_breakdown = {"failover": failover.as_dict(), "failback": failback.as_dict()}
        self.primary_health_check_id = primary_hc.id
        self.standby_health_check_id = standby_hc.id
        self.record_fqdn = primary.fqdn
        outputs: dict[str, object] = {
            "zoneId": self.zone_id,
            "failoverSeconds": self.failover_seconds,
            "failoverBreakdown": self.failover_breakdown,
            "failbackSeconds": failback.seconds,
            "primaryHealthCheckId": self.primary_health_check_id,
            "standbyHealthCheckId": self.standby_health_check_id,
            "recordName": domain,
            "recordType": secondary_type,
            "secondaryFqdn": secondary.fqdn,
        }
        if args.alarm_topic_arn is not None:
            outputs["alarmTopicArn"] = args.alarm_topic_arn
        self.register_outputs(outputs)

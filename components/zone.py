"""ServiceZone: the stack's public hosted zone, created (or adopted) BEFORE anything that writes records into it.

Why first: the HTTPS listener's ACM certificate is DNS-validated, and CreateListener fails with UnsupportedCertificate
until ACM has seen the validation CNAME in a zone that the public DNS actually delegates to. The cluster (and the EKS
path) therefore gets ``zone_id`` from here and writes the validation record into it, and DnsFailover writes the
failover records into the same zone instead of creating one of its own.

- ``zone_id`` given (``siaga:dns.hostedZoneId``): the zone is adopted; nothing is created; its name servers are read
  with ``aws.route53.get_zone``.
- otherwise an ``aws.route53.Zone`` is created for the PARENT of ``domain`` (``layanan.contoh.go.id`` ->
  ``contoh.go.id``), so the service record never sits at the apex, where a CNAME is not allowed (RFC 1034).
  ``aliases`` carries the zone's former identities (a protected zone moved here keeps its state, no replacement).

Delegation (once, by the agency, outside AWS): the parent of the zone must list the zone's name servers
(``name_servers``, exported as ``nameServers``) as NS records. For ``contoh.go.id`` that is the ``.go.id`` registry
(PANDI) through the domain's registrar. Until then ACM cannot validate (CertificateValidation waits, then fails).
Route 53 assigns the four name servers when the zone is created ("Creating a public hosted zone":
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/CreatingHostedZone.html, and "Making Amazon Route 53 the DNS
service for an existing domain": https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/MigratingDNS.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.dns_failover import parent_domain


def former_child_urn(parent_type: str, parent_name: str) -> str:
    """URN of a component named ``parent_name`` of ``parent_type`` at the stack root, as an alias parent."""
    return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{parent_type}::{parent_name}"


@dataclass
class ServiceZoneArgs:
    """Inputs of :class:`ServiceZone` (defaults in brackets)."""

    domain: str
    """Service name clients use, e.g. ``layanan.contoh.go.id`` (required)."""
    zone_id: str | None = None
    """Existing public hosted zone holding ``domain`` (``siaga:dns.hostedZoneId``) [None: create one]."""
    protect: bool = True
    """protect + retain_on_delete on a created zone [True]."""
    aliases: Sequence[pulumi.Alias | str] = field(default_factory=list)
    """Former identities of the created zone resource [none]."""


class ServiceZone(pulumi.ComponentResource):
    """The stack's public hosted zone: ``zone_id``, ``zone_name`` and ``name_servers`` to delegate to."""

    zone_id: pulumi.Output[str]
    zone_name: pulumi.Output[str]
    name_servers: pulumi.Output[list[str]]
    created: bool

    def __init__(self, name: str, args: ServiceZoneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:ServiceZone", name, None, opts)
        domain = args.domain.rstrip(".").lower()
        self.created = args.zone_id is None
        if args.zone_id is not None:
            found = aws.route53.get_zone_output(zone_id=args.zone_id, opts=pulumi.InvokeOutputOptions(parent=self))
            self.zone_id = pulumi.Output.from_input(args.zone_id)
            self.zone_name = found.name
            self.name_servers = found.name_servers
        else:
            zone = aws.route53.Zone(
                f"{name}", name=parent_domain(domain),
                # the comment the zone had as DnsFailover's child: an adopted state shows no diff
                comment=f"Siaga failover zone for {domain} (records below the apex)",
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect,
                                            aliases=list(args.aliases)))
            self.zone_id = zone.zone_id
            self.zone_name = zone.name
            self.name_servers = zone.name_servers
        self.register_outputs({"zoneId": self.zone_id, "zoneName": self.zone_name, "nameServers": self.name_servers,
                               "created": self.created})

"""``siaga new``: render a new agency stack (and its waivers file) from a reference stack.

The templates are jinja2 with StrictUndefined (``siaga/templates/new/``). The rendered stack file is
validated with the one config model (``components.config.parse_config``) before anything is written,
and nothing is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from components.config import ConfigError, StackConfig, parse_config
from siaga.files import create_exclusive

TEMPLATES = Path(__file__).parent / "templates" / "new"
CANDIDATE_POOLS = ("10.0.0.0/8", "172.16.0.0/12")


class ScaffoldError(Exception):
    """Cannot scaffold; ``str()`` is one line for the user."""


@dataclass
class NewStack:
    agency: str
    service: str
    domain: str
    owner: str
    cost_centre: str
    contact_email: str
    standby: str
    environment: str = "prod"
    source: str = "jakarta-prod"
    vpc_cidr: str | None = None
    contact_name: str | None = None
    standby_networks: list[str] = field(default_factory=list)
    contact_phone: str = ""
    """The first contact's phone (``--contact-phone``): the DRP's escalation list calls it first."""
    escalation: list[str] = field(default_factory=list)
    """Further contacts in escalation order, each ``NAME,EMAIL,PHONE[,ROLE]`` (``--escalation``)."""
    agency_name: str = ""
    """The agency's full official name (``--agency-name``, ``siaga:documentControl.agencyName``)."""
    approver: str = ""
    """The official who approves the documents (``--approver``, ``siaga:documentControl.approver``)."""
    standby_ips: list[str] = field(default_factory=list)
    """The standby's public IPv4s (``standby.addressIps``): answer a standby name inside the stack's zone."""

    @property
    def stack(self) -> str:
        return f"{self.agency}-{self.service}-{self.environment}"


def escalation_contacts(req: NewStack) -> list[dict[str, object]]:
    """The contacts in escalation order: the first from ``--contact-*``, then each ``--escalation``; one line naming
    the flag and the allowed form for a malformed one (the config model validates the e-mail and phone after)."""
    out: list[dict[str, object]] = [{"name": req.contact_name or f"TTIS {req.agency}", "role": "incident response (TTIS)",
                                     "email": req.contact_email, "phone": req.contact_phone or None, "escalate": 15}]
    for item in req.escalation:
        parts = [p.strip() for p in item.split(",")]
        if len(parts) not in (3, 4) or not all(parts):
            raise ScaffoldError(f"--escalation {item!r}: allowed: NAME,EMAIL,PHONE[,ROLE], e.g. "
                                "'Kepala Pusdatin,kapusdatin@agency.go.id,+62-21-1234-5678,head of ICT'")
        out.append({"name": parts[0], "email": parts[1], "phone": parts[2],
                    "role": parts[3] if len(parts) == 4 else "escalation", "escalate": 15})
    return out


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, autoescape=False)
    env.filters["q"] = lambda v: json.dumps(v)  # a JSON scalar/list is valid YAML and quotes safely
    return env


_COMMENTED = re.compile(r"^(?P<body>[^#]*?\S)\s+(?P<comment>#\s.*)$")


def align_comments(text: str, column: int = 44) -> str:
    """Puts trailing comments in one column (values never contain ``#``; quoted ones are left alone)."""
    out = []
    for line in text.splitlines():
        m = _COMMENTED.match(line)
        if m and m.group("body").count('"') % 2 == 0 and not line.lstrip().startswith("#"):
            body = m.group("body")
            line = f"{body.ljust(column - 2)}  {m.group('comment')}"
        out.append(line)
    return "\n".join(out) + "\n"


def read_stack_config(path: Path) -> dict[str, Any]:
    from siaga.inputs import InputFileError, load_yaml

    try:
        data = load_yaml(path, "stack file") or {}
    except InputFileError as exc:
        raise ScaffoldError(str(exc)) from None
    config = data.get("config") if isinstance(data, dict) else None
    if not isinstance(config, dict):
        raise ScaffoldError(f"{path}: no 'config' mapping")
    return config


def used_networks(stacks_dir: Path) -> list[tuple[ipaddress.IPv4Network, str]]:
    """Every VPC CIDR and standby network of every stack file, with where it comes from."""
    out: list[tuple[ipaddress.IPv4Network, str]] = []
    for path in sorted(stacks_dir.glob("Pulumi.*.yaml")):
        try:
            config = read_stack_config(path)
        except ScaffoldError:
            continue
        stack = path.name[len("Pulumi."):-len(".yaml")]
        cidrs: list[tuple[Any, str]] = [(config.get("siaga:vpcCidr"), f"siaga:vpcCidr of stack {stack}")]
        standby = config.get("siaga:standby")
        if isinstance(standby, dict):
            cidrs += [(n, f"standby network of stack {stack}") for n in standby.get("networks") or []]
        for cidr, where in cidrs:
            try:
                net = ipaddress.ip_network(str(cidr), strict=False)
            except ValueError:
                continue
            if isinstance(net, ipaddress.IPv4Network):
                out.append((net, where))
    return out


def choose_cidr(used: list[tuple[ipaddress.IPv4Network, str]], prefix: int = 16) -> str:
    """The first private /prefix that overlaps none of ``used`` (10.20.0.0/16 upwards, then 172.16/12)."""
    for pool in CANDIDATE_POOLS:
        nets = list(ipaddress.ip_network(pool).subnets(new_prefix=prefix))
        if pool.startswith("10."):
            nets = nets[20:] + nets[:20]  # 10.0-10.19 are often taken by data centres: try them last
        for net in nets:
            if not any(net.overlaps(u) for u, _ in used):
                return str(net)
    raise ScaffoldError(f"no free private /{prefix} left; give --vpc-cidr")


def render(req: NewStack, stacks_dir: Path, today: dt.date | None = None) -> tuple[str, str, StackConfig]:
    """Returns (stack file text, waivers file text, validated config); raises ScaffoldError."""
    source_path = stacks_dir / f"Pulumi.{req.source}.yaml"
    if not source_path.is_file():
        known = ", ".join(p.name[7:-5] for p in sorted(stacks_dir.glob("Pulumi.*.yaml"))) or "none"
        raise ScaffoldError(f"--from {req.source}: no file {source_path}; allowed: {known}")
    try:
        ref = parse_config(read_stack_config(source_path))
    except ConfigError as exc:
        raise ScaffoldError(f"--from {req.source}: the reference stack is invalid: {str(exc).splitlines()[0]}") from None
    used = used_networks(stacks_dir)
    for n in req.standby_networks:
        try:
            used.append((ipaddress.ip_network(n, strict=True), "--standby-network"))  # type: ignore[arg-type]
        except ValueError:
            raise ScaffoldError(f"--standby-network {n!r}: not a CIDR; allowed: a network such as 10.60.0.0/16") from None
    if req.vpc_cidr:
        try:
            mine = ipaddress.ip_network(req.vpc_cidr, strict=True)
        except ValueError:
            raise ScaffoldError(f"--vpc-cidr {req.vpc_cidr!r}: not a CIDR; allowed: a private network such as 10.30.0.0/16") from None
        clash = next((where for u, where in used if mine.overlaps(u)), None)
        if clash:
            raise ScaffoldError(f"--vpc-cidr {req.vpc_cidr}: overlaps the {clash}; allowed: a range no stack uses, e.g. {choose_cidr(used)}")
        vpc_cidr = req.vpc_cidr
    else:
        vpc_cidr = choose_cidr(used)
    today = today or dt.date.today()
    # replication to the standby database by default: the data centre's networks (given, else the reference stack's,
    # to be replaced), an example database address inside the first (host .5) and the reference's VPN example gateway
    standby_networks = list(req.standby_networks) or list(ref.standby.networks)
    ref_db = ref.standby.database
    standby_db = None
    if standby_networks and ref.standby.kind == "onprem" and (ref_db is None or ref_db.replication == "dms"):
        standby_db = {
            "address": str(ipaddress.ip_network(standby_networks[0])[5]),
            "secretArn": f"arn:aws:secretsmanager:{ref.region}:123456789012:secret:{req.agency}-{req.service}-"
                         f"standby-db-AbCdEf",
            "customerGatewayIp": ref.standby.customerGatewayIp or "198.51.100.20",
            "port": ref_db.port if ref_db else 5432, "name": ref_db.name if ref_db else "app",
            "schema": ref_db.schema_name if ref_db else "public",
            "rpoSeconds": ref_db.rpoSeconds if ref_db else 300,
            "instanceClass": ref_db.instanceClass if ref_db else "dms.c5.large",
            "allocatedStorageGiB": ref_db.allocatedStorageGiB if ref_db else 50}
    values = {
        "agency": req.agency, "service": req.service, "environment": req.environment, "domain": req.domain,
        "stack": req.stack, "source_stack": req.source, "c": ref.model_dump(), "vpc_cidr": vpc_cidr,
        "nat_strategy": "OnePerAz" if req.environment == "prod" else ref.natStrategy,
        "standby_address": req.standby, "standby_ips": list(req.standby_ips), "standby_networks": standby_networks, "standby_db": standby_db,
        "contact_name": req.contact_name or f"TTIS {req.agency}", "contact_email": req.contact_email,
        "contacts": escalation_contacts(req), "agency_name": req.agency_name, "approver_name": req.approver,
        "owner": req.owner, "cost_centre": req.cost_centre,
        "approver": req.contact_email, "example_expiry": (today + dt.timedelta(days=30)).isoformat(),
    }
    env = _env()
    try:
        stack_text = align_comments(env.get_template("stack.yaml.j2").render(**values))
        waivers_text = env.get_template("waivers.yaml.j2").render(**values)
    except jinja2.UndefinedError as exc:
        raise ScaffoldError(f"template error: {exc}") from None
    try:
        cfg = parse_config(read_stack_config_text(stack_text))
    except ConfigError as exc:
        raise ScaffoldError("; ".join(str(exc).splitlines())) from None
    if cfg.dns.hostedZoneId is None:  # the program's ServiceZone creates the parent zone: the rule preview applies
        # the component's own rule; it imports the AWS SDK, so only here
        from components.dns_failover import parent_domain

        try:
            parent_domain(cfg.domain)
        except ValueError as exc:
            why = str(exc).split(f"{cfg.domain!r} ", 1)[-1]
            raise ScaffoldError(f"--domain {req.domain!r}: {why} (the stack creates the hosted zone of the parent "
                                "name)") from None
    if yaml.safe_load(waivers_text) != []:
        raise ScaffoldError("template error: the waivers file must render to an empty list")
    return stack_text, waivers_text, cfg


def read_stack_config_text(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text) or {}
    return data.get("config") or {}


def write(req: NewStack, stacks_dir: Path) -> list[Path]:
    """Validates, refuses to overwrite, then writes the stack file and the waivers file."""
    stack_path = stacks_dir / f"Pulumi.{req.stack}.yaml"
    waivers_path = stacks_dir / f"waivers.{req.stack}.yaml"
    for path in (stack_path, waivers_path):
        if path.exists():
            raise ScaffoldError(f"{path} already exists; siaga new never overwrites - choose another --service/--env or remove it")
    stack_text, waivers_text, _ = render(req, stacks_dir)
    # Exclusive creation (several `siaga new` at once: one writes, the others fail in one line), whole files only;
    # if the second file cannot be created the first is taken back, so no half-made stack is left.
    try:
        create_exclusive(stack_path, stack_text)
    except FileExistsError:
        raise ScaffoldError(f"{stack_path} already exists; siaga new never overwrites - choose another --service/--env "
                            "or remove it") from None
    try:
        create_exclusive(waivers_path, waivers_text)
    except BaseException as exc:
        stack_path.unlink(missing_ok=True)
        if isinstance(exc, FileExistsError):
            raise ScaffoldError(f"{waivers_path} already exists; siaga new never overwrites") from None
        raise
    return [stack_path, waivers_path]

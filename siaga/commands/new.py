"""``siaga new``: scaffold an agency stack (config + waivers) from a reference stack."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from siaga.commands.common import fail
from siaga.engine.preview import REPO_ROOT
from siaga.scaffold import NewStack, ScaffoldError, write

console = Console()
_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]\Z")


def _interactive() -> bool:
    """True when a person can answer prompts (stdin is a terminal)."""
    return sys.stdin.isatty()


def register(app: typer.Typer) -> None:
    @app.command()
    def new(
        agency: Annotated[str, typer.Argument(help="Agency short name, e.g. dukcapil")],
        service: Annotated[str | None, typer.Option("--service", help="Service short name, e.g. adminduk")] = None,
        domain: Annotated[str | None, typer.Option("--domain", help="Public name, e.g. layanan.agency.go.id")] = None,
        source: Annotated[str, typer.Option("--from", help="Reference stack to copy")] = "jakarta-prod",
        env: Annotated[str, typer.Option("--env", help="prod | staging | dev")] = "prod",
        vpc_cidr: Annotated[str | None, typer.Option("--vpc-cidr", help="VPC range (default: the first free /16)")] = None,
        owner: Annotated[str | None, typer.Option("--owner", help="Owning unit (tag)")] = None,
        cost_centre: Annotated[str | None, typer.Option("--cost-centre", help="Cost centre / kode satker (tag)")] = None,
        contact_email: Annotated[str | None, typer.Option("--contact-email", help="Incident response (TTIS) e-mail")] = None,
        contact_phone: Annotated[str | None, typer.Option(
            "--contact-phone", help="Incident response (TTIS) phone, called first, e.g. +62-21-1234-5678")] = None,
        escalation: Annotated[list[str] | None, typer.Option(
            "--escalation", help="Next contact in escalation order: NAME,EMAIL,PHONE[,ROLE] (repeatable)")] = None,
        agency_name: Annotated[str | None, typer.Option(
            "--agency-name", help="The agency's full official name (siaga:documentControl.agencyName)")] = None,
        approver: Annotated[str | None, typer.Option(
            "--approver", help="Official who approves the DRP and evidence (name, position)")] = None,
        standby: Annotated[str | None, typer.Option("--standby", help="Standby site's public IPv4 or hostname")] = None,
        standby_network: Annotated[list[str] | None, typer.Option("--standby-network", help="On-prem CIDR (repeatable)")] = None,
        standby_ip: Annotated[list[str] | None, typer.Option(
            "--standby-ip", help="Standby's public IPv4 (repeatable): required when --standby is a name inside the "
                                 "stack's zone")] = None,
        stacks_dir: Annotated[Path | None, typer.Option("--stacks-dir", help="Where stack files live (default: stacks/)")] = None,
        force_no_input: Annotated[bool, typer.Option("--force-no-input", help="Never prompt; fail if a value is missing")] = False,
    ) -> None:
        """Write stacks/Pulumi.AGENCY-SERVICE-ENV.yaml and its waivers file, validated, never overwriting."""
        interactive = _interactive() and not force_no_input
        if env not in ("prod", "staging", "dev"):
            fail(f"--env {env!r}: allowed: prod, staging, dev")
        if not _SLUG.match(agency):
            fail(f"AGENCY {agency!r}: allowed: 3-32 lowercase letters, digits and hyphens, starting with a letter")
        values = {"service": service, "domain": domain, "owner": owner, "cost-centre": cost_centre,
                  "contact-email": contact_email, "contact-phone": contact_phone, "standby": standby,
                  "agency-name": agency_name, "approver": approver}
        prompts = {"service": "Service short name", "domain": "Public domain of the service",
                   "owner": "Owning unit", "cost-centre": "Cost centre (kode satker)",
                   "contact-email": "Incident response e-mail", "contact-phone": "Incident response phone",
                   "standby": "Standby site address (IPv4 or hostname)",
                   "agency-name": "Agency's full official name", "approver": "Official approving the documents"}
        missing = [key for key, value in values.items() if not value]
        if missing and not interactive:
            fail(f"{', '.join('--' + k for k in missing)} {'is' if len(missing) == 1 else 'are'} missing and there is no "
                 f"terminal to ask on; give {' '.join(f'--{k} VALUE' for k in missing)}")
        for key in missing:
            values[key] = typer.prompt(prompts[key]).strip()
        req = NewStack(agency=agency, service=str(values["service"]), domain=str(values["domain"]),
                       owner=str(values["owner"]), cost_centre=str(values["cost-centre"]),
                       contact_email=str(values["contact-email"]), standby=str(values["standby"]), environment=env,
                       source=source, vpc_cidr=vpc_cidr, standby_networks=list(standby_network or []),
                       contact_phone=str(values["contact-phone"]), escalation=list(escalation or []),
                       agency_name=str(values["agency-name"]), approver=str(values["approver"]),
                       standby_ips=list(standby_ip or []))
        folder = stacks_dir or REPO_ROOT / "stacks"
        try:
            paths = write(req, folder)
        except ScaffoldError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"--stacks-dir {folder}: cannot write there ({exc.strerror or exc})")
        for p in paths:
            console.print(f"wrote {p}", markup=False, highlight=False)
        console.print(f"next: siaga check --stack {req.stack}", markup=False, highlight=False)

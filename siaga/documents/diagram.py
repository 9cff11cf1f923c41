"""Architecture diagram (PNG and SVG) laid out by Graphviz ``dot`` from the stack's graph.

What it shows, each from the graph: the traffic path (users → Route 53 → AWS WAF → ALB → the application in each
Availability Zone → the database), each AZ's tiers (NAT gateway, application) as a boundary of its own, the standby
site with the Site-to-Site VPN and the DMS replication arrow to its database, the separate backup account as its own
boundary (a vault whose provider assumes a role in another account: components/backup_account.py), the stack's own
account and Region as the outer boundary, a legend, and the Region and date in the title. One language per diagram
(``lang``); resource and AWS names as they are.

Why Graphviz: it sizes every box to its label (nothing overflows) and routes the edges; the DOT text is built here,
every label escaped (graph text is inert: quotes and backslashes cannot end a label or become a Graphviz escape),
and ``dot`` runs with an argument list, never a shell. Output is deterministic (Graphviz writes no timestamp; ids are
the DOT names given here, in the graph's URN order); the date is the day, as on the PDF.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

from siaga.documents.drp_security import _isolated_account
from siaga.documents.l10n import lang_or_en
from siaga.documents.topology import Topology
from siaga.i18n import Language

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
VPN = "aws:ec2/vpnConnection:VpnConnection"
VAULT = "aws:backup/vault:Vault"
KMS_KEY = "aws:kms/key:Key"
FONT = "DejaVu Sans"
COLOURS = {"edge": "#dbe9f6", "public": "#e3f2d9", "app": "#fff2cc", "data": "#f8d7da", "regional": "#e7e3f4",
           "standby": "#eeeeee", "backup": "#fde9d9"}
SPOF = "#c00000"


class DiagramError(RuntimeError):
    """``dot`` is missing or failed: the message names what to install or what went wrong."""


def q(text: str) -> str:
    """A DOT string: quotes and backslashes escaped (``\\N``, ``\\G``... are Graphviz escapes), lines joined by
    ``\\n`` (centred)."""
    return '"' + "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in str(text).split("\n")) + '"'


def _node(name: str, label: str, colour: str, spof: bool = False, shape: str = "box") -> str:
    border = f', color="{SPOF}", penwidth=2.5, fontcolor="{SPOF}"' if spof else ""
    return f'{name} [label={q(label)}, shape={shape}, fillcolor="{colour}"{border}];'


def dot_source(topo: Topology, spofs: list[str] | None = None, lang: Language | None = None,
               day: dt.date | None = None) -> str:
    """The diagram as DOT text (what :func:`draw` renders; tests read the edges from it)."""
    lang = lang_or_en(lang)
    _ = lang.gettext
    g = topo.graph
    region = topo.config.region if topo.config else str(g.config.get("aws:region") or "ap-southeast-3")
    day = day or dt.datetime.now(dt.UTC).date()
    columns = topo.zones or [_("(no AZ)")]
    title = _("{project}/{stack} - {count} resources").format(project=g.project, stack=g.stack,
                                                            count=len(g.resources))
    title += "\n" + _("Region {region} - drawn {date}").format(region=region, date=day.isoformat())
    out = ["digraph architecture {",
           f'  graph [label={q(title)}, labelloc=t, fontname="{FONT}", fontsize=13, compound=true, '
           'rankdir=TB, nodesep=0.3, ranksep=0.45, bgcolor="white"];',
           f'  node [fontname="{FONT}", fontsize=10, style="rounded,filled", margin="0.15,0.06"];',
           f'  edge [fontname="{FONT}", fontsize=9];',
           # a cluster of its own: dot keeps clusters apart, not a lone node from a cluster's label area
           '  subgraph cluster_internet { label=""; style=invis;',
           "    " + _node("users", _("Users (internet)"), "#ffffff", shape="ellipse"), "  }"]
    p, s = topo.primary, topo.secondary
    dns = _("{service} failover").format(service="Route 53") if topo.failover else _("DNS (no failover records)")
    if p is not None:
        dns += "\n" + p.name
    if p and p.health_check:
        dns += "\n" + _("health check {interval} s x {threshold}, TTL {ttl} s").format(
            interval=p.health_check.interval, threshold=p.health_check.threshold, ttl=max(p.ttl, s.ttl if s else 0))
    out += ["  subgraph cluster_account {",
            "    label=" + q(_("AWS account of the stack - Region {region} (Route 53: global)").format(region=region)) + ";",
            '    style="rounded"; color="#1f3864"; penwidth=1.5; fontname="' + FONT + '";',
            "    " + _node("dns", dns, COLOURS["edge"])]
    out.append('  users -> dns [label="DNS"];')
    entry = "dns"
    acls = g.of_type(WEB_ACL)
    if acls:
        out.append("    " + _node("waf", "AWS WAF\n" + (str(acls[0].plain_inputs().get("name") or acls[0].name)),
                                  COLOURS["edge"]))
        out.append(f"    {entry} -> waf [label={q('PRIMARY')}];")
        entry = "waf"
    lbs = [f"ALB {lb.name}\n" + _("{count} AZ").format(count=len(z)) for lb, z in topo.lbs]
    if not lbs and p is not None and p.target.endswith(".elb.amazonaws.com"):
        lbs = [_("ALB of the Kubernetes Ingress\n(AWS Load Balancer Controller)")]
    if lbs:
        out.append("    " + _node("alb", "\n".join(lbs), COLOURS["edge"]))
        out.append(f"    {entry} -> alb" + (f" [label={q('PRIMARY')}]" if entry == "dns" else "") + ";")
        entry = "alb"
    shared_nat = len(topo.nat_zones()) < len(topo.app_zones())
    app_nodes: list[str] = []
    nat_nodes: list[str] = []
    for i, zone in enumerate(columns):
        out += [f"    subgraph cluster_az{i} {{", f"      label={q('AZ ' + zone)};",
                '      style="dashed"; color="#7f7f7f";']
        here: list[str] = []
        for j, (asg, zones) in enumerate(topo.asgs):
            if zone in zones:
                kind = ("Auto Scaling group\n" + _("instances") if asg.type == "aws:autoscaling/group:Group"
                        else _("EKS node groups") + "\n" + _("nodes"))
                name = f"app{i}_{j}"
                out.append("      " + _node(name, f"{asg.name}\n{kind}", COLOURS["app"], spof=len(zones) < 2))
                app_nodes.append(name)
                here.append(name)
        for j, (nat, nz) in enumerate(topo.nats):
            if nz == zone:
                label = f"NAT {nat.name}\n" + _("egress") + ("\n" + _("shared by every AZ") if shared_nat else "")
                out.append("      " + _node(f"nat{i}_{j}", label, COLOURS["public"], spof=shared_nat))
                nat_nodes.append(f"nat{i}_{j}")
                # below the application it serves: the AZ reads top-down as the request goes
                out += [f"      {a} -> nat{i}_{j} [style=invis];" for a in here]
        out.append("    }")
    for name in app_nodes:
        out.append(f"    {entry} -> {name};" if entry != "dns" else f"    dns -> {name} [label={q('PRIMARY')}];")
    db_nodes: list[str] = []
    for k, db in enumerate(topo.databases):
        name = f"db{k}"
        out.append("    " + _node(name, f"RDS {db.identifier}\n{db.kind}\n" + _("AZ: {zones}").format(
            zones=", ".join(db.zones)), COLOURS["data"], spof=not db.multi_az))
        db_nodes.append(name)
        out += [f"    {a} -> {name};" for a in app_nodes]
        out += [f"    {n} -> {name} [style=invis];" for n in nat_nodes]  # the data tier under the AZs
    own_vaults = [v for v in topo.vaults if _isolated_account(g, v.resource) is None]
    regional = [_("Backup vault {name}").format(name=v.name) + (" " + _("(locked)") if v.lock_min_days else "")
                for v in own_vaults]
    regional += [f"KMS {k.name}" for k in g.of_type(KMS_KEY) if _isolated_account(g, k) is None][:3]
    if regional:
        out.append("    " + _node("regional", "\n".join(regional), COLOURS["regional"]))
        backup = q(_("backup"))
        out += [f'    {d} -> regional [label={backup}, style=dotted, color="#1f4e9a"];' for d in db_nodes]
    vpns = g.of_type(VPN)
    if vpns:
        out.append("    " + _node("vpn", _("Site-to-Site VPN") + f"\n{vpns[0].name}", COLOURS["edge"]))
    out.append("  }")

    isolated = [(v, _isolated_account(g, v)) for v in g.of_type(VAULT)]
    for k, (vault, acct) in enumerate((v, a) for v, a in isolated if a is not None):
        out += [f"  subgraph cluster_backup{k} {{",
                "    label=" + q(_("Separate backup account {account}").format(account=acct[1])) + ";",
                '    style="rounded,bold"; color="#b45f06"; penwidth=2;']
        name = str(vault.plain_inputs().get("name") or vault.name)
        out.append("    " + _node(f"isolated{k}", _("Backup vault {name}").format(name=name) + "\n"
                                  + _("(locked)"), COLOURS["backup"]))
        out.append("  }")
        src = "regional" if regional else (db_nodes[0] if db_nodes else None)
        if src:
            copy = q(_("copy of every recovery point"))
            out.append(f'  {src} -> isolated{k} [label={copy}, style=dotted, color="#1f4e9a"];')

    if s is not None or topo.replications:
        out += ["  subgraph cluster_standby {", "    label=" + q(_("Standby site (in-country)")) + ";",
                '    style="rounded"; color="#555555";']
        if s is not None:
            out.append("    " + _node("standby", _("standby endpoint") + f"\n{s.target}", COLOURS["standby"]))
        for k, r in enumerate(topo.replications):
            out.append("    " + _node(f"standby_db{k}", _("standby database") + f"\n{r.target_server or '?'}",
                                      COLOURS["standby"]))
        out.append("  }")
        if s is not None:
            secondary = q(_("SECONDARY (failover)"))
            out.append(f"  dns -> standby [label={secondary}, style=dashed];")
        for k, r in enumerate(topo.replications):
            via = "vpn" if vpns else None
            label = _("DMS full load + CDC\ntask {task}").format(task=r.task_id)
            src = db_nodes[0] if db_nodes else "dns"
            if via:
                out.append(f'  {src} -> vpn [label={q(label)}, style=dotted, color="#1f4e9a"];')
                out.append(f'  vpn -> standby_db{k} [style=dotted, color="#1f4e9a"];')
            else:
                out.append(f'  {src} -> standby_db{k} [label={q(label)}, style=dotted, color="#1f4e9a"];')

    legend = [_("Legend"), _("solid arrow: traffic (PRIMARY)"), _("dashed arrow: failover to the standby"),
              _("dotted arrow: copy of data (replication, backup)"), _("red border: single point of failure"),
              _("frames: account, AZ and site boundaries")]
    if spofs:
        legend += ["", _("Single points of failure:")] + [f"- {x}" for x in spofs]
    out += ["  subgraph cluster_legend {", '    label=""; style="rounded"; color="#bbbbbb";',
            "    " + f'legend [shape=note, style=filled, fillcolor="#ffffff", fontsize=9, '
            f'label={q(chr(10).join(legend))}' + (f', fontcolor="{SPOF}"' if spofs else "") + "];", "  }"]
    out.append("}")
    return "\n".join(out) + "\n"


def draw(topo: Topology, out_dir: Path, stem: str = "architecture", spofs: list[str] | None = None,
         lang: Language | None = None, day: dt.date | None = None) -> list[Path]:
    """Renders :func:`dot_source` to ``stem``.png and ``stem``.svg in ``out_dir``; raises DiagramError when Graphviz
    is not installed (Debian package ``graphviz``, in scripts/ci-apt-packages.txt) or fails."""
    dot = shutil.which("dot")
    if dot is None:
        raise DiagramError("graphviz 'dot' not found on PATH: install the graphviz package (apt-get install graphviz)")
    source = dot_source(topo, spofs, lang, day)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    for path, fmt in ((paths[0], ["-Tpng", "-Gdpi=110"]), (paths[1], ["-Tsvg"])):
        done = subprocess.run([dot, *fmt, "-o", str(path)], input=source, text=True, capture_output=True,
                              check=False, timeout=120)
        if done.returncode != 0:
            raise DiagramError(f"graphviz dot failed ({done.returncode}): {done.stderr.strip()[:300]}")
    # dot writes every '-' of a label as '&#45;' (it would be '--' in its XML comments): outside the comments the
    # text reads as written, so the SVG's names are searchable as they are (apse3-az1, contoh-layanan-prod-db)
    svg = paths[1].read_text(encoding="utf-8")
    parts = re.split(r"(<!--.*?-->)", svg, flags=re.S)
    paths[1].write_text("".join(p if p.startswith("<!--") else p.replace("&#45;", "-") for p in parts),
                        encoding="utf-8")
    return paths


__all__ = ["DiagramError", "dot_source", "draw"]

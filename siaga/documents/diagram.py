"""Architecture diagram (PNG and SVG) drawn with matplotlib: columns = Availability Zones, rows = tiers."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from siaga.documents.l10n import lang_or_en  # noqa: E402
from siaga.documents.topology import Topology  # noqa: E402
from siaga.i18n import N_, Language  # noqa: E402

ROWS = {"edge": 4.0, "public": 3.0, "app": 2.0, "data": 1.0, "regional": 0.0}
ROW_LABELS = {"edge": N_("edge"), "public": N_("public"), "app": N_("app"), "data": N_("data"),
              "regional": N_("regional")}
COLOURS = {"edge": "#dbe9f6", "public": "#e3f2d9", "app": "#fff2cc", "data": "#f8d7da", "regional": "#e7e3f4", "standby": "#eeeeee"}


def _box(ax: plt.Axes, x0: float, x1: float, row: str, text: str, colour: str | None = None, spof: bool = False) -> None:
    y = ROWS.get(row, 4.0)
    ax.add_patch(FancyBboxPatch((x0 + 0.05, y + 0.12), x1 - x0 - 0.1, 0.76, boxstyle="round,pad=0.02",
                                fc=colour or COLOURS.get(row, "#ffffff"), ec="#c00000" if spof else "#333333",
                                lw=2.5 if spof else 1))
    longest = max(len(line) for line in text.splitlines())
    size = 7 if longest <= 28 * (x1 - x0) else 5.5
    ax.text((x0 + x1) / 2, y + 0.5, text, ha="center", va="center", fontsize=size, color="#c00000" if spof else "black")


def _span(zones: list[str], columns: list[str]) -> tuple[float, float] | None:
    idx = [columns.index(z) for z in zones if z in columns]
    if not idx:
        return None
    return float(min(idx)), float(max(idx) + 1)


def draw(topo: Topology, out_dir: Path, stem: str = "architecture", spofs: list[str] | None = None,
         lang: Language | None = None) -> list[Path]:
    """Draws the graph; boxes that are single points of failure get a red border, and ``spofs`` (already in the
    document's language, from availability.budget) are listed. Labels in ``lang`` (default English); resource and
    AWS names as they are."""
    lang = lang_or_en(lang)
    _ = lang.gettext
    columns = topo.zones or [_("(no AZ)")]
    n = len(columns)
    fig, ax = plt.subplots(figsize=(3.2 * n + 3.2, 6.5))
    ax.set_xlim(-1.0, n + 1.2)
    ax.set_ylim(-0.3, 5.3)
    ax.axis("off")
    ax.set_title(_("{project}/{stack} - {count} resources").format(
        project=topo.graph.project, stack=topo.graph.stack, count=len(topo.graph.resources)), fontsize=10)
    for i, z in enumerate(columns):
        ax.add_patch(FancyBboxPatch((i + 0.02, 0.95), 0.96, 3.0, boxstyle="square,pad=0", fc="none", ec="#7f7f7f", ls="--"))
        ax.text(i + 0.04, 3.97, f"AZ {z}", ha="left", va="bottom", fontsize=7, color="#555555")
    for row, y in ROWS.items():
        ax.text(-0.95, y + 0.5, _(ROW_LABELS[row]), ha="left", va="center", fontsize=8, style="italic")

    p, s = topo.primary, topo.secondary
    dns = _("{service} failover").format(service="Route 53")
    if p and p.health_check:
        dns += "\n" + _("health check {interval}s x {threshold}, TTL {ttl}s").format(
            interval=p.health_check.interval, threshold=p.health_check.threshold, ttl=max(p.ttl, s.ttl if s else 0))
    _box(ax, 0, n, "edge", dns if topo.failover else _("DNS (no failover records)"))
    for lb, zones in topo.lbs:
        span = _span(zones, columns)
        if span:
            ax.text((span[0] + span[1]) / 2, 3.93, f"ALB {lb.name} ({len(zones)} AZ)", ha="center", va="top", fontsize=7,
                    bbox={"fc": "#cfe2f3", "ec": "#333333", "boxstyle": "round"})
    shared_nat = len(topo.nat_zones()) < len(topo.app_zones())
    for nat, zone in topo.nats:
        if zone in columns:
            i = columns.index(zone)
            _box(ax, i, i + 1, "public", f"NAT {nat.name}" + ("\n" + _("shared by every AZ") if shared_nat else ""),
                 spof=shared_nat)
    for asg, zones in topo.asgs:
        span = _span(zones, columns)
        if span:
            label = "Auto Scaling group" if asg.type == "aws:autoscaling/group:Group" else _("EKS node groups")
            _box(ax, span[0], span[1], "app", f"{label} {asg.name}\n{len(zones)} AZ", spof=len(zones) < 2)
    for db in topo.databases:
        span = _span(db.zones, columns)
        if span:
            _box(ax, span[0], span[1], "data", f"RDS {db.identifier}\n{db.kind}", spof=not db.multi_az)
    regional = [f"Backup vault {v.name}" + (" " + _("(locked)") if v.lock_min_days else "") for v in topo.vaults]
    regional += [f"KMS {k.name}" for k in topo.graph.of_type("aws:kms/key:Key")][:3]  # URN order (analyse)
    if regional:
        _box(ax, 0, n, "regional", "  |  ".join(regional))
    standby = s.target if s else _("none")
    ax.add_patch(FancyBboxPatch((n + 0.1, 2.1), 1.0, 1.8, boxstyle="round,pad=0.02", fc=COLOURS["standby"], ec="#333333"))
    ax.text(n + 0.6, 3.0, _("standby\n(in-country)\n{target}").format(target=standby), ha="center", va="center", fontsize=6.5, wrap=True)
    if s:
        ax.annotate("", xy=(n + 0.6, 3.9), xytext=(n - 0.05, 4.5), arrowprops={"arrowstyle": "->", "ls": "--"})
    if spofs:
        ax.text(-0.95, -0.25, _("Single points of failure:") + "\n" + "\n".join(f"- {x}" for x in spofs), ha="left", va="top",
                fontsize=7, color="#c00000")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    # SVG keeps real, searchable text; fixed ids and no timestamp: the same stack draws the same file
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "siaga"}):
        for path in paths:
            fig.savefig(path, dpi=120, bbox_inches="tight", metadata={"Date": None} if path.suffix == ".svg" else None)
    plt.close(fig)
    return paths

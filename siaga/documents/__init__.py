"""Documents generated from a stack's resource graph: DRP runbook, availability budget, residency, diagram."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from siaga.documents import availability, drp, residency
from siaga.documents.topology import Topology, analyse
from siaga.engine.model import Graph


@dataclass
class ReportFiles:
    drp: Path
    drp_pdf: Path
    availability: Path
    availability_json: Path
    residency_md: Path
    residency_csv: Path
    residency_json: Path
    diagrams: list[Path]

    def all(self) -> list[Path]:
        return [self.drp, self.drp_pdf, self.availability, self.availability_json, self.residency_md, self.residency_csv,
                self.residency_json, *self.diagrams]


def write_reports(graph: Graph, stack: str, out_dir: Path) -> tuple[ReportFiles, Topology, availability.Budget]:
    """Builds every document for ``graph`` into ``out_dir``."""
    from siaga.documents.diagram import draw  # matplotlib import is slow: only when drawing
    from siaga.documents.pdf import markdown_to_pdf

    out_dir.mkdir(parents=True, exist_ok=True)
    topo = analyse(graph)
    budget = availability.budget(topo)
    allowed = list(topo.config.allowedRegions) if topo.config else [str(graph.config.get("aws:region", "ap-southeast-3"))]
    rows = residency.rows(topo)
    files = ReportFiles(
        drp=out_dir / "drp.md", drp_pdf=out_dir / "drp.pdf", availability=out_dir / "availability.md", availability_json=out_dir / "availability.json",
        residency_md=out_dir / "residency.md", residency_csv=out_dir / "residency.csv",
        residency_json=out_dir / "residency.json", diagrams=draw(topo, out_dir, spofs=budget.spofs))
    drp_md = drp.render_markdown(topo, stack, diagram_name=files.diagrams[0].name)
    files.drp.write_text(drp_md, encoding="utf-8")
    markdown_to_pdf(drp_md, files.drp_pdf, out_dir)
    files.availability.write_text(availability.render_markdown(budget, stack), encoding="utf-8")
    files.availability_json.write_text(json.dumps(availability.as_dict(budget), indent=2) + "\n", encoding="utf-8")
    files.residency_md.write_text(residency.render_markdown(rows, stack, allowed), encoding="utf-8")
    files.residency_csv.write_text(residency.to_csv(rows), encoding="utf-8")
    files.residency_json.write_text(residency.to_json(rows, stack, allowed), encoding="utf-8")
    return files, topo, budget


__all__ = ["ReportFiles", "Topology", "analyse", "write_reports"]

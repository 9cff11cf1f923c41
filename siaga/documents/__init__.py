"""Documents generated from a stack's resource graph: DRP runbook, availability budget, residency, diagram."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from siaga.documents import availability, control, drp, residency
from siaga.documents.baku import italicise
from siaga.documents.facts import Facts
from siaga.documents.topology import Topology, analyse
from siaga.engine.model import Graph
from siaga.files import write_output
from siaga.i18n import DEFAULT_LANGUAGE, Language, language


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


def document_language(topo: Topology, lang: Language | str | None = None) -> Language:
    """The language the documents are written in: ``lang`` (``siaga report --lang``) over the stack's
    ``siaga:documentLanguage`` over the default (id). An unknown code raises siaga.i18n.UnknownLanguage."""
    if isinstance(lang, Language):
        return lang
    if not lang:
        lang = topo.config.documentLanguage if topo.config else topo.graph.config.get("siaga:documentLanguage")
    return language(str(lang) if lang else DEFAULT_LANGUAGE)


def g_project(graph: Graph) -> str:
    """The Pulumi project: the PDF's author when the stack has no siaga config (no agency)."""
    return graph.project


def _pdf_author(topo: Topology, graph: Graph) -> str:
    """The agency's full name (``siaga:documentControl.agencyName``), else its short name, else the project."""
    if topo.config is None:
        return g_project(graph)
    return topo.config.documentControl.agencyName or topo.config.agency


def render_texts(topo: Topology, stack: str, lang: Language, budget: availability.Budget | None = None,
                 diagram_name: str = "architecture.png") -> dict[str, str]:
    """Every text document of ``topo`` in ``lang`` by file name, each with its document control block: what
    :func:`write_reports` writes (besides the diagram and the PDF of the DRP)."""
    budget = budget or availability.budget(topo, lang=lang)
    graph = topo.graph
    allowed = list(topo.config.allowedRegions) if topo.config else [str(graph.config.get("aws:region", "ap-southeast-3"))]
    rows = residency.rows(topo)
    endpoints = residency.outside_endpoints(graph, allowed)
    _ = lang.gettext
    return {
        "drp.md": drp.render_markdown(topo, stack, diagram_name=diagram_name, lang=lang,
                                      control=control.block(topo, _("Disaster Recovery Plan"), stack, lang)),
        # foreign terms in italics in Indonesian Markdown (baku.py; the DRP does it itself)
        "availability.md": italicise(availability.render_markdown(
            budget, stack, lang=lang, control=control.block(topo, _("Availability budget"), stack, lang)), lang),
        "availability.json": json.dumps(availability.as_dict(budget), indent=2) + "\n",
        "residency.md": italicise(residency.render_markdown(
            rows, stack, allowed, endpoints, lang=lang,
            control=control.block(topo, _("Residency evidence"), stack, lang)), lang),
        "residency.csv": residency.to_csv(rows, lang=lang),
        "residency.json": residency.to_json(rows, stack, allowed, endpoints),  # keys stay English
    }


def write_reports(graph: Graph, stack: str, out_dir: Path, lang: Language | str | None = None,
                  outputs: dict[str, object] | None = None, state: Graph | None = None,
                  ) -> tuple[ReportFiles, Topology, availability.Budget]:
    """Builds every document for ``graph`` into ``out_dir``: all of them or none. Each is rendered into a private
    staging folder next to ``out_dir`` and only when every one is complete are they renamed into place (a rename
    replaces a file atomically), so a failure leaves no half-written or partial set. ``lang``: see
    :func:`document_language` (checked before anything is written). ``outputs`` (``pulumi stack output --json``) and
    ``state`` (``pulumi stack export``): the deployment's own values for what the offline run can only stand in for
    (siaga/documents/facts.py); without them those values are written as known after ``pulumi up``."""
    from siaga.documents.diagram import draw  # matplotlib import is slow: only when drawing
    from siaga.documents.pdf import PdfMeta, markdown_to_pdf

    topo = analyse(graph, Facts.of(graph, outputs=outputs, state=state))
    lang = document_language(topo, lang)
    budget = availability.budget(topo, lang=lang)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        diagrams = draw(topo, staging, spofs=budget.spofs, lang=lang)
        texts = render_texts(topo, stack, lang, budget, diagram_name=diagrams[0].name)
        drp_md = texts["drp.md"]
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8")
        _ = lang.gettext
        meta = PdfMeta(title=drp_md.split("\n", 1)[0].lstrip("# ").strip(),
                       author=_pdf_author(topo, graph),
                       subject=_("Disaster Recovery Plan"), lang=lang.code)
        markdown_to_pdf(drp_md, staging / "drp.pdf", staging, meta)
        out_dir.mkdir(parents=True, exist_ok=True)
        for item in sorted(staging.iterdir()):  # a link to a device or a FIFO stays one (siaga/files.py)
            write_output(out_dir / item.name, item.read_bytes())
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = ReportFiles(
        drp=out_dir / "drp.md", drp_pdf=out_dir / "drp.pdf", availability=out_dir / "availability.md",
        availability_json=out_dir / "availability.json", residency_md=out_dir / "residency.md",
        residency_csv=out_dir / "residency.csv", residency_json=out_dir / "residency.json",
        diagrams=[out_dir / d.name for d in diagrams])
    return files, topo, budget


__all__ = ["ReportFiles", "Topology", "analyse", "document_language", "render_texts", "write_reports"]

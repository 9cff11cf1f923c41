"""The DRP runbook as PDF: prose through python-markdown and fpdf2's HTML writer, commands printed by siaga itself.

Why fpdf2 and not an HTML/CSS engine (WeasyPrint: ``white-space: pre-wrap``, tagged PDF): WeasyPrint needs Pango
from the system and a second rendering stack in the shared environment, for one thing fpdf2 did wrong, wrapping code
*after* HTML escaping (``&quot;`` cut in half, `` \\`` inside single-quoted JSON). Here a fenced code block never goes
through HTML: its lines are wrapped by siaga/documents/code_wrap.py (breaks only outside quotes, with a shell
continuation) and printed row by row in a monospace font, sized down for a block whose longest unbreakable row
would not fit. The prose between code blocks goes through ``write_html`` as before.

Fonts: the DejaVu TrueType fonts matplotlib ships (Unicode: en dashes, Indonesian names), so nothing is read from
the system. Metadata: title, author (the agency), subject, language (``/Lang``); the creation date is the day, not
the second, so the same stack rendered twice on one day is the same file (auditors diff documents).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import markdown
import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from siaga.documents.code_wrap import wrap_block

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
CODE_PT = 6.5
"""The commands' font size: 120 DejaVu Sans Mono characters (0.6 em each) fit the 180 mm between the margins."""
MONO_EM = 0.6
PT_MM = 25.4 / 72
CODE_WIDTH = 120
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class PdfMeta:
    """The document information dictionary and the catalog's ``/Lang``."""

    title: str
    author: str
    subject: str
    lang: str


def _pdf(meta: PdfMeta | None) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(), tzinfo=dt.UTC))
    if meta is not None:
        pdf.set_title(meta.title)
        pdf.set_author(meta.author)
        pdf.set_subject(meta.subject)
        pdf.set_lang(meta.lang)
    pdf.set_creator("siaga report")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(FONTS / "DejaVuSans-Oblique.ttf"))
    pdf.add_font("DejaVu", "BI", str(FONTS / "DejaVuSans-BoldOblique.ttf"))
    pdf.add_font("DejaVuMono", "", str(FONTS / "DejaVuSansMono.ttf"))
    pdf.set_font("DejaVu", size=9)
    pdf.add_page()
    return pdf


def _prose(pdf: FPDF, md_text: str, base_dir: Path) -> None:
    if not md_text.strip():
        return
    html = markdown.markdown(md_text, extensions=["tables"])
    # fpdf2 renders one run of text per table cell: a foreign term's italics (baku.py) stay in the prose only
    html = re.sub(r"(<t[dh][^>]*>)(.*?)(</t[dh]>)", lambda m: m.group(1) + re.sub(r"</?em>", "", m.group(2))
                  + m.group(3), html, flags=re.S)
    html = re.sub(r'<img alt="([^"]*)" src="([^"]+)"\s*/?>',
                  lambda m: f'<img src="{(base_dir / m.group(2)).as_posix()}" width="520">', html)
    pdf.write_html(html, font_family="DejaVu", table_line_separators=True,
                   tag_styles={"h1": FontFace(color="#1f3864", size_pt=16), "h2": FontFace(color="#1f3864", size_pt=12),
                               "code": FontFace(family="DejaVuMono", size_pt=7)})


def _code(pdf: FPDF, block: str) -> None:
    """One code block, row by row: the rows are the command's text, nothing escaped or re-wrapped by fpdf2."""
    rows = wrap_block(block.rstrip("\n"), CODE_WIDTH)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    size = min(CODE_PT, (width - 2) / (max(len(r) for r in rows) * MONO_EM * PT_MM))
    pdf.set_font("DejaVuMono", size=size)
    pdf.set_fill_color(242, 242, 242)
    height = size * PT_MM * 1.35
    pdf.ln(1)
    for row in rows:
        pdf.set_x(pdf.l_margin)
        pdf.cell(w=width, h=height, text=row, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=9)


def markdown_to_pdf(md_text: str, out: Path, base_dir: Path, meta: PdfMeta | None = None) -> Path:
    """Renders ``md_text``; images are resolved against ``base_dir`` (the diagram)."""
    pdf = _pdf(meta)
    start = 0
    for m in FENCE.finditer(md_text):
        _prose(pdf, md_text[start:m.start()], base_dir)
        _code(pdf, m.group(1))
        start = m.end()
    _prose(pdf, md_text[start:], base_dir)
    pdf.output(str(out))
    return out


__all__ = ["PdfMeta", "markdown_to_pdf"]

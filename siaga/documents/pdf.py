"""The DRP runbook as PDF: Markdown -> HTML (python-markdown) -> PDF (fpdf2), pure Python, no system binary.

Fonts: the DejaVu TrueType fonts matplotlib ships (Unicode: en dashes, Indonesian names), so nothing
is read from the system.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import markdown
import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    # the day, not the second: the same stack rendered twice on one day is the same file (auditors diff documents)
    pdf.set_creation_date(dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(), tzinfo=dt.UTC))
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


def _wrap_code(html: str, width: int = 95) -> str:
    """fpdf2 does not wrap <pre>: break long command lines with a shell continuation."""
    def wrap(m: re.Match[str]) -> str:
        out = []
        for line in m.group(2).split("\n"):
            while len(line) > width:
                cut = line.rfind(" ", 0, width)
                cut = cut if cut > 20 else width
                out.append(line[:cut] + " \\")
                line = "    " + line[cut:].lstrip()
            out.append(line)
        return m.group(1) + "\n".join(out) + m.group(3)
    return re.sub(r"(<pre><code[^>]*>)(.*?)(</code></pre>)", wrap, html, flags=re.S)


def markdown_to_pdf(md_text: str, out: Path, base_dir: Path) -> Path:
    """Renders ``md_text``; images are resolved against ``base_dir`` (the diagram)."""
    html = markdown.markdown(md_text, extensions=["tables", "fenced_code"])
    html = re.sub(r'<img alt="([^"]*)" src="([^"]+)"\s*/?>',
                  lambda m: f'<img src="{(base_dir / m.group(2)).as_posix()}" width="520">', html)
    html = _wrap_code(html)
    pdf = _pdf()
    pdf.write_html(html, font_family="DejaVu", table_line_separators=True,
                   tag_styles={"h1": FontFace(color="#1f3864", size_pt=16), "h2": FontFace(color="#1f3864", size_pt=12),
                               "code": FontFace(family="DejaVuMono", size_pt=7),
                               "pre": FontFace(family="DejaVuMono", size_pt=7)})
    pdf.output(str(out))
    return out

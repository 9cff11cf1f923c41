"""The printed runbook's commands are the Markdown's commands (#25): the PDF's text, extracted by poppler's
``pdftotext -layout`` (what a reader copying from a viewer gets), gives back every line of every code block once
the printed continuations are joined (siaga/documents/code_wrap.py: `` \\`` rows outside quotes, ``# …`` comment
rows). Before, code was wrapped after HTML escaping: ``&quot;`` was cut in half and `` \\`` landed inside
single-quoted JSON. Also the PDF's metadata: title, author (the agency), subject, ``/Lang``, a creation date that is
the day."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from siaga.documents import write_reports
from siaga.documents.code_wrap import unwrap, wrap_block, wrap_line
from siaga.engine import run_stack
from tests.test_documents_runbook import NEW_STACK, _topology

STACKS = ("jakarta-prod", "jakarta-staging", "hybrid-pdn")
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="pdftotext (poppler-utils, scripts/ci-apt-packages.txt) is not installed")


@cache
def _written(stack: str, lang: str, root: str) -> Path:
    out = Path(root) / f"{stack}-{lang}"
    graph = _topology(stack, root).graph if stack == NEW_STACK else run_stack(stack)  # siaga new, four-label domain
    write_reports(graph, stack, out, lang=lang)
    return out


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("pdf"))


def _collapse(line: str) -> str:
    return re.sub(r"[ \t]+", " ", line).strip()


def command_lines(markdown: str) -> list[str]:
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", markdown, flags=re.M | re.S)
    return [_collapse(line) for block in blocks for line in block.split("\n") if line.strip()]


def pdf_lines(pdf: Path) -> set[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = "\n".join(line.strip() for line in text.replace("\f", "").split("\n"))  # a page break starts a row
    return {_collapse(line) for line in unwrap(text).split("\n")}


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("stack", [*STACKS, NEW_STACK])
def test_pdf_commands_round_trip(stack: str, lang: str, root: str) -> None:
    out = _written(stack, lang, root)
    md = (out / "drp.md").read_text(encoding="utf-8")
    printed = pdf_lines(out / "drp.pdf")
    commands = command_lines(md)
    assert len(commands) > 40
    missing = [c for c in commands if c not in printed]
    assert not missing, f"{stack} ({lang}): {len(missing)} commands differ in the PDF, e.g. {missing[:3]}"
    raw = subprocess.run(["pdftotext", str(out / "drp.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "&quot;" not in raw and "&amp;" not in raw and "&#" not in raw


@pytest.mark.parametrize("stack", ["hybrid-pdn"])
def test_pdf_metadata(stack: str, root: str) -> None:
    for lang, title in (("id", "Rencana Pemulihan Bencana"), ("en", "Disaster Recovery Plan")):
        pdf = _written(stack, lang, root) / "drp.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        fields = dict(re.findall(r"^(\w+):\s+(.*)$", info, flags=re.M))
        assert fields["Title"] == f"{title} - {stack}" and fields["Subject"] == title
        assert fields["Author"] == "Dinas Contoh Provinsi Contoh"  # siaga:documentControl.agencyName of the stacks
        assert re.search(r"00:00:00 \d{4} UTC$", fields["CreationDate"]), fields["CreationDate"]
        assert f"/Lang ({lang})".encode() in pdf.read_bytes()


def test_wrapping_never_breaks_inside_quotes_and_reads_back() -> None:
    """The wrapper on its own: breaks outside quotes with a continuation, keeps an option with its value, wraps a
    comment as comment rows, leaves here-document bodies alone; bash reads the wrapped rows as the same command."""
    line = ("aws iam put-role-policy --role-name some-role --policy-name AWSRevokeOlderSessions --policy-document "
            "'{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\"}]}' --region x  # why")
    rows = wrap_line(line, 60)
    assert len(rows) > 2 and all(r.endswith(" \\") for r in rows[:-1] if not r.lstrip().startswith("#"))
    assert any("'{\"Version\":\"2012-10-17\"" in r and r.rstrip(" \\").endswith("}]}'") for r in rows)
    assert not any(r.rstrip().endswith("--policy-name \\") for r in rows)
    assert unwrap("\n".join(rows)) == _collapse(line)
    echo = subprocess.run(["bash", "-c", "\n".join(r.replace("aws ", "printf '%s|' ", 1) for r in rows)],
                          capture_output=True, text=True, check=True).stdout
    direct = subprocess.run(["bash", "-c", line.replace("aws ", "printf '%s|' ", 1)],
                            capture_output=True, text=True, check=True).stdout
    assert echo == direct
    long_comment = "# " + " ".join(["word"] * 40)
    assert all(r.startswith("#") for r in wrap_line(long_comment, 50))
    assert unwrap("\n".join(wrap_line(long_comment, 50))) == long_comment
    heredoc = "cat > f <<EOF\n" + "x" * 200 + "\nEOF"
    assert wrap_block(heredoc, 50)[1] == "x" * 200

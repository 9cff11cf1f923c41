"""Bahasa baku in the Indonesian documents (#25), reviewed against PUEBI and siaga/locale/glossary.yaml, over the
rendered DRP, availability budget and residency evidence of the three reference stacks. Each class of defect fails:

- an English word with an Indonesian affix (``di-commit``, ``TTL-nya``): reworded in Indonesian instead;
- a foreign term of siaga/locale/foreign-terms.yaml left upright (PUEBI: unabsorbed foreign words in italics);
- *pengalihan* for anything but failover (an HTTP redirect is *pengarahan ulang*; glossary);
- two unit styles in one table (``138 s`` next to ``5 menit``): Indonesian writes ``detik``, ``menit``, ``jam``;
- ASCII arrows and comparisons in prose (``->``, ``>=``): ``→``, ``≥``;
- scientific notation (``3,005e-06``): ``3,005 × 10⁻⁶``.

Code (fenced blocks and code spans), URLs and words quoted from AWS in double quotes are not prose."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from siaga.documents import write_reports
from siaga.engine import run_stack

STACKS = ("jakarta-prod", "jakarta-staging", "hybrid-pdn")
LOCALE = Path(__file__).resolve().parent.parent / "siaga" / "locale"
TERMS = yaml.safe_load((LOCALE / "foreign-terms.yaml").read_text(encoding="utf-8"))["terms"]
NAME = r"\w\-./:@"


@cache
def _documents(stack: str, root: str) -> dict[str, str]:
    out = Path(root) / stack
    write_reports(run_stack(stack), stack, out, lang="id")
    return {name: (out / name).read_text(encoding="utf-8") for name in ("drp.md", "availability.md", "residency.md")}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("baku"))


def prose(markdown: str) -> str:
    """The text a reader reads as Indonesian: no code, URLs, link targets or AWS quotations."""
    text = re.sub(r"^```.*?^```[ \t]*$", " ", markdown, flags=re.M | re.S)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"https?://[^\s)|]+|\]\([^)\n]*\)", " ", text)
    return re.sub(r"\"[^\"\n]*\"", " ", text)


def affixed_english(text: str) -> list[str]:
    return re.findall(r"\b(?:di|ke|ber|ter|me|mem|men|meng|pe|pen|peng)-\*?[A-Za-z]+|\b[A-Za-z*]+-(?:nya|kan|lah|kah)\b",
                      text)


def upright_terms(text: str) -> list[str]:
    found = []
    for term in TERMS:
        words = re.escape(term).replace(r"\ ", r"\s+")
        upright = re.sub(rf"\*{words}\*", " ", text, flags=re.I)
        found += re.findall(rf"(?<![{NAME}*])(?:{words})(?![\w\-/:@*]|\.\w)", upright, flags=re.I)
    return found


def tables(markdown: str) -> list[str]:
    return re.findall(r"((?:^\|.*\|[ \t]*\n)+)", prose(markdown) + "\n", flags=re.M)


def unit_styles(text: str) -> set[str]:
    styles = set()
    if re.search(r"\d\s?(?:s|min|h)\b(?![\w-])", text):
        styles.add("abbreviated (s, min, h)")
    if re.search(r"\d\s?(?:detik|menit|jam|hari)\b", text) or re.search(r"\b(?:detik|menit|jam|hari)\b", text):
        styles.add("words (detik, menit, jam)")
    return styles


def ascii_operators(text: str) -> list[str]:
    return re.findall(r"-+>|>=|<=|=>", text)


def scientific(text: str) -> list[str]:
    return re.findall(r"\d[.,]?\d*[eE][-+]?\d+\b", text)


@pytest.mark.parametrize("stack", STACKS)
def test_indonesian_documents_are_baku(stack: str, root: str) -> None:
    for name, markdown in _documents(stack, root).items():
        text = prose(markdown)
        where = f"{stack}/{name}"
        assert not affixed_english(text), f"{where}: English with an Indonesian affix: {affixed_english(text)}"
        assert not upright_terms(text), f"{where}: foreign terms not in italics: {sorted(set(upright_terms(text)))}"
        assert "pengalihan alamat" not in text.lower(), f"{where}: 'pengalihan' for a redirect"
        for table in tables(markdown):
            assert len(unit_styles(table)) <= 1, f"{where}: two unit styles in one table:\n{table[:400]}"
        assert not re.search(r"\d\s?s\b(?![\w-])", text), f"{where}: 'N s' in Indonesian prose (detik)"
        assert not ascii_operators(text), f"{where}: ASCII arrows/comparisons {ascii_operators(text)}"
        assert not scientific(text), f"{where}: scientific notation {scientific(text)}"


def test_pengalihan_only_translates_failover() -> None:
    """In the catalog, every translation that says *pengalihan* translates a message about failover (and every
    message about a redirect says *pengarahan ulang*)."""
    catalog = read_po((LOCALE / "id" / "LC_MESSAGES" / "siaga.po").open("rb"))
    wrong = [m.id for m in catalog if m.id and isinstance(m.string, str) and "pengalihan" in m.string.lower()
             and not re.search(r"fail(?:s|ing)?\b.*\bover|failover", str(m.id), flags=re.I | re.S)]
    assert not wrong, wrong
    redirects = [m for m in catalog if m.id and "redirect" in str(m.id).lower()]
    assert redirects and all("pengarahan ulang" in str(m.string) for m in redirects)


def test_the_checks_find_each_class() -> None:
    """Each check on its own catches the defect the issue reported, and passes the baku form."""
    bad = ("transaksi yang telah di-commit; selama TTL-nya; gunakan failover; 138 s; PRIMARY -> x; setelah >= 82 %;"
           " 3,005e-06")
    assert affixed_english(bad) == ["di-commit", "TTL-nya"]
    assert "stack" in [t.lower() for t in upright_terms("Setiap angka dihitung dari pengaturan stack.")]
    assert upright_terms("dari pengaturan *stack*; nama contoh-stack-vault; `stack`".replace("`stack`", "")) == []
    assert ascii_operators(bad) == ["->", ">="] and scientific(bad) == ["3,005e-06"]
    assert unit_styles("| RTO | 138 s |\n| RPO | 5 menit |") == {"abbreviated (s, min, h)", "words (detik, menit, jam)"}
    assert unit_styles("| RTO | 138 detik |\n| RPO | 5 menit |") == {"words (detik, menit, jam)"}
    assert scientific("3,005 × 10⁻⁶") == [] and ascii_operators("→ ≥") == []

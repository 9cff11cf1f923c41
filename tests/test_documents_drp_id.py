"""Documents in Bahasa Indonesia (#17): the language comes from ``siaga:documentLanguage`` (default id) or
``siaga report --lang``; the Indonesian DRP has no English prose left but names, commands and AWS's quoted words;
``--lang en`` gives exactly the English documents siaga wrote before the translation; the PDF carries the
Indonesian text.

The English expectation is ``tests/snapshots/documents_en/<stack>/`` (written by the code before #17, then re-ordered
once when documents started being built in URN order: the same lines, test_documents_deterministic.py). It is
compared exactly. After an intended change of the English text regenerate it with
``SIAGA_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_documents_drp_id.py`` and commit the diff.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from components.config import DOCUMENT_LANGUAGES, ConfigError, parse_config
from siaga.cli import app
from siaga.documents import document_language, drp, write_reports
from siaga.documents.topology import analyse
from siaga.engine import Graph, run_program, run_stack
from siaga.i18n import LANGUAGES, language
from tests.pdf_text import UNMAPPED, pdf_text

STACKS = ("jakarta-prod", "jakarta-staging", "hybrid-pdn")
SNAPSHOTS = Path(__file__).parent / "snapshots" / "documents_en"
FIXTURE = Path(__file__).parent / "fixtures" / "programs" / "report_ha"
_FUNCTION_WORDS = ("the and of is are was were be been with to for from when once not by it its this that these those "
                   "which only after before until then every each or in on at an has have had will can cannot must "
                   "any no into than there their they what while where how if unless also being over under")
ENGLISH = frozenset(_FUNCTION_WORDS.split())
"""English function words: one of them left in the Indonesian prose is an untranslated sentence."""


@cache
def _graph(stack: str) -> Graph:
    return run_stack(stack)


@cache
def _without_control(text: str) -> str:
    """The document without its control block (date and commit change run to run; tests/test_documents_figures.py
    checks the block itself)."""
    return re.sub(r"\n\| Document control \| Entry \|\n(?:\|.*\n)+\n", "\n", text, count=1)


def _written(stack: str, lang: str, root: str) -> Path:
    out = Path(root) / f"{stack}-{lang}"
    write_reports(_graph(stack), stack, out, lang=lang)
    return out


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("documents"))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _strings(json.loads(value))  # objects and lists arrive as JSON, as the CLI passes them
        except ValueError:
            return [value]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def english_left(markdown: str, graph: Graph) -> list[str]:
    """Sentences of ``markdown`` that still carry English function words, after removing what stays English: code
    spans, commands (every line of a fenced block but its ``#`` comment), URLs, AWS's words quoted in double
    quotes, the stack's own config values (agency's text such as a reason or a contact's role) and resource
    names."""
    prose: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            comment = line.strip()[1:] if line.strip().startswith("#") else line.split("  # ", 1)[1] if "  # " in line else ""
            prose.append(comment)
        else:
            prose.append(line)
    text = "\n".join(prose)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r'"[^"\n]*"', " ", text)
    text = re.sub(r"\baws [a-z0-9-]+ [a-z0-9-]+.*?(?=;|$)", " ", text, flags=re.M)  # a command quoted in a comment
    keep = sorted({s for k, v in graph.config.items() if k.startswith("siaga:") for s in _strings(v) if len(s) > 3}
                  | {r.name for r in graph.resources}, key=len, reverse=True)
    for s in keep:
        text = text.replace(s, " ")
    found = []
    for sentence in re.split(r"(?<=[.;:|])\s+|\n", text):
        words = {w.lower() for w in re.findall(r"[A-Za-z]+(?:[-'][A-Za-z]+)*", sentence)}
        if words & ENGLISH:
            found.append(f"{sorted(words & ENGLISH)}: {sentence.strip()[:160]}")
    return found


def test_config_languages_agree_with_the_catalogs() -> None:
    assert DOCUMENT_LANGUAGES == LANGUAGES


def test_bad_document_language_is_one_line() -> None:
    base = dict(_graph("jakarta-staging").config)
    assert parse_config(base).documentLanguage == "id"
    assert parse_config({k: v for k, v in base.items() if k != "siaga:documentLanguage"}).documentLanguage == "id"
    with pytest.raises(ConfigError) as info:
        parse_config({**base, "siaga:documentLanguage": "fr"})
    assert str(info.value) == ("siaga:documentLanguage: 'fr' is invalid: allowed: id | en (Bahasa Indonesia or "
                               "English documents)")


@pytest.mark.parametrize("stack", STACKS)
def test_english_is_exactly_what_siaga_wrote_before(stack: str, root: str) -> None:
    out = _written(stack, "en", root)
    for name in ("drp.md",):  # the budget's and residency's English: i18n2's tests (same snapshot folder)
        got = _without_control((out / name).read_text(encoding="utf-8"))
        want_file = SNAPSHOTS / stack / name
        if os.environ.get("SIAGA_UPDATE_SNAPSHOTS"):
            want_file.parent.mkdir(parents=True, exist_ok=True)
            want_file.write_text(got, encoding="utf-8")
        assert got.split("\n") == want_file.read_text(encoding="utf-8").split("\n"), f"{stack}/{name} changed"


@pytest.mark.parametrize("stack", STACKS)
def test_indonesian_drp_has_no_english_sentence(stack: str, root: str) -> None:
    out = _written(stack, "id", root)
    text = (out / "drp.md").read_text(encoding="utf-8")
    assert text.startswith(f"# Rencana Pemulihan Bencana - {stack}\n")
    left = english_left(text, _graph(stack))
    assert not left, "English left in the Indonesian DRP:\n" + "\n".join(left[:30])
    # the reader's terms, RTO/RPO spelled out once (the objectives table), the incident response team named
    assert text.count("RTO (target waktu pemulihan)") == 1 and text.count("RPO (target titik pemulihan)") == 1
    assert "Tim Tanggap Insiden Siber (TTIS)" in text and "zona ketersediaan" in text
    for english in ("Disaster Recovery Plan", "Manual steps", "worst case", "Recovery objectives"):
        assert english not in text
    for name in ("drp.md", "drp.pdf", "availability.md", "availability.json", "residency.md", "residency.csv",
                 "residency.json", "architecture.png"):
        assert (out / name).stat().st_size > 200, name


def test_the_checker_finds_english() -> None:
    """The checker itself: English prose is flagged; commands, code, URLs, quotes and names are not."""
    g = _graph("jakarta-staging")
    assert english_left("Kapasitas penuh: layanan membutuhkan 2.", g) == []
    assert english_left("```sh\naws rds describe-db-instances --region ap-southeast-3  # the instance\n```", g)
    assert english_left("Lihat `the file` di https://example.com/the/and (\"Failover times are typically\").", g) == []
    assert english_left("Run the steps in order.", g)


@pytest.mark.parametrize("stack", STACKS)
def test_pdf_renders_the_indonesian_text(stack: str, root: str) -> None:
    """The DejaVu fonts carry every character of the Indonesian DRP: its text, extracted from the PDF (the fonts'
    ToUnicode maps), has the Indonesian headings and prose and none of the English."""
    pdf = (_written(stack, "id", root) / "drp.pdf").read_bytes()
    text = re.sub(r"\s+", " ", pdf_text(pdf))
    assert UNMAPPED not in text, "a glyph the fonts do not map back to a character"
    for phrase in ("Rencana Pemulihan Bencana", "Target pemulihan", "RTO (target waktu pemulihan)",
                   "Hilangnya satu zona ketersediaan", "Langkah manual", "Tim Tanggap Insiden Siber",
                   "Penahanan", "Pemberantasan", "Kontak", "Sumber"):
        assert phrase in text, phrase
    english = re.sub(r"\s+", " ", pdf_text((_written(stack, "en", root) / "drp.pdf").read_bytes()))
    assert "Disaster Recovery Plan" in english and "Disaster Recovery Plan" not in text


def test_language_follows_the_stack_and_lang_overrides_it(tmp_path: Path) -> None:
    prod = run_program(FIXTURE, stack="jakarta-prod")
    assert document_language(analyse(prod)).code == "id"  # the reference stack sets id
    english = run_program(FIXTURE, stack="jakarta-prod", overrides={"siaga:documentLanguage": "en"})
    assert document_language(analyse(english)).code == "en"
    assert document_language(analyse(english), "id").code == "id"  # --lang wins
    write_reports(english, "jakarta-prod", tmp_path / "stack-en")
    assert (tmp_path / "stack-en" / "drp.md").read_text().startswith("# Disaster Recovery Plan - jakarta-prod")
    write_reports(english, "jakarta-prod", tmp_path / "lang-id", lang="id")
    assert (tmp_path / "lang-id" / "drp.md").read_text().startswith("# Rencana Pemulihan Bencana - jakarta-prod")
    # renderers called without a language keep their English (library callers, the drills)
    assert drp.render_markdown(analyse(prod), "x").startswith("# Disaster Recovery Plan - x")
    assert {s.key for s in drp.scenarios(analyse(prod), language("id"))} == {
        "instance", "az", "site", "database", "credentials"}


def test_cli_lang(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["report", "--stack", "jakarta-prod", "--program", str(FIXTURE), "--output",
                              str(tmp_path / "bad"), "--lang", "fr"])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1
    assert "--lang: 'fr'" in bad.output and "allowed: id | en" in bad.output
    assert not (tmp_path / "bad").exists()
    default = runner.invoke(app, ["report", "--stack", "jakarta-prod", "--program", str(FIXTURE), "--output",
                                  str(tmp_path / "docs")])
    assert default.exit_code == 0, default.output
    indonesian = (tmp_path / "docs" / "id" / "drp.md").read_text()
    assert indonesian.startswith("# Rencana Pemulihan Bencana")
    en = runner.invoke(app, ["report", "--stack", "jakarta-prod", "--program", str(FIXTURE), "--output",
                             str(tmp_path / "docs"), "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert (tmp_path / "docs" / "en" / "drp.md").read_text().startswith("# Disaster Recovery Plan")
    assert "Composite availability" in en.output and "wrote " in en.output
    # the English run wrote beside the Indonesian documents, never over them
    assert (tmp_path / "docs" / "id" / "drp.md").read_text() == indonesian
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["en", "id"]
    assert "Ketersediaan gabungan" in default.output and "ditulis " in default.output
    assert re.search(r"\d+,\d{4} %", default.output)  # Indonesian decimal comma in the summary


@pytest.mark.parametrize("sizing", [
    dict(min_size=3, az_count=3, required=2, boot_seconds=600), dict(min_size=2, az_count=2, required=2, boot_seconds=600),
    dict(min_size=4, az_count=2, required=3, boot_seconds=None), dict(min_size=3, az_count=3),
    dict(min_size=2, az_count=2, unit="nodes"), dict(min_size=6, az_count=3, required=5, boot_seconds=90),
])
def test_shared_sentences_are_the_components_english(sizing: dict[str, Any]) -> None:
    """The sentences the DRP rebuilds for translation (AZ-loss sizing, failover terms: siaga/documents/l10n.py) are,
    in English, exactly what components/ says itself, in every branch; in Indonesian they carry the same figures."""
    from components.config import AzSizing
    from components.failover_time import worst_case
    from siaga.documents.l10n import (
        describe_sizing,
        estimate_assumptions,
        estimate_formula,
        term_basis,
        term_name,
    )

    en, ind = language("en"), language("id")
    sz = AzSizing.observed(**sizing)
    assert describe_sizing(en, sz) == sz.describe()
    text = describe_sizing(ind, sz)
    assert f"{sz.surviving} dari {sz.min_size}" in text and " of " not in text
    for est in (worst_case(10, 3, 60), worst_case(30, 2, 300, check_type="TCP", direction="failback"),
                worst_case(10, 3, 60, resolver_extra_seconds=5)):
        assert [(term_name(en, t), term_basis(en, t)) for t in est.terms] == [(t.name, t.basis) for t in est.terms]
        assert estimate_formula(en, est) == est.formula and estimate_assumptions(en, est) == list(est.assumptions)
        assert all(term_basis(ind, t) != t.basis for t in est.terms)
        assert all(a != b for a, b in zip(estimate_assumptions(ind, est), est.assumptions, strict=True))


@pytest.mark.parametrize(("program", "stack", "overrides"), [
    ("thirdparty", "dev", {}),  # no failover, no backups, no siaga config: the "nothing" branches
    ("report_ha", "jakarta-prod", {"siaga:database": '{"mode": "multi-az-cluster"}'}),
    ("report_ha", "jakarta-prod", {"siaga:azCount": "2"}),
])
def test_indonesian_drp_of_other_programs(program: str, stack: str, overrides: dict[str, str]) -> None:
    g = run_program(FIXTURE.parent / program, stack=stack, overrides=overrides)
    text = drp.render_markdown(analyse(g), stack, lang="id")
    assert text.startswith("# Rencana Pemulihan Bencana") and not english_left(text, g), english_left(text, g)[:10]

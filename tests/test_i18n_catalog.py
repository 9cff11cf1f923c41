"""The Indonesian catalog is complete and consistent: CI fails on an untranslated, fuzzy or stale entry (#17).

Every message the code marks (``_()``, ``ngettext()``, ``N_()`` in siaga/ and components/, per babel.cfg) must be in
``siaga/locale/id/LC_MESSAGES/siaga.po`` with a translation that is not fuzzy, keeps the same ``{placeholders}``,
and uses the glossary's term wherever the English names one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from siaga.i18n import LANGUAGES, LOCALE_DIR, UnknownLanguage, language

ROOT = Path(__file__).resolve().parents[1]
PO = LOCALE_DIR / "id" / "LC_MESSAGES" / "siaga.po"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _catalog():
    with open(PO, "rb") as f:
        return read_po(f, locale="id", domain="siaga")


def _extracted() -> set[str | tuple[str, ...]]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = dict(DEFAULT_KEYWORDS, N_=None)
    found: set[str | tuple[str, ...]] = set()
    for folder in ("siaga", "components"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(ROOT / folder), method_map, options_map, keywords=keywords):
            found.add(message)
    return found


def _key(message) -> str:
    return message[0] if isinstance(message, tuple) else message


def test_every_marked_message_is_in_the_catalog():
    catalog = _catalog()
    missing = sorted(_key(m) for m in _extracted() if _key(m) not in catalog)
    assert not missing, ("messages marked in the code but not in siaga.po (run `make locale` and translate them):\n"
                         + "\n".join(missing[:40]))


def test_no_entry_is_untranslated_fuzzy_or_obsolete():
    catalog = _catalog()
    bad = []
    for msg in catalog:
        if not msg.id:
            continue  # the header
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if msg.fuzzy:
            bad.append(f"fuzzy: {_key(msg.id)!r}")
        elif not all(s.strip() for s in strings):
            bad.append(f"untranslated: {_key(msg.id)!r}")
    bad += [f"obsolete (remove it): {_key(m.id)!r}" for m in catalog.obsolete.values()]
    stale = {_key(m.id) for m in catalog if m.id} - {_key(m) for m in _extracted()}
    bad += [f"no longer in the code (remove it): {s!r}" for s in sorted(stale)]
    assert not bad, "\n".join(bad[:40])


def test_translations_keep_placeholders():
    wrong = []
    for msg in _catalog():
        if not msg.id:
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        want = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            if s and set(PLACEHOLDER.findall(s)) != want:
                wrong.append(f"{ids[0]!r}: {sorted(want)} != {sorted(set(PLACEHOLDER.findall(s)))}")
    assert not wrong, "\n".join(wrong[:40])


def test_glossary_terms_are_used_consistently():
    glossary = yaml.safe_load((LOCALE_DIR / "glossary.yaml").read_text(encoding="utf-8"))["terms"]
    wrong = []
    for msg in _catalog():
        if not msg.id:
            continue
        source = " ".join(msg.id) if isinstance(msg.id, tuple) else msg.id
        target = " ".join(msg.string) if isinstance(msg.string, tuple) else msg.string
        for term in glossary:
            text = source
            for name in term.get("names", []):
                text = re.sub(re.escape(name), "", text, flags=re.I)
            if re.search(rf"\b{re.escape(term['en'])}s?\b", text, flags=re.I) and \
                    term["id"].lower() not in target.lower():
                wrong.append(f"{source!r}: uses {term['en']!r}, translation lacks {term['id']!r}")
    assert not wrong, "\n".join(wrong[:40])


def test_formats_follow_the_locale():
    from datetime import date

    ind, eng = language("id"), language("en")
    assert ind.percent(99.99) == "99,99 %" and eng.percent(99.99) == "99.99 %"
    assert ind.date(date(2026, 12, 1)) == "1 Desember 2026" and eng.date(date(2026, 12, 1)) == "1 December 2026"
    assert ind.number(1234567.5, 1) == "1.234.567,5" and eng.number(1234567.5, 1) == "1,234,567.5"
    assert ind.duration(45) == "45 s" and ind.duration(300) == "5 menit" and eng.duration(300) == "5 minutes"
    assert ind.duration(3 * 3600) == "3 jam" and ind.duration(7 * 86400) == "7 hari"
    assert set(LANGUAGES) == {"id", "en"}
    with pytest.raises(UnknownLanguage, match="allowed: id, en"):
        language("fr")

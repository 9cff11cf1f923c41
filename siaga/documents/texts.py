"""The DRP's language helpers: the language a caller asked for, and durations as the DRP writes them. The sentences
built from ``components/`` structures (failover terms, AZ-loss sizing) are in siaga/documents/l10n.py, shared with
the availability budget."""

from __future__ import annotations

from siaga.i18n import Language, language


def as_language(lang: Language | str | None, default: str = "en") -> Language:
    """A renderer's ``lang`` argument: a Language, a code, or None for ``default`` (English: the source text, so a
    caller that does not choose gets the documents as they always were)."""
    return lang if isinstance(lang, Language) else language(lang or default)


def duration(seconds: float | None, lang: Language) -> str:
    """A duration in the unit a reader thinks in: ``45 s``/``45 detik``, ``5 min``/``5 menit``, ``3 h``/``3 jam``,
    ``7 days``/``7 hari`` (the DRP's English abbreviations, kept as they always were)."""
    _ = lang.gettext
    if seconds is None:
        return _("n/a")
    if seconds < 120:
        return f"{lang.number(seconds)} s" if lang.code == "en" else f"{lang.number(seconds)} detik"
    if seconds < 7200:
        return _("{n} min").format(n=lang.number(seconds / 60))
    if seconds < 3 * 86400:
        return _("{n} h").format(n=lang.number(seconds / 3600))
    return _("{n} days").format(n=lang.number(seconds / 86400))

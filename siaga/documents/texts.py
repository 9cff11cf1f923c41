"""Texts several documents share, in the document's language: the language a caller asked for, durations as the
DRP writes them, and sentences built from structures of ``components/`` (which never import siaga, so they keep
English values and mark their messages with ``N_``): the AZ-loss sizing (components.config.AzSizing).
"""

from __future__ import annotations

from components.config import AzSizing
from siaga.i18n import N_, Language, language

UNITS = {"instances": N_("instances"), "nodes": N_("nodes")}
"""What an application tier counts (AzSizing.unit), translated where it is written."""


def as_language(lang: Language | str | None, default: str = "en") -> Language:
    """A renderer's ``lang`` argument: a Language, a code, or None for ``default`` (English: the source text, so a
    caller that does not choose gets the documents as they always were)."""
    return lang if isinstance(lang, Language) else language(lang or default)


def duration(seconds: float | None, lang: Language) -> str:
    """A duration in the unit a reader thinks in: ``45 s``, ``5 min``/``5 menit``, ``3 h``/``3 jam``,
    ``7 days``/``7 hari`` (the DRP's English abbreviations, kept as they always were)."""
    _ = lang.gettext
    if seconds is None:
        return _("n/a")
    if seconds < 120:
        return f"{lang.number(seconds)} s"
    if seconds < 7200:
        return _("{n} min").format(n=lang.number(seconds / 60))
    if seconds < 3 * 86400:
        return _("{n} h").format(n=lang.number(seconds / 3600))
    return _("{n} days").format(n=lang.number(seconds / 86400))


def unit(sizing: AzSizing, lang: Language) -> str:
    return lang.gettext(UNITS.get(sizing.unit, sizing.unit))


def az_sizing(sizing: AzSizing, lang: Language) -> str:
    """:meth:`AzSizing.describe` in ``lang`` (the same English sentence for ``en``)."""
    _ = lang.gettext
    others = sizing.az_count - 1
    left = lang.ngettext("{surviving} of {min_size} {unit} keep serving in the other {others} AZ",
                         "{surviving} of {min_size} {unit} keep serving in the other {others} AZs", others).format(
        surviving=sizing.surviving, min_size=sizing.min_size, unit=unit(sizing, lang), others=others)
    if sizing.required is None:
        return _("{left}; the group launches replacements in the remaining AZs.").format(left=left)
    boot = ("~" + _("{n} min").format(n=lang.number(sizing.boot_seconds / 60)) if sizing.boot_seconds
            else _("their boot time"))
    if sizing.full_capacity_kept:
        return _("{left} >= the {required} the service needs (N+1 per AZ: {per_az} per AZ): full capacity with no "
                 "wait; the group also launches replacements (assumed boot {boot}).").format(
            left=left, required=sizing.required, per_az=sizing.per_az, boot=boot)
    return _("{left}, below the {required} the service needs ({percent} % capacity) for {boot} until replacements "
             "launched in the remaining AZs are healthy.").format(
        left=left, required=sizing.required, percent=sizing.surviving * 100 // sizing.required, boot=boot)

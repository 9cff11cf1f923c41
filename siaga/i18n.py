"""The language of the documents siaga writes: gettext catalogs (Babel) and locale formatting.

Official documents of Indonesian government bodies are in Bahasa Indonesia (UU 24/2009 art. 27 and 33), so every
document can be written in ``id`` or ``en``. English is the source language (the ``msgid``s in the code); the
Indonesian text lives in ``siaga/locale/id/LC_MESSAGES/siaga.po`` (terms fixed in ``siaga/locale/glossary.yaml``).
The ``.mo`` files are compiled at install (``make`` runs ``pybabel compile``); a source checkout without them
compiles the ``.po`` in memory, so a document is never silently English.

Usage in a document module (Babel extracts ``_``/``ngettext`` calls; never an f-string inside ``_()``)::

    def render(..., lang: Language) -> str:
        _ = lang.gettext
        return _("Recovery time objective: {rto}").format(rto=lang.duration(138))

AWS names, commands, resource names and quoted AWS messages are never translated: keep them out of the msgids
(placeholders).
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

LANGUAGES: tuple[str, ...] = ("id", "en")
"""Languages a document can be written in (``siaga:documentLanguage``, ``siaga report --lang``)."""
DEFAULT_LANGUAGE = "id"
DOMAIN = "siaga"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_BABEL_LOCALE = {"id": "id_ID", "en": "en_GB"}
"""en_GB, not en_US: day-month-year dates and 24-hour times, as an Indonesian reader of the English text expects."""


class UnknownLanguage(ValueError):
    pass


def _load(code: str) -> _gettext.NullTranslations:
    if code == "en":
        return _gettext.NullTranslations()
    mo = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = mo.with_suffix(".po")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with open(mo, "rb") as f:
            return _gettext.GNUTranslations(f)
    # No compiled catalog (a source checkout), or an older one than the .po: compile in memory.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as f:
        catalog = read_po(f, locale=code, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


@dataclass(frozen=True)
class Language:
    """One document language: its translations and its number/date/duration formats."""

    code: str
    translations: _gettext.NullTranslations

    @property
    def locale(self) -> Locale:
        return Locale.parse(_BABEL_LOCALE[self.code])

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def number(self, value: float, digits: int = 0) -> str:
        """``1234.5`` -> ``1.234,5`` (id) / ``1,234.5`` (en), exactly ``digits`` decimals."""
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return babel_numbers.format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float, digits: int = 2) -> str:
        """``value`` is already in percent (99.99): ``99,99 %`` (id) / ``99.99 %`` (en). The space before the
        sign is kept in both, as the documents always wrote it (and as SNI/ISO 80000 write it)."""
        return f"{self.number(value, digits)} %"

    def date(self, value: date | datetime) -> str:
        """``1 Desember 2026`` (id) / ``1 December 2026`` (en)."""
        return babel_dates.format_date(value, format="long", locale=self.locale)

    def datetime(self, value: datetime) -> str:
        """Date and 24-hour time with the UTC offset, e.g. ``1 Desember 2026 23.57.18 UTC``."""
        day = self.date(value)
        time = babel_dates.format_time(value, format="medium", locale=self.locale)
        zone = value.strftime("%Z") or "UTC" if value.tzinfo else "UTC"
        return f"{day} {time} {zone}"

    def duration(self, seconds: float | None) -> str:
        """A duration rounded to the unit a reader thinks in: ``45 s``, ``5 menit``, ``3 jam``, ``7 hari``.
        Seconds stay ``s`` in both languages (the SI symbol), larger units are words."""
        if seconds is None:
            return self.gettext(N_("n/a"))
        if seconds < 120:
            return f"{self.number(seconds)} s"
        if seconds < 7200:
            unit, amount = "minute", seconds / 60
        elif seconds < 3 * 86400:
            unit, amount = "hour", seconds / 3600
        else:
            unit, amount = "day", seconds / 86400
        return babel_dates.format_timedelta(amount * {"minute": 60, "hour": 3600, "day": 86400}[unit],
                                            threshold=10**9, granularity=unit, format="long", locale=self.locale)


@functools.cache
def language(code: str | None = None) -> Language:
    """The :class:`Language` for ``code`` (default :data:`DEFAULT_LANGUAGE`); an unknown code raises
    :class:`UnknownLanguage` naming the allowed ones."""
    code = code or DEFAULT_LANGUAGE
    if code not in LANGUAGES:
        raise UnknownLanguage(f"{code!r} is not a document language (allowed: {', '.join(LANGUAGES)})")
    return Language(code, _load(code))


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined (a module-level table); translate it where it is used
    with ``lang.gettext(message)``."""
    return message


__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Language", "N_", "UnknownLanguage", "language"]

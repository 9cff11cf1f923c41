"""Number formats shared by the budget, residency and drill documents, in the document's language.

English keeps exactly the formats the documents always had (``f"{x:.4f}"``, ``str(x)``: no thousands separator), so
``lang=en`` output is byte-identical to the English-only documents; Indonesian uses Babel's ``id_ID`` formats
(decimal comma, ``.`` grouping): ``99,9900 %``, ``31.536.000 s``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from siaga.i18n import N_, Language, language

if TYPE_CHECKING:
    from components.config import AzSizing
    from components.failover_time import Estimate, Term


def lang_or_en(lang: Language | None) -> Language:
    """``None`` (every caller written before documents had a language) is English."""
    return lang if lang is not None else language("en")


def fixed(lang: Language, value: float, digits: int = 0) -> str:
    """``value`` with exactly ``digits`` decimals: ``f"{value:.{digits}f}"`` in English, ``1.234,5`` in Indonesian."""
    if lang.code == "en":
        return f"{value:.{digits}f}"
    return lang.number(value, digits)


def plain(lang: Language, value: float | int) -> str:
    """A configured or published figure as written (``0.1``, ``99.95``, ``100.0``): ``str()`` in English, the same
    digits with a decimal comma (and ``.`` grouping for integers) in Indonesian."""
    if lang.code == "en":
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return lang.number(value)
    text = str(value)
    if "e" in text or "E" in text or "n" in text:  # exponent form, inf, nan: as written, decimal comma only
        return text.replace(".", ",")
    return lang.number(value, len(text.partition(".")[2]))

def term_name(lang: Language, term: Term) -> str:
    """A failover term's name (``detection``...) in ``lang`` (the names are marked in components/failover_time)."""
    return lang.gettext(term.name)


def term_basis(lang: Language, term: Term) -> str:
    """A failover term's basis in ``lang``, from its template and params (English: exactly ``term.basis``)."""
    if not term.basis_msg or lang.code == "en":
        return term.basis
    return lang.gettext(term.basis_msg).format(**dict(term.params))


def estimate_formula(lang: Language, est: Estimate) -> str:
    """``48 s detection + 30 s propagation + ...`` in ``lang`` (English: exactly ``est.formula``)."""
    if lang.code == "en":
        return est.formula
    return " + ".join(f"{plain(lang, t.seconds)} s {term_name(lang, t)}" for t in est.terms if t.seconds)


def estimate_assumptions(lang: Language, est: Estimate) -> list[str]:
    """The assumptions behind a failover figure in ``lang`` (English: exactly ``est.assumptions``)."""
    if lang.code == "en" or len(est.assumption_msgs) != len(est.assumptions):
        return list(est.assumptions)
    return [lang.gettext(msg).format(**dict(params)) for msg, params in est.assumption_msgs]


UNITS = {"instances": N_("instances"), "nodes": N_("nodes")}


def describe_sizing(lang: Language, sizing: AzSizing) -> str:
    """:meth:`components.config.AzSizing.describe` in ``lang``: the same sentence, from the same figures (English:
    exactly ``sizing.describe()``; tests/test_documents_id.py checks the two agree on every branch)."""
    if lang.code == "en":
        return sizing.describe()
    _ = lang.gettext
    others = sizing.az_count - 1
    unit = _(UNITS[sizing.unit]) if sizing.unit in UNITS else sizing.unit
    left = lang.ngettext("{surviving} of {min_size} {unit} keep serving in the other {others} AZ",
                         "{surviving} of {min_size} {unit} keep serving in the other {others} AZs", others).format(
        surviving=sizing.surviving, min_size=sizing.min_size, unit=unit, others=others)
    if sizing.required is None:
        return _("{left}; the group launches replacements in the remaining AZs.").format(left=left)
    boot = (_("~{minutes} min").format(minutes=fixed(lang, sizing.boot_seconds / 60)) if sizing.boot_seconds
            else _("their boot time"))
    if sizing.full_capacity_kept:
        return _("{left} >= the {required} the service needs (N+1 per AZ: {per_az} per AZ): full capacity with no "
                 "wait; the group also launches replacements (assumed boot {boot}).").format(
            left=left, required=sizing.required, per_az=sizing.per_az, boot=boot)
    return _("{left}, below the {required} the service needs ({percent} capacity) for {boot} until replacements "
             "launched in the remaining AZs are healthy.").format(
        left=left, required=sizing.required, percent=f"{sizing.surviving * 100 // sizing.required} %", boot=boot)


__all__ = ["describe_sizing", "estimate_assumptions", "estimate_formula", "fixed", "lang_or_en", "plain",
           "term_basis", "term_name"]

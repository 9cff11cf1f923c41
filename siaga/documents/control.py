"""The document control block every generated document opens with: which agency, which document, when, which version
of the program, who owns and approves it, how often it is reviewed and how it is classified.

An Inspektorat, BPK or BSSN reviewer signs a document only when it says what it is and who stands behind it. The
values come from the stack config (``siaga:documentControl``: agencyName, owner, approver, reviewMonths; ``siaga:tags``); what is not set
is written as NOT SET with the key to set, never guessed.

Date: ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention, https://reproducible-builds.org/specs/
source-date-epoch/), else today in UTC. Version: the git commit of the program's repository (``git rev-parse``),
marked when the working tree has uncommitted changes; ``uncommitted`` outside a git repository.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from siaga.documents.topology import Topology
from siaga.i18n import N_, Language

CLASSIFICATIONS = {"public": N_("public"), "internal": N_("internal"), "confidential": N_("confidential"),
                   "restricted": N_("restricted")}


@dataclass(frozen=True)
class Control:
    document: str
    stack: str
    agency: str
    agency_name: str | None
    date: dt.date
    version: str | None
    """``<commit>`` or ``<commit>+`` (uncommitted changes on top), None outside a git repository."""
    owner: str | None
    approver: str | None
    review_months: int
    classification: str | None


def document_date() -> dt.date:
    """``SOURCE_DATE_EPOCH`` (seconds since the epoch, UTC) when set and valid, else today in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.datetime.now(tz=dt.UTC).date()


def git_version(folder: Path) -> str | None:
    """The commit checked out in ``folder``'s repository, ``+`` appended when tracked files have changes; None when
    ``folder`` is not in a git repository or git is not installed. Arguments are a list: no shell."""
    git = shutil.which("git")
    if git is None or not folder.is_dir():
        return None
    try:
        head = subprocess.run([git, "-C", str(folder), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
        if head.returncode != 0 or not head.stdout.strip():
            return None
        dirty = subprocess.run([git, "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return head.stdout.strip() + ("+" if dirty.stdout.strip() else "")


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th


def control_of(topo: Topology, document: str, stack: str, date: dt.date | None = None,
               version: str | None | bool = True) -> Control:
    """The control facts of ``document`` for ``stack`` from its config; ``version=True``: ask git in the program's
    folder (a ``str``/None: given, for tests)."""
    cfg = topo.config
    program = Path(topo.graph.program) if topo.graph.program else None
    if version is True:
        folder = program if program is not None and program.is_dir() else program.parent if program else None
        version = git_version(folder) if folder is not None else None
    return Control(
        document=document, stack=stack, agency=cfg.agency if cfg else topo.graph.project,
        agency_name=cfg.documentControl.agencyName if cfg else None, date=date or document_date(),
        version=version if isinstance(version, str) else None,
        owner=(cfg.documentControl.owner or cfg.tags.owner) if cfg else None,
        approver=cfg.documentControl.approver if cfg else None,
        review_months=cfg.documentControl.reviewMonths if cfg else 12,
        classification=cfg.tags.dataClassification if cfg else None)


def _cell(text: str) -> str:
    """A config value as inert table-cell text: no column break, no line break, no code span."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("\n", " ")


def render(c: Control, lang: Language) -> list[str]:
    """The block as a Markdown table followed by a blank line (placed right under the document's title)."""
    _ = lang.gettext

    def missing(key: str) -> str:
        return _("NOT SET") + " (" + key + ")"  # capitals, not bold: the PDF's cells take no inline markup

    # no code spans in the cells: the DRP's PDF renders table cells as plain text
    version = (_("commit {commit} of the program's repository").format(commit=c.version.rstrip("+"))
               + (" " + _("with uncommitted changes") if c.version.endswith("+") else "")) if c.version else \
        _("uncommitted (the program is not in a git repository)")
    agency = (f"{_cell(c.agency_name)} ({c.agency})" if c.agency_name else
              f"{c.agency} - " + missing("siaga:documentControl.agencyName"))
    classification = (f"{_(CLASSIFICATIONS.get(c.classification, c.classification))} "
                      f"(siaga:tags.dataClassification: {c.classification})" if c.classification else
                      missing("siaga:tags.dataClassification"))
    rows = [
        (_("Agency"), agency),
        (_("Document"), f"{_cell(c.document)} - {c.stack}"),
        (_("Date"), c.date.isoformat()),
        (_("Version"), version),
        (_("Owner"), _cell(c.owner) if c.owner else missing("siaga:documentControl.owner")),
        (_("Approved by"), (_cell(c.approver) + " - " + _("signature and date:") + " ________") if c.approver
         else missing("siaga:documentControl.approver")),
        (_("Review"), _("every {months} months, next by {date}, and after every drill, incident or change of the "
                        "stack").format(months=c.review_months, date=_add_months(c.date, c.review_months).isoformat())),
        (_("Classification"), classification),
    ]
    return ["| " + _("Document control") + " | " + _("Entry") + " |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows] + [""]


def block(topo: Topology, document: str, stack: str, lang: Language, date: dt.date | None = None,
          version: str | None | bool = True) -> list[str]:
    """:func:`render` of :func:`control_of`: what a document puts under its title."""
    return render(control_of(topo, document, stack, date=date, version=version), lang)


__all__ = ["CLASSIFICATIONS", "Control", "block", "control_of", "document_date", "git_version", "render"]

"""The base a pull request is compared with: the same stack checked at the base revision (``--base REF``: a
``git worktree`` of REF in a temporary folder, removed after) or a JSON report saved from it (``--base-report``).

Each finding is ``new`` (the base did not have it), ``unchanged`` or ``fixed`` (only the base had it). Findings are
matched by pack/policy, URN and message without its volatile parts (numbers, ARNs, hex ids, the URN itself): a
message whose only change is a count or an account id is the same finding. Git runs as an argument list, never a
shell string; REF is checked to name a commit first (``git rev-parse --verify REF^{commit}``).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from siaga.report_model import PlanResource, Report, ReportFinding

_VOLATILE = (
    re.compile(r"arn:aws[a-z-]*:[^\s,;)'\"`]+"),
    re.compile(r"\b[0-9a-f]{8,}\b"),
    re.compile(r"\d+(\.\d+)*"),
)


class BaseError(Exception):
    """The base cannot be had (not a commit, not a git checkout, an unreadable report); ``str()`` is one line."""


def normalized(message: str, urn: str | None) -> str:
    text = message.replace(urn, "<urn>") if urn else message
    for pattern in _VOLATILE:
        text = pattern.sub("#", text)
    return " ".join(text.split())


def finding_key(f: ReportFinding) -> tuple[str, str, str]:
    return (f.rule_id, f.urn or "", normalized(f.message, f.urn))


def compare(report: Report, base: list[ReportFinding], label: str) -> None:
    """Marks each of ``report``'s findings (open and waived) new or unchanged and lists the base's findings that are
    gone as ``fixed``; a multiset match (two identical findings in the base cover two here)."""
    remaining = Counter(finding_key(f) for f in base)
    for f in report.findings + report.waived:
        if f.status == "new" and f.pack == "siaga-plan":
            continue  # the plan diff's findings exist only against a base
        key = finding_key(f)
        if remaining[key] > 0:
            remaining[key] -= 1
            f.status = "unchanged"
        else:
            f.status = "new"
    fixed = []
    for f in base:
        key = finding_key(f)
        if remaining[key] > 0:
            remaining[key] -= 1
            fixed.append(f.model_copy(update={"status": "fixed", "waiver": None}))
    report.fixed = fixed
    report.base = label


def load_base_report(path: Path) -> tuple[list[ReportFinding], list[PlanResource], dict[str, str], str]:
    """A JSON report (``siaga check --format json``) saved from the base: its findings (open and waived), its plan
    resources, its stack file's keys and its stack name."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaseError(f"--base-report {path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaseError(f"--base-report {path}: not a JSON report of siaga check ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("violations"), list):
        raise BaseError(f"--base-report {path}: not a JSON report of siaga check (no 'violations' list)")
    findings = []
    try:
        for entry in [*data["violations"], *(data.get("waived") or [])]:
            findings.append(_finding(entry))
        resources = [PlanResource.model_validate(r) for r in data.get("plan_resources") or []]
    except (ValidationError, TypeError, AttributeError) as exc:
        raise BaseError(f"--base-report {path}: an entry is not a finding of siaga check "
                        f"({str(exc).splitlines()[0]})") from None
    keys = data.get("config_keys") or {}
    if not isinstance(keys, dict):
        raise BaseError(f"--base-report {path}: 'config_keys' must be a mapping")
    return findings, resources, {str(k): str(v) for k, v in keys.items()}, str(data.get("stack") or "")


def _finding(entry: dict[str, Any]) -> ReportFinding:
    return ReportFinding(pack=entry["pack"], policy=entry["policy"], enforcement=entry["enforcement"],
                         severity=entry.get("severity"), urn=entry.get("urn"), type=entry.get("type"),
                         name=entry.get("name"), message=entry.get("message") or "",
                         frameworks=list(entry.get("frameworks") or []))


def _git(repo: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=120,
                              check=False)
    except FileNotFoundError:
        raise BaseError("--base: git is not installed (give --base-report FILE instead)") from None
    except subprocess.TimeoutExpired:
        raise BaseError(f"--base: git {args[0]} did not answer in 120 s") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BaseError(f"--base: git {args[0]} failed: {last}")
    return proc.stdout.strip()


@contextlib.contextmanager
def worktree(repo: Path, ref: str) -> Iterator[Path]:
    """A checkout of ``ref`` in a temporary folder (``git worktree add --detach``), removed afterwards."""
    if ref.startswith("-") or not ref.strip():
        raise BaseError(f"--base {ref!r}: not a git revision (a branch, tag or commit)")
    try:
        sha = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except BaseError:
        raise BaseError(f"--base {ref}: not a commit in {repo.name} (fetch it first, e.g. "
                        f"git fetch origin {ref}; allowed: a branch, tag or commit)") from None
    tmp = Path(tempfile.mkdtemp(prefix="siaga-base-"))
    target = tmp / "base"
    try:
        _git(repo, "worktree", "add", "--detach", "--quiet", str(target), sha)
        yield target
    finally:
        with contextlib.suppress(BaseError):
            _git(repo, "worktree", "remove", "--force", str(target))
        shutil.rmtree(tmp, ignore_errors=True)


def link_virtualenv(pr_root: Path, base_root: Path, runtime_options: dict[str, Any]) -> None:
    """The base program runs with the same interpreter as this one: a virtualenv the project names (Pulumi.yaml
    ``runtime.options.virtualenv``) is untracked, so the base checkout gets a link to this checkout's."""
    venv = runtime_options.get("virtualenv") if isinstance(runtime_options, dict) else None
    if not isinstance(venv, str) or Path(venv).is_absolute() or ".." in Path(venv).parts:
        return
    source, dest = pr_root / venv, base_root / venv
    if source.exists() and not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.symlink_to(source.resolve(), target_is_directory=True)

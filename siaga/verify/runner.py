"""Runs the verification suite (siaga/verify/suite, pytest-testinfra) in a subprocess and reads its JUnit
XML back into one result per (host, check). Hosts (a :class:`UserDataSettings` baseline) get the host and
endpoint checks; Kubernetes pods (a :class:`siaga.verify.pods.PodBaseline`) get the pod checks."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from components.userdata import UserDataSettings
from siaga import processes

NOT_REACHED = "HOST NOT REACHED"  # = siaga.verify.suite.conftest.NOT_REACHED (the suite is not imported here)

if TYPE_CHECKING:
    from siaga.verify.pods import PodBaseline
    from siaga.verify.public import PublicTarget

SUITE = Path(__file__).parent / "suite"
REPO = Path(__file__).resolve().parents[2]
BACKENDS = ("ssh", "ssm", "local", "chroot", "kubectl", "docker", "podman", "nsenter")
"""testinfra connections ``siaga verify`` can use (``ssm`` is siaga.verify.ssm, ``nsenter`` siaga.verify.nsenter)."""


class VerifyError(Exception):
    """The suite could not run (one line)."""


@dataclass(frozen=True)
class CheckResult:
    host: str
    check: str
    outcome: str
    """passed, failed, error, skipped, or "not run" (the host did not answer: nothing was checked)."""
    message: str = ""


@dataclass
class VerifyResult:
    results: list[CheckResult] = field(default_factory=list)
    output: str = ""
    junit_xml: str = ""
    """The suite's JUnit XML report (one test case per host and check), as pytest wrote it."""

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.outcome in {"failed", "error"}]

    @property
    def not_reached(self) -> list[str]:
        """Hosts that did not answer: none of their checks ran (siaga verify exits 2, could not run)."""
        return sorted({r.host for r in self.results if r.outcome == "not run"})

    @property
    def ok(self) -> bool:
        return bool(self.results) and not self.failed and not self.not_reached


def host_spec(host: str, backend: str, *, container: str | None = None, context: str | None = None) -> str:
    """One ``--hosts`` entry for testinfra (``container`` and ``context``: kubectl only)."""
    if backend not in BACKENDS:
        raise VerifyError(f"backend={backend!r}; allowed: {', '.join(BACKENDS)}")
    if backend == "local":
        return "local://"
    if backend == "chroot":
        path = Path(host)
        if not path.is_dir():
            raise VerifyError(f"host={host!r}: not a directory (the chroot backend takes a root folder)")
        return str(path.resolve())
    if backend == "kubectl":  # [namespace/]pod
        namespace, _, pod = host.rpartition("/")
        query = {k: v for k, v in (("namespace", namespace), ("container", container), ("context", context)) if v}
        return f"kubectl://{pod}" + (f"?{urlencode(query)}" if query else "")
    return f"{backend}://{host}"


def _label(name: str, specs: list[str]) -> tuple[str, str]:
    """('test_x[chroot:///r-1.2]', specs) -> (host, 'test_x[1.2]')."""
    base, _, param = name.partition("[")
    param = param.removesuffix("]")
    for spec in sorted(specs, key=len, reverse=True):
        shown = spec if "://" in spec else f"chroot://{spec}"
        bare = spec.split("?", 1)[0]  # kubectl://pod?namespace=...: testinfra's id has no query
        for candidate in (shown, spec, bare, spec.removesuffix("://")):
            if param.startswith(candidate) or param.endswith(candidate):
                extra = param.replace(candidate, "", 1).strip("-")
                return bare, f"{base}[{extra}]" if extra else base
    return param or "-", base


def run_suite(hosts: list[str], backend: str, settings: UserDataSettings | PodBaseline | PublicTarget, *, mode: str | None = None,
              endpoints: bool = True, timeout: float = 900, env: dict[str, str] | None = None,
              command_prefix: list[str] | None = None, kube_context: str | None = None) -> VerifyResult:
    """Runs every check against every host. ``mode``: live (running state too) or image (installed,
    enabled, configured); default image for chroot, live otherwise. ``command_prefix`` runs the suite through
    another command (e.g. ``nsenter --net=...`` to reach a host in a network namespace). A
    :class:`PodBaseline` runs the pod checks (kubectl backend), a :class:`PublicTarget` the public checks from
    this machine (local backend), instead of the host checks."""
    if not hosts:
        raise VerifyError("no hosts; give --hosts or a stack whose outputs name them")
    from siaga.verify.pods import PodBaseline
    from siaga.verify.public import PublicTarget

    profile = "pod" if isinstance(settings, PodBaseline) else "public" if isinstance(settings, PublicTarget) else "host"
    if profile == "pod" and backend != "kubectl":
        raise VerifyError(f"backend={backend!r}: the pod checks run through kubectl only (--backend kubectl)")
    if profile == "public" and backend != "local":
        raise VerifyError(f"backend={backend!r}: the public checks run from this machine (--backend local)")
    container = settings.container if isinstance(settings, PodBaseline) else None
    specs = [host_spec(h, backend, container=container, context=kube_context) for h in hosts]
    tests = {"pod": ["test_pod.py"], "public": ["test_public.py"], "host": ["test_host.py", "test_endpoints.py"]}[profile]
    mode = mode or ("image" if backend == "chroot" else "live")
    if mode not in {"live", "image"}:
        raise VerifyError(f"mode={mode!r}; allowed: live, image")
    with tempfile.TemporaryDirectory(prefix="siaga-verify-") as tmp:
        settings_file, junit = Path(tmp) / "baseline.json", Path(tmp) / "junit.xml"
        settings_file.write_text(settings.model_dump_json())
        args = [sys.executable, "-m", "pytest", *(str(SUITE / t) for t in tests), "-c", os.devnull, "--rootdir", str(SUITE),
                "-p", "no:cacheprovider", "-p", "no:randomly", "-q", "--tb=line", "-o", "junit_family=xunit1",
                f"--hosts={','.join(specs)}", f"--siaga-settings={settings_file}", f"--siaga-mode={mode}",
                f"--siaga-profile={profile}", f"--junitxml={junit}"]
        if backend == "chroot":
            args.append("--connection=chroot")
        if not endpoints:
            args.append("--no-siaga-endpoints")
        run_env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join(
            [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
        try:
            done = processes.run([*(command_prefix or []), *args], timeout=timeout, env=run_env, cwd=REPO)
        except subprocess.TimeoutExpired:
            raise VerifyError(f"the suite did not finish within {timeout:.0f} s") from None
        output = done.stdout + done.stderr
        if not junit.exists() or done.returncode not in {0, 1}:
            last = [line for line in output.splitlines() if line.strip()][-1:] or ["no output"]
            raise VerifyError(f"the suite could not run (pytest exit {done.returncode}): {last[0].strip()}")
        return VerifyResult(results=_parse(junit, specs), output=output, junit_xml=junit.read_text(encoding="utf-8"))


def _parse(junit: Path, specs: list[str]) -> list[CheckResult]:
    results = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        host, check = _label(case.get("name", "?"), specs)
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                message = (node.get("message") or node.text or "").strip()
                break
        message = message.removeprefix("AssertionError: ").removeprefix("Skipped: ").splitlines()[0] if message else ""
        if outcome == "skipped" and NOT_REACHED in message:
            outcome, message = "not run", message.split(NOT_REACHED, 1)[1].lstrip(": ")
        results.append(CheckResult(host=host, check=check, outcome=outcome, message=message))
    return results

"""``siaga drill``: run one failure on purpose and measure the recovery against what the DRP promises.

One drill = the DRP's computed RTO/RPO for the scenario (siaga/documents/drp.py ``scenarios``, the same figures as
``siaga report``), one start through the aws CLI with the operator's credentials (an AWS FIS experiment from the
stack's ``drillTemplates`` output, or for ``fail-site`` the primary Route 53 health check inverted: FIS has no
Route 53 action, see components/drills.py), then a bounded poll of the public endpoint (HTTPS health path, the
certificate verified) and of the experiment until the experiment has ended and the service answers again, then
``siaga verify``. Every outage window is timed; the drill passes when the service came back and no window was
longer than the RTO. The RPO is reported from the DRP, not measured: an HTTP health probe cannot see lost writes.

The aws CLI is always run with an argument list (never a shell), in the stack's region.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from siaga import processes
from siaga.documents.l10n import fixed
from siaga.i18n import N_, Language, language

SCENARIOS = ("lose-instance", "lose-az", "lose-az-stop", "fail-site")
DRP_TITLES = {"lose-instance": N_("Loss of one application instance"),
              "lose-az": N_("Loss of one Availability Zone"),
              # EKS: the AZ's nodes stopped, not terminated (NotReady nodes stay in the cluster, as in a real AZ loss)
              "lose-az-stop": N_("Loss of one Availability Zone"),
              "fail-site": N_("Loss of the whole AWS site (region)")}
"""The DRP's scenario titles (English: how the scenario is found in the DRP; translated in the evidence)."""
OUTCOMES = {"passed": N_("passed"), "failed": N_("failed"), "error": N_("error"), "skipped": N_("skipped")}
"""siaga verify outcomes as the evidence writes them."""
FIS_DONE = {"completed", "stopped", "failed", "cancelled"}
"""Terminal experiment states (https://docs.aws.amazon.com/fis/latest/APIReference/API_ExperimentState.html)."""


class DrillError(Exception):
    """The drill could not run (one line)."""


@dataclass(frozen=True)
class Expectation:
    scenario: str
    drp_title: str
    rto_seconds: float
    rpo_seconds: float | None
    rto_text: str
    rpo_text: str


def expectation(graph: Any, scenario: str, lang: Language | None = None) -> Expectation:
    """The DRP's figures for ``scenario``, computed from the stack's graph; the title and RTO/RPO texts in ``lang``
    (default English) when the DRP can write them in it (``scenarios(topo, lang=...)``), else as the DRP has them."""
    import inspect

    from siaga.documents.drp import scenarios
    from siaga.documents.topology import analyse

    title = DRP_TITLES[scenario]
    topo = analyse(graph)
    found = scenarios(topo)
    for i, sc in enumerate(found):
        if sc.title == title:
            if sc.rto_seconds is None:
                raise DrillError(f"stack {graph.stack}: the DRP has no computed RTO for {title!r} ({sc.rto}): "
                                 "nothing to measure the drill against")
            shown, rto, rpo = (title, sc.rto, sc.rpo) if lang is None else (lang.gettext(title), sc.rto, sc.rpo)
            if lang is not None and lang.code != "en" and "lang" in inspect.signature(scenarios).parameters:
                local = scenarios(topo, lang=lang)  # type: ignore[call-arg]  # same scenarios, same order
                if len(local) == len(found):  # the DRP's own words: title and RTO/RPO as the DRP writes them
                    shown, rto, rpo = local[i].title, local[i].rto, local[i].rpo
            return Expectation(scenario, shown, float(sc.rto_seconds), sc.rpo_seconds, rto, rpo)
    raise DrillError(f"stack {graph.stack}: the DRP has no scenario {title!r}")


@dataclass(frozen=True)
class Endpoint:
    domain: str
    health_path: str = "/healthz"
    connect_to: str | None = None
    port: int | None = None
    http: bool = False
    """Plain HTTP (test endpoints only; a real drill probes HTTPS with the certificate verified)."""
    ca_file: str | None = None
    timeout: float = 4.0

    @property
    def url(self) -> str:
        scheme = "http" if self.http else "https"
        port = f":{self.port}" if self.port else ""
        return f"{scheme}://{self.domain}{port}{self.health_path}"


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to one address while SNI, Host and the certificate check use the name (like curl --connect-to)."""

    def __init__(self, domain: str, address: str, port: int, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(domain, port, context=context, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def check_endpoint_options(connect_to: str | None, port: int | None, ca_file: str | None) -> None:
    """What the probe will need, checked before anything starts (dry run or not): ``--connect-to`` an IP address
    (a name would be resolved by the probe, the very thing the option is there to avoid), ``--port`` 1-65535,
    ``--ca-file`` a PEM bundle ``ssl`` can load. Raises :class:`DrillError` (one line)."""
    import ipaddress

    if connect_to is not None:
        try:
            ipaddress.ip_address(connect_to)
        except ValueError:
            raise DrillError(f"--connect-to {connect_to!r}: not an IP address; allowed: an IPv4 or IPv6 address "
                             "(the name stays in SNI, Host and the certificate check)") from None
    if port is not None and not 1 <= port <= 65535:
        raise DrillError(f"--port {port}: allowed: 1-65535")
    if ca_file is not None:
        try:
            ssl.create_default_context(cafile=ca_file)
        except FileNotFoundError:
            raise DrillError(f"--ca-file {ca_file}: no such file") from None
        except IsADirectoryError:
            raise DrillError(f"--ca-file {ca_file}: is a folder; allowed: a PEM file of CA certificates") from None
        except ssl.SSLError:
            raise DrillError(f"--ca-file {ca_file}: no PEM certificate in it; allowed: a PEM file of CA certificates"
                             ) from None
        except OSError as exc:
            raise DrillError(f"--ca-file {ca_file}: cannot read it ({exc.strerror or exc})") from None


def probe(ep: Endpoint) -> tuple[bool, str]:
    """(healthy, detail): healthy means HTTP 200 on the health path."""
    address = ep.connect_to or ep.domain
    try:
        if ep.http:
            conn: http.client.HTTPConnection = http.client.HTTPConnection(address, ep.port or 80, timeout=ep.timeout)
        else:
            ctx = ssl.create_default_context(cafile=ep.ca_file)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            conn = _PinnedHTTPS(ep.domain, address, ep.port or 443, ctx, ep.timeout)
        try:
            conn.request("GET", ep.health_path, headers={"Host": ep.domain, "User-Agent": "siaga-drill"})
            status = conn.getresponse().status
        finally:
            conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return False, f"{type(exc).__name__}: {exc}"[:160]
    return status == 200, f"HTTP {status}"


def aws_cli(args: list[str], region: str, timeout: float = 60) -> dict[str, Any]:
    """``aws ARGS --region R --output json`` (argument list, the operator's environment); parsed JSON or {}."""
    if shutil.which("aws") is None:
        raise DrillError("the aws CLI is not installed (drills run with the operator's credentials through it)")
    cmd = ["aws", *args, "--region", region, "--output", "json"]
    try:
        done = processes.run(cmd, timeout=timeout, env=os.environ.copy())  # a timeout ends its whole tree
    except subprocess.TimeoutExpired:
        raise DrillError(f"aws {' '.join(args[:2])}: no answer in {timeout:.0f} s") from None
    except OSError as exc:
        raise DrillError(f"aws {' '.join(args[:2])}: cannot run ({exc.strerror})") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1]
        raise DrillError(f"aws {' '.join(args[:2])}: {last[:240]}")
    out = done.stdout.strip()
    try:
        return json.loads(out) if out else {}
    except json.JSONDecodeError:
        raise DrillError(f"aws {' '.join(args[:2])}: not JSON: {out[:120]!r}") from None


@dataclass(frozen=True)
class Plan:
    """What the drill starts and how it is undone, from the stack outputs."""

    scenario: str
    region: str
    start: list[str]
    stop: list[str] | None
    """Undo / abort command (fail-site: the health check back to normal; FIS: stop-experiment, id filled in)."""
    template_id: str | None = None
    health_check_id: str | None = None


def plan(scenario: str, outputs: dict[str, Any], region: str, stack: str) -> Plan:
    if scenario == "fail-site":
        hc = outputs.get("primaryHealthCheckId")
        if not isinstance(hc, str) or not hc:
            raise DrillError(f"stack {stack}: outputs have no primaryHealthCheckId (the DNS failover's primary health "
                             "check): fail-site cannot be drilled")
        base = ["route53", "update-health-check", "--health-check-id", hc]
        return Plan(scenario, region, base + ["--inverted"], base + ["--no-inverted"], health_check_id=hc)
    templates = outputs.get("drillTemplates")
    tid = templates.get(scenario) if isinstance(templates, dict) else None
    if not isinstance(tid, str) or not tid:
        have = ", ".join(sorted(templates)) if isinstance(templates, dict) else "none"
        raise DrillError(f"stack {stack}: outputs have no drillTemplates.{scenario} (templates: {have}); deploy "
                         "with siaga:drills.enabled first (EC2 tier, or EKS with the alb ingress class)")
    return Plan(scenario, region, ["fis", "start-experiment", "--experiment-template-id", tid,
                                   "--tags", f"siaga:drill={scenario}"], ["fis", "stop-experiment", "--id"],
                template_id=tid)


@dataclass
class Event:
    t: float
    """Seconds since the fault was started."""
    at: str
    what: str
    detail: str = ""


@dataclass
class Outage:
    start: float
    end: float | None = None

    @property
    def seconds(self) -> float | None:
        return None if self.end is None else self.end - self.start


@dataclass
class DrillResult:
    stack: str
    scenario: str
    expectation: Expectation
    endpoint: str
    started_at: str
    experiment_id: str | None = None
    experiment_state: str | None = None
    experiment_reason: str = ""
    outages: list[Outage] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    probes: int = 0
    failed_probes: int = 0
    recovered: bool = False
    timed_out: bool = False
    duration_seconds: float = 0.0
    verify: dict[str, Any] | None = None
    """{"ok": bool, "checks": [...], "error": str} of the siaga verify run at the end; None when skipped."""
    lang: str = "en"
    """The evidence's language (``id``/``en``): events, problems and the Markdown are written in it (not in JSON)."""

    @property
    def longest_outage(self) -> float:
        return max((o.seconds if o.seconds is not None else self.duration_seconds - o.start for o in self.outages),
                   default=0.0)

    @property
    def problems(self) -> list[str]:
        """What failed the drill, in the evidence's language (AWS states, reasons and check names as they are)."""
        lang = language(self.lang)
        _ = lang.gettext
        rto = self.expectation.rto_seconds
        out: list[str] = []
        if not self.recovered:
            if self.outages and self.outages[-1].end is None:
                out.append(_("the service did not recover: down since +{start} s, still down when the drill ended "
                             "after {duration} s (RTO {rto} s)").format(
                    start=fixed(lang, self.outages[-1].start), duration=fixed(lang, self.duration_seconds),
                    rto=fixed(lang, rto)))
            else:
                out.append(_("the drill reached its time limit after {duration} s before the fault ended (experiment "
                             "state {state}); raise {option}").format(
                    duration=fixed(lang, self.duration_seconds), state=self.experiment_state or _("n/a"),
                    option="--timeout"))
        for o in self.outages:
            if o.seconds is not None and o.seconds > rto:
                out.append(_("outage from +{start} s lasted {seconds} s: {over} s over the DRP's RTO of {rto} s").format(
                    start=fixed(lang, o.start), seconds=fixed(lang, o.seconds, 1), over=fixed(lang, o.seconds - rto, 1),
                    rto=fixed(lang, rto)))
        if self.experiment_state in {"stopped", "failed", "cancelled"}:
            # the experiment state and AWS's reason are quoted as AWS gives them
            out.append(_("experiment {id} ended {state}").format(id=self.experiment_id, state=self.experiment_state)
                       + (f": {self.experiment_reason}" if self.experiment_reason else "")
                       + (" " + _("(the stop condition fired: the service became unhealthy)")
                          if self.experiment_state == "stopped" else ""))
        if self.verify is not None and not self.verify.get("ok"):
            out.append(_("{command} after the drill: {what}").format(command="siaga verify", what=(
                self.verify.get("error") or ", ".join(c["check"] for c in self.verify.get("checks", [])
                                                      if c.get("outcome") in {"failed", "error"}))))
        return out

    @property
    def passed(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("lang")  # the JSON evidence keeps its keys; the texts in it are in the evidence's language
        data["outages"] = [{"start": o.start, "end": o.end, "seconds": o.seconds} for o in self.outages]
        data.update(passed=self.passed, problems=self.problems, longest_outage_seconds=self.longest_outage)
        return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run(*, stack: str, the_plan: Plan, exp: Expectation, endpoint: Endpoint, interval: float, timeout: float,
        settle: int = 3, say: Callable[[str], None] = print, probe_fn: Callable[[Endpoint], tuple[bool, str]] = probe,
        lang: Language | None = None) -> DrillResult:
    """Starts the fault, polls endpoint and experiment every ``interval`` s for at most ``timeout`` s, and stops when
    the fault has ended and ``settle`` probes in a row were healthy. fail-site: the health check stays inverted for
    the RTO + 30 s, then is set back; it is always set back, also on errors and Ctrl-C, and an experiment still
    running when the drill ends is stopped. Events are written in ``lang`` (default English)."""
    lang = lang if lang is not None else language("en")
    _ = lang.gettext
    healthy, detail = probe_fn(endpoint)
    if not healthy:
        raise DrillError(f"{endpoint.url} is not healthy before the drill ({detail}): not starting a fault on a "
                         "service that is already down")
    result = DrillResult(stack=stack, scenario=the_plan.scenario, expectation=exp, endpoint=endpoint.url,
                         started_at=_now(), lang=lang.code)
    t0 = time.monotonic()

    def event(what: str, detail: str = "") -> None:
        ev = Event(round(time.monotonic() - t0, 2), _now(), what, detail)
        result.events.append(ev)
        say(f"+{ev.t:6.1f}s  {what}" + (f"  ({detail})" if detail else ""))

    event(_("baseline probe healthy"), detail)
    started = aws_cli(the_plan.start, the_plan.region)
    t0 = time.monotonic()
    result.events[0].t = 0.0
    site = the_plan.scenario == "fail-site"
    if site:
        event(_("primary health check inverted"), the_plan.health_check_id or "")
    else:
        exp_info = started.get("experiment") or {}
        result.experiment_id = exp_info.get("id")
        if not result.experiment_id:
            raise DrillError(f"aws fis start-experiment: no experiment id in the answer ({str(started)[:120]})")
        result.experiment_state = (exp_info.get("state") or {}).get("status")
        event(_("experiment started"), f"{result.experiment_id} {result.experiment_state or ''}".strip())
    up_streak = 0
    was_up = True
    inverted = site
    # fail-site: the inversion is held for the DRP's failover RTO plus a margin (Route 53 must see the check fail
    # and answer the standby within that time), then set back; the drill then waits for a steady service (failback)
    hold = exp.rto_seconds + 30.0
    try:
        while True:
            elapsed = time.monotonic() - t0
            if elapsed > timeout:
                result.timed_out = True
                event(_("drill time limit reached"), f"{fixed(lang, timeout)} s")
                break
            ok, detail = probe_fn(endpoint)
            now = round(time.monotonic() - t0, 2)
            result.probes += 1
            if ok:
                up_streak += 1
                if not was_up:
                    result.outages[-1].end = now
                    event(_("endpoint recovered"), _("{detail}; down {seconds} s").format(
                        detail=detail, seconds=fixed(lang, result.outages[-1].seconds or 0.0, 1)))
            else:
                result.failed_probes += 1
                up_streak = 0
                if was_up:
                    result.outages.append(Outage(start=now))
                    event(_("endpoint down"), detail)
            was_up = ok
            if not site and result.experiment_id:
                state = aws_cli(["fis", "get-experiment", "--id", result.experiment_id], the_plan.region)
                st = ((state.get("experiment") or {}).get("state") or {})
                status = st.get("status")
                if status != result.experiment_state:
                    result.experiment_state = status
                    result.experiment_reason = st.get("reason") or ""
                    event(_("experiment {status}").format(status=status), result.experiment_reason)
                ended = status in FIS_DONE
            else:
                if inverted and now >= hold:
                    aws_cli(the_plan.stop or [], the_plan.region)
                    inverted = False
                    event(_("primary health check set back (not inverted)"),
                          _("after {seconds} s").format(seconds=fixed(lang, now)))
                ended = not inverted
            if ended and up_streak >= settle:
                result.recovered = True
                break
            time.sleep(max(0.0, interval - (time.monotonic() - t0 - now)))
    except KeyboardInterrupt:
        event(_("interrupted by the operator"))
        raise
    finally:
        if inverted:
            with contextlib.suppress(DrillError):
                aws_cli(the_plan.stop or [], the_plan.region)
                event(_("primary health check set back (not inverted)"))
        elif not site and result.experiment_id and result.experiment_state not in FIS_DONE:
            with contextlib.suppress(DrillError):
                aws_cli([*(the_plan.stop or []), result.experiment_id], the_plan.region)
                event(_("experiment stopped by {command}").format(command="siaga drill"), result.experiment_id)
        result.duration_seconds = round(time.monotonic() - t0, 2)
    return result


def _dur(s: float | None, lang: Language | None = None) -> str:
    lang = lang if lang is not None else language("en")
    return lang.gettext("n/a") if s is None else f"{fixed(lang, s, 1)} s"


def _started(r: DrillResult, lang: Language) -> str:
    """The start time as recorded (ISO 8601, UTC) in English; ``1 Desember 2026 23.57.18 UTC`` in Indonesian."""
    if lang.code == "en":
        return r.started_at
    try:
        return lang.datetime(datetime.fromisoformat(r.started_at.replace("Z", "+00:00")))
    except ValueError:
        return r.started_at


def render_markdown(r: DrillResult, lang: Language | None = None) -> str:
    """The drill evidence as Markdown in ``lang`` (default: the language the drill ran in, English by default)."""
    lang = lang if lang is not None else language(r.lang)
    _ = lang.gettext
    e = r.expectation
    verdict = _("PASS") if r.passed else _("FAIL")
    lines = [_("# Drill {scenario} - {stack}: {verdict}").format(scenario=r.scenario, stack=r.stack, verdict=verdict),
             "",
             _("Started {started}, {duration} s, endpoint {endpoint} probed {probes} times ({failed} failed).").format(
                 started=_started(r, lang), duration=fixed(lang, r.duration_seconds), endpoint=f"`{r.endpoint}`",
                 probes=r.probes, failed=r.failed_probes), "",
             _("| | DRP (computed) | observed |"), "|---|---|---|",
             _("| RTO | {rto} s ({rto_text}) | longest outage {longest}{recovered} |").format(
                 rto=fixed(lang, e.rto_seconds), rto_text=e.rto_text, longest=_dur(r.longest_outage, lang),
                 recovered="" if r.recovered else _(", NOT recovered")),
             _("| RPO | {rpo_text} | not measured (an HTTP health probe cannot see lost writes) |").format(
                 rpo_text=e.rpo_text), "",
             _("DRP scenario: *{title}*.").format(title=e.drp_title), ""]
    if r.experiment_id:
        lines += [_("FIS experiment {id}: {state}").format(id=f"`{r.experiment_id}`", state=r.experiment_state)
                  + (f" ({r.experiment_reason})" if r.experiment_reason else ""), ""]
    lines += [_("## Outages"), ""]
    lines += [_("- from +{start} s to +{end} s: {seconds} s").format(
                  start=fixed(lang, o.start, 1), end=fixed(lang, o.end, 1), seconds=fixed(lang, o.seconds or 0.0, 1))
              if o.end is not None else
              _("- from +{start} s to the end of the drill: not recovered").format(start=fixed(lang, o.start, 1))
              for o in r.outages]
    if not r.outages:
        lines.append(_("- none observed"))
    lines += ["", _("## Timeline"), "", _("| t (s) | UTC | event | detail |"), "|---:|---|---|---|"]
    lines += [f"| {fixed(lang, ev.t, 1)} | {ev.at} | {ev.what} | {ev.detail.replace('|', '/')} |" for ev in r.events]
    lines += ["", "## siaga verify", ""]
    if r.verify is None:
        lines.append(_("Skipped ({option}).").format(option="--no-verify"))
    elif r.verify.get("error"):
        lines.append(_("Could not run: {error}").format(error=r.verify["error"]))
    else:
        checks = r.verify.get("checks", [])
        lines.append(_("{verdict}: {count} check(s).").format(
            verdict=_("OK") if r.verify.get("ok") else _("FAILED"), count=len(checks)))
        lines += [f"- {c['host']} {c['check']}: {_(OUTCOMES[c['outcome']]) if c['outcome'] in OUTCOMES else c['outcome']}"
                  f" {c.get('message', '')}".rstrip() for c in checks if c.get("outcome") != "passed"]
    lines += ["", _("## Verdict"), ""]
    lines += [f"- {p}" for p in r.problems] or [_("- recovered within the RTO ({rto} s)").format(
        rto=fixed(lang, e.rto_seconds))]
    return "\n".join(lines) + "\n"

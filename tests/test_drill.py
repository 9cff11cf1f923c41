"""``siaga drill``: a stand-in aws CLI (a script on PATH: FIS experiments and Route 53 health checks, logging every
call) and an HTTP endpoint on 127.0.0.1 that goes down when the experiment starts and comes back after a set time.
The drill passes when the outage is within the DRP's RTO (10 s for the drill_small program's target group, 5 s x 2)
and fails naming the gap when it is not; the evidence files are complete and written atomically."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import build
from siaga.drill import Endpoint, Expectation, plan, run
from tests.conftest import install_fake_aws

FIXTURES = Path(__file__).parent / "fixtures" / "programs"
PROGRAM = FIXTURES / "drill_small"

FAKE_AWS = r'''#!/usr/bin/env python3
"""Stand-in for the aws CLI: FIS start/get/stop-experiment and route53 update-health-check, state in files."""
import json, os, sys, time
args = sys.argv[1:]
state = os.environ["FAKE_AWS_STATE"]
with open(os.path.join(state, "calls.log"), "a") as log:
    log.write(json.dumps(args) + "\n")
started = os.path.join(state, "started")
if args[:2] == ["fis", "start-experiment"]:
    with open(started, "w") as f:
        f.write(str(time.time()))
    print(json.dumps({"experiment": {"id": "EXPdrill1", "state": {"status": "initiating"}}}))
elif args[:2] == ["fis", "get-experiment"]:
    age = time.time() - float(open(started).read())
    run_for = float(os.environ.get("FAKE_FIS_RUN", "2"))
    status = "running" if age < run_for else os.environ.get("FAKE_FIS_END", "completed")
    reason = "Stop condition triggered." if status == "stopped" else ""
    print(json.dumps({"experiment": {"id": args[args.index("--id") + 1], "state": {"status": status, "reason": reason}}}))
elif args[:2] == ["fis", "stop-experiment"]:
    print(json.dumps({"experiment": {"state": {"status": "stopping"}}}))
elif args[:2] == ["route53", "update-health-check"]:
    if "--inverted" in args:
        with open(started, "w") as f:
            f.write(str(time.time()))
    print(json.dumps({"HealthCheck": {"HealthCheckConfig": {"Inverted": "--inverted" in args}}}))
else:
    print("unsupported: " + " ".join(args[:2]), file=sys.stderr)
    sys.exit(255)
'''


@pytest.fixture
def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return install_fake_aws(FAKE_AWS, tmp_path, monkeypatch)


class Service:
    """/healthz answers 200, except 503 for ``down_for`` seconds from the moment the fault was started."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.down_for = 0.0
        self.hits: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                service.hits.append(f"{self.headers.get('Host')} {self.path}")
                started = service.state / "started"
                down = started.exists() and time.time() - float(started.read_text()) < service.down_for
                code = 200 if self.path == "/healthz" and not down else 503
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self) -> Service:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def service(fake_aws: Path) -> Iterator[Service]:
    with Service(fake_aws) as s:
        yield s


def outputs_file_text() -> str:
    return json.dumps({"drillTemplates": {"lose-instance": "EXTtmplInstance", "lose-az": "EXTtmplAz"},
                       "primaryHealthCheckId": "hc-primary"})


def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(outputs_file_text())
    return path


def drill(tmp_path: Path, service: Service | None, *args: str, lang: str | None = "en") -> tuple[int, str]:
    """Runs ``siaga drill``; ``lang`` None leaves the language to the stack (drill_small sets none: id)."""
    base = ["drill", *args, *(["--lang", lang] if lang else []), "--stack", "dev", "--program", str(PROGRAM), "--outputs", str(outputs_file(tmp_path)),
            "--evidence", str(tmp_path / "evidence"), "--no-verify", "--interval", "0.25", "--settle", "2"]
    if service is not None:
        base += ["--http", "--connect-to", "127.0.0.1", "--port", str(service.port)]
    result = CliRunner().invoke(build(["drill"]), base, env={"COLUMNS": "200"})
    return result.exit_code, result.output


def calls(state: Path) -> list[list[str]]:
    log = state / "calls.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def evidence(tmp_path: Path) -> tuple[str, dict]:
    folder = tmp_path / "evidence"
    files = sorted(p.name for p in folder.iterdir())
    assert not [f for f in files if f.startswith(".")], f"temporary files left: {files}"
    md = next(folder.glob("drill-*.md"))
    js = next(folder.glob("drill-*.json"))
    assert md.stem == js.stem
    return md.read_text(), json.loads(js.read_text())


def test_drill_passes_when_the_endpoint_recovers_within_the_rto(tmp_path: Path, fake_aws: Path,
                                                                 service: Service, monkeypatch) -> None:
    service.down_for = 2.0
    monkeypatch.setenv("FAKE_FIS_RUN", "3")
    code, out = drill(tmp_path, service, "lose-instance")
    assert code == 0, out
    assert "PASS" in out and "DRP RTO 10 s" in out
    started = [c for c in calls(fake_aws) if c[:2] == ["fis", "start-experiment"]]
    assert started == [["fis", "start-experiment", "--experiment-template-id", "EXTtmplInstance", "--tags",
                        "siaga:drill=lose-instance", "--region", "ap-southeast-3", "--output", "json"]]
    assert any(c[:2] == ["fis", "get-experiment"] and "EXPdrill1" in c for c in calls(fake_aws))
    assert not any(c[:2] == ["fis", "stop-experiment"] for c in calls(fake_aws)), "a completed experiment is not stopped"
    # the probe sent the service's name, not the address it connected to
    assert service.hits and all(h == "layanan.contoh.go.id /healthz" for h in service.hits)
    md, data = evidence(tmp_path)
    assert data["passed"] is True and data["recovered"] is True and data["problems"] == []
    assert data["expectation"]["rto_seconds"] == 10.0 and data["expectation"]["rpo_seconds"] == 0.0
    assert data["experiment_id"] == "EXPdrill1" and data["experiment_state"] == "completed"
    [outage] = data["outages"]
    assert 1.0 <= outage["seconds"] <= 4.0, outage
    whats = [e["what"] for e in data["events"]]
    for expected in ("baseline probe healthy", "experiment started", "endpoint down", "endpoint recovered",
                     "experiment completed"):
        assert expected in whats, whats
    assert whats.index("endpoint down") < whats.index("endpoint recovered")
    assert md.startswith("# Drill lose-instance - dev: PASS")
    for part in ("| RTO | 10 s", "| RPO | 0 (instances are stateless", "## Timeline", "experiment started",
                 "Loss of one application instance", "recovered within the RTO (10 s)", "Skipped (--no-verify)."):
        assert part in md, part


def test_drill_fails_naming_the_gap_when_the_outage_exceeds_the_rto(tmp_path: Path, fake_aws: Path,
                                                                     service: Service, monkeypatch) -> None:
    service.down_for = 12.5
    monkeypatch.setenv("FAKE_FIS_RUN", "1")
    code, out = drill(tmp_path, service, "lose-instance")
    assert code == 1, out
    assert "FAIL" in out and "over the DRP's RTO of 10 s" in out
    _, data = evidence(tmp_path)
    assert data["passed"] is False and data["recovered"] is True
    [outage] = data["outages"]
    assert outage["seconds"] > 10.0
    [problem] = data["problems"]
    assert f"lasted {outage['seconds']:.1f} s: {outage['seconds'] - 10:.1f} s over the DRP's RTO of 10 s" in problem


def test_drill_that_never_recovers_fails_and_names_it(tmp_path: Path, fake_aws: Path, service: Service,
                                                      monkeypatch) -> None:
    service.down_for = 3600
    monkeypatch.setenv("FAKE_FIS_RUN", "1")
    code, out = drill(tmp_path, service, "lose-instance", "--timeout", "3")
    assert code == 1, out
    assert "the service did not recover" in out
    md, data = evidence(tmp_path)
    assert data["recovered"] is False and data["timed_out"] is True
    assert data["outages"][-1]["end"] is None
    assert "not recovered" in md


def test_stop_condition_fired_is_a_failed_drill(tmp_path: Path, fake_aws: Path, service: Service,
                                                monkeypatch) -> None:
    monkeypatch.setenv("FAKE_FIS_RUN", "0.5")
    monkeypatch.setenv("FAKE_FIS_END", "stopped")
    code, out = drill(tmp_path, service, "lose-instance")
    assert code == 1, out
    assert "experiment EXPdrill1 ended stopped: Stop condition triggered. (the stop condition fired" in " ".join(out.split())


def test_dry_run_prints_what_it_would_start_and_starts_nothing(tmp_path: Path, fake_aws: Path) -> None:
    code, out = drill(tmp_path, None, "lose-instance", "--dry-run")
    assert code == 0, out
    assert ("would run: aws fis start-experiment --experiment-template-id EXTtmplInstance --tags "
            "siaga:drill=lose-instance --region ap-southeast-3") in " ".join(out.split())
    assert "probe: https://layanan.contoh.go.id/healthz" in out and "RTO 10 s" in out
    assert "aws fis list-actions --region ap-southeast-3" in out
    assert calls(fake_aws) == []
    assert not (tmp_path / "evidence").exists()


def test_service_down_before_the_drill_starts_nothing(tmp_path: Path, fake_aws: Path, service: Service) -> None:
    (fake_aws / "started").write_text(str(time.time()))
    service.down_for = 3600
    code, out = drill(tmp_path, service, "lose-instance")
    assert code == 2, out
    assert "is not healthy before the drill (HTTP 503)" in out
    assert calls(fake_aws) == []


@pytest.mark.parametrize(("args", "message"), [
    (["lose-everything"], "scenario 'lose-everything'; allowed: lose-instance, lose-az, lose-az-stop, fail-site"),
    (["fail-site"], "the DRP has no computed RTO for 'Loss of the whole AWS site (region)'"),
])
def test_could_not_run_is_one_line_exit_2(tmp_path: Path, fake_aws: Path, args: list[str], message: str) -> None:
    code, out = drill(tmp_path, None, *args)
    assert code == 2, out
    assert message in " ".join(out.split())
    assert calls(fake_aws) == []


def test_plans_from_the_outputs() -> None:
    outs = json.loads(outputs_file_text())
    assert plan("lose-az", outs, "ap-southeast-3", "s").start == [
        "fis", "start-experiment", "--experiment-template-id", "EXTtmplAz", "--tags", "siaga:drill=lose-az"]
    site = plan("fail-site", outs, "ap-southeast-3", "s")
    assert site.start[-1] == "--inverted" and site.stop == [
        "route53", "update-health-check", "--health-check-id", "hc-primary", "--no-inverted"]


def test_missing_template_output_names_the_key() -> None:
    with pytest.raises(Exception, match=r"outputs have no drillTemplates.lose-az \(templates: lose-instance\)"):
        plan("lose-az", {"drillTemplates": {"lose-instance": "EXT1"}}, "ap-southeast-3", "jakarta-prod")


def test_fail_site_inverts_the_primary_health_check_and_always_sets_it_back(fake_aws: Path) -> None:
    """The health check is inverted, held for the RTO + 30 s, then set back; the outage is measured meanwhile."""
    exp = Expectation("fail-site", "Loss of the whole AWS site (region)", -28.0, 3600.0, "138 s", "1 h")  # hold 2 s
    seen: list[float] = []
    t0 = time.monotonic()

    def probe(_ep: Endpoint) -> tuple[bool, str]:
        seen.append(time.monotonic() - t0)
        return (not 0.3 < seen[-1] - seen[0] < 1.0), "HTTP 200"

    the_plan = plan("fail-site", {"primaryHealthCheckId": "hc-1"}, "ap-southeast-3", "dev")
    result = run(stack="dev", the_plan=the_plan, exp=exp, endpoint=Endpoint("layanan.contoh.go.id"), interval=0.1,
                 timeout=20, settle=2, say=lambda _line: None, probe_fn=probe)
    r53 = [c for c in calls(fake_aws) if c[:2] == ["route53", "update-health-check"]]
    assert [c[2:5] for c in r53] == [["--health-check-id", "hc-1", "--inverted"],
                                     ["--health-check-id", "hc-1", "--no-inverted"]]
    assert result.recovered and len(result.outages) == 1
    whats = [e.what for e in result.events]
    assert whats.index("primary health check inverted") < whats.index("primary health check set back (not inverted)")


def test_fail_site_sets_the_health_check_back_when_the_drill_breaks(fake_aws: Path) -> None:
    exp = Expectation("fail-site", "t", 100.0, None, "100 s", "n/a")
    calls_seen = {"n": 0}

    def probe(_ep: Endpoint) -> tuple[bool, str]:
        calls_seen["n"] += 1
        if calls_seen["n"] > 2:
            raise KeyboardInterrupt
        return True, "HTTP 200"

    the_plan = plan("fail-site", {"primaryHealthCheckId": "hc-1"}, "ap-southeast-3", "dev")
    with pytest.raises(KeyboardInterrupt):
        run(stack="dev", the_plan=the_plan, exp=exp, endpoint=Endpoint("x.go.id"), interval=0.05, timeout=20,
            say=lambda _line: None, probe_fn=probe)
    assert [c[4] for c in calls(fake_aws)] == ["--inverted", "--no-inverted"]


def test_https_probe_verifies_the_certificate_for_the_name_while_connecting_to_the_address(tmp_path: Path) -> None:
    """The real drill's probe: TLS to 127.0.0.1 with SNI/Host/certificate check on the service's name."""
    import shutil
    import ssl
    import subprocess

    from siaga.drill import probe

    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed (apt-get install openssl)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=layanan.contoh.go.id",
                    "-addext", "subjectAltName=DNS:layanan.contoh.go.id"], check=True, capture_output=True)
    state = tmp_path / "state"
    state.mkdir()
    with Service(state) as svc:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        svc.server.socket = ctx.wrap_socket(svc.server.socket, server_side=True)
        ep = Endpoint("layanan.contoh.go.id", connect_to="127.0.0.1", port=svc.port, ca_file=str(cert))
        assert probe(ep) == (True, "HTTP 200")
        assert svc.hits[-1] == "layanan.contoh.go.id /healthz"
        ok, detail = probe(Endpoint("layanan.contoh.go.id", connect_to="127.0.0.1", port=svc.port))
        assert not ok and "CERTIFICATE_VERIFY_FAILED" in detail  # system CAs do not trust it
        ok, detail = probe(Endpoint("other.contoh.go.id", connect_to="127.0.0.1", port=svc.port, ca_file=str(cert)))
        assert not ok and "SSL" in detail  # the certificate is for another name


def test_a_failed_verify_after_the_drill_fails_it_and_names_the_checks(tmp_path: Path, fake_aws: Path,
                                                                       service: Service, monkeypatch) -> None:
    import siaga.verify
    from siaga.verify.runner import CheckResult, VerifyResult

    ran: list[tuple] = []

    def fake_suite(hosts, backend, target, **kw):  # noqa: ANN001, ANN003, ANN202
        ran.append((tuple(hosts), backend, getattr(target, "connect_to", None)))
        return VerifyResult(results=[CheckResult("local://", "test_hsts", "failed", "no HSTS header"),
                                     CheckResult("local://", "test_redirect", "passed")])

    monkeypatch.setattr(siaga.verify, "run_suite", fake_suite)
    monkeypatch.setenv("FAKE_FIS_RUN", "0.5")
    base = ["drill", "lose-instance", "--stack", "dev", "--program", str(PROGRAM), "--outputs",
            str(outputs_file(tmp_path)), "--evidence", str(tmp_path / "evidence"), "--interval", "0.25",
            "--settle", "2", "--http", "--connect-to", "127.0.0.1", "--port", str(service.port), "--lang", "en"]
    result = CliRunner().invoke(build(["drill"]), base, env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert ran == [(("local",), "local", "127.0.0.1")]  # the public checks, on the probed address
    assert "siaga verify after the drill: test_hsts" in result.output
    md, data = evidence(tmp_path)
    assert data["verify"]["ok"] is False and "test_hsts: failed no HSTS header" in md


def test_drill_evidence_in_indonesian_by_default(tmp_path: Path, fake_aws: Path, service: Service,
                                                 monkeypatch) -> None:
    """No --lang: the stack's siaga:documentLanguage, unset in drill_small, so id (the documents' default)."""
    from tests.test_documents_id import english_left

    service.down_for = 2.0
    monkeypatch.setenv("FAKE_FIS_RUN", "3")
    code, out = drill(tmp_path, service, "lose-instance", lang=None)
    assert code == 0, out
    assert "LULUS" in out and "RTO DRP 10 s" in out and "eksperimen dimulai" in out
    md, data = evidence(tmp_path)
    assert md.startswith("# Latihan lose-instance - dev: LULUS")
    for part in ("## Kronologi", "| t (s) | UTC | kejadian | rincian |", "pemeriksaan awal sehat", "eksperimen dimulai",
                 "endpoint mati", "endpoint pulih", "eksperimen completed", "Hilangnya satu instans aplikasi",
                 "pulih dalam batas RTO (10 s)", "Dilewati (--no-verify).", "Eksperimen FIS `EXPdrill1`: completed"):
        assert part in md, part
    assert re.search(r"Dimulai \d{1,2} \w+ \d{4} \d{2}\.\d{2}\.\d{2} UTC, ", md), md.splitlines()[2]
    assert re.search(r"gangguan terlama \d+,\d s", md)  # decimal comma
    # JSON: the same keys as in English, the human text (events) in Indonesian, machine values (states) as AWS's
    whats = [e["what"] for e in data["events"]]
    assert whats[:2] == ["pemeriksaan awal sehat", "eksperimen dimulai"] and "eksperimen completed" in whats
    assert data["experiment_state"] == "completed" and data["passed"] is True and "lang" not in data
    assert data["expectation"]["drp_title"] == "Hilangnya satu instans aplikasi"
    # the prose is Indonesian: no English sentence left outside names, the DRP's quoted RTO/RPO text, AWS states
    quoted = {data["expectation"]["rto_text"], data["expectation"]["rpo_text"], "completed", "initiating", "running",
              "HTTP 200", "HTTP 503", "dev", "lose-instance", "EXPdrill1"}
    assert not english_left(md, quoted), english_left(md, quoted)


def test_drill_problems_in_indonesian_and_english_json_keys(tmp_path: Path, fake_aws: Path, service: Service,
                                                            monkeypatch) -> None:
    service.down_for = 12.5
    monkeypatch.setenv("FAKE_FIS_RUN", "1")
    code, out = drill(tmp_path, service, "lose-instance", lang="id")
    assert code == 1, out
    assert "GAGAL" in out and "melampaui RTO DRP sebesar 10 s" in out
    md, data = evidence(tmp_path)
    [outage] = data["outages"]
    [problem] = data["problems"]
    secs = f"{outage['seconds']:.1f}".replace(".", ",")
    assert f"berlangsung {secs} s" in problem and "melampaui RTO DRP sebesar 10 s" in problem
    assert f"- {problem}" in md and "## Kesimpulan" in md
    # English JSON has exactly the same keys
    en_dir = tmp_path / "en"
    en_dir.mkdir()
    code, _ = drill(en_dir, service, "lose-instance", lang="en")
    _, en_data = evidence(en_dir)
    assert set(en_data) == set(data) and set(en_data["expectation"]) == set(data["expectation"])
    assert "over the DRP's RTO of 10 s" in en_data["problems"][0]


def test_stack_document_language_chooses_the_drill_language(tmp_path: Path, fake_aws: Path, service: Service,
                                                             monkeypatch) -> None:
    service.down_for = 0.0
    monkeypatch.setenv("FAKE_FIS_RUN", "0.5")
    code, out = drill(tmp_path, service, "lose-instance", "--config", "siaga:documentLanguage=en", lang=None)
    assert code == 0, out
    md, _ = evidence(tmp_path)
    assert md.startswith("# Drill lose-instance - dev: PASS")


@pytest.mark.parametrize(("args", "lang", "message"), [
    ([], "fr", "--lang 'fr'; allowed: id, en"),
    (["--config", "siaga:documentLanguage=jv"], None, "siaga:documentLanguage 'jv'; allowed: id, en"),
])
def test_bad_language_is_one_line_exit_2_before_anything_runs(tmp_path: Path, fake_aws: Path, service: Service,
                                                                args: list[str], lang: str | None,
                                                                message: str) -> None:
    code, out = drill(tmp_path, service, "lose-instance", *args, lang=lang)
    assert code == 2, out
    assert message in " ".join(out.split()) and len(out.strip().splitlines()) == 1, out
    assert calls(fake_aws) == [] and service.hits == []
    assert not (tmp_path / "evidence").exists()


def test_expectation_takes_the_drps_own_words_when_the_drp_has_a_language(monkeypatch) -> None:
    """Once drp.scenarios(topo, lang=...) exists (the DRP slice), the evidence quotes the DRP's Indonesian title and
    RTO/RPO texts; the figures and the scenario lookup stay on the English DRP."""
    import dataclasses

    from siaga.documents import drp
    from siaga.drill import expectation
    from siaga.engine import run_program
    from siaga.i18n import language

    graph = run_program(PROGRAM, stack="dev")
    plain = expectation(graph, "lose-instance", language("id"))
    assert plain.drp_title == "Hilangnya satu instans aplikasi" and plain.rto_seconds == 10.0
    english = drp.scenarios

    def scenarios(topo, lang=None):
        found = english(topo)
        if lang is None or lang.code == "en":
            return found
        return [dataclasses.replace(sc, title=f"[{lang.code}] {sc.title}", rto=f"[{lang.code}] {sc.rto}",
                                    rpo=f"[{lang.code}] {sc.rpo}") for sc in found]

    monkeypatch.setattr(drp, "scenarios", scenarios)
    exp = expectation(graph, "lose-instance", language("id"))
    assert exp.drp_title == "[id] Loss of one application instance" and exp.rto_text.startswith("[id] ")
    assert exp.rpo_text.startswith("[id] ") and exp.rto_seconds == 10.0
    assert expectation(graph, "lose-instance").drp_title == "Loss of one application instance"


def test_a_failed_verify_in_indonesian_evidence(tmp_path: Path, fake_aws: Path, service: Service, monkeypatch) -> None:
    """The verify section in id: outcomes translated, check names and the tool's messages quoted as they are."""
    import siaga.verify
    from siaga.verify.runner import CheckResult, VerifyResult

    monkeypatch.setattr(siaga.verify, "run_suite", lambda *a, **k: VerifyResult(results=[
        CheckResult("local://", "test_hsts", "failed", "no HSTS header"), CheckResult("local://", "test_tls", "passed")]))
    monkeypatch.setenv("FAKE_FIS_RUN", "0.5")
    base = ["drill", "lose-instance", "--stack", "dev", "--program", str(PROGRAM), "--outputs",
            str(outputs_file(tmp_path)), "--evidence", str(tmp_path / "evidence"), "--interval", "0.25",
            "--settle", "2", "--http", "--connect-to", "127.0.0.1", "--port", str(service.port)]
    result = CliRunner().invoke(build(["drill"]), base, env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "siaga verify setelah latihan: test_hsts" in result.output
    md, data = evidence(tmp_path)
    assert "GAGAL: 2 pemeriksaan." in md and "test_hsts: gagal no HSTS header" in md
    assert data["verify"]["checks"][0]["outcome"] == "failed"  # JSON: the machine value

"""siaga verify: host specs, results parsing, the baseline read back from a stack, hosts from outputs, the SSM
backend (through a stand-in ``aws`` CLI that runs the command here), and the command's tested path against a
host list (this machine over the local and ssm backends: it is not a hardened host, so checks fail by name)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from components.userdata import UserDataSettings
from siaga.cli import app
from siaga.engine import run_program
from siaga.verify import VerifyError, host_spec
from siaga.verify.runner import _label
from siaga.verify.ssm import SsmBackend
from siaga.verify.stack import hosts_from_outputs, load_outputs, settings_from_graph
from tests.conftest import install_fake_aws

FIXTURES = Path(__file__).parent / "fixtures" / "programs"
SETTINGS = UserDataSettings(service="layanan-ci", domain="layanan.example.go.id", log_group="/siaga/ci/hosts")

FAKE_AWS = r'''#!/usr/bin/env python3
"""Stand-in for the aws CLI: ssm send-command runs the command here and get-command-invocation returns it."""
import json, os, subprocess, sys, uuid
args = sys.argv[1:]
state = os.environ["FAKE_AWS_STATE"]
with open(os.path.join(state, "calls.log"), "a") as log:
    log.write(" ".join(args[:2]) + "\n")
if "i-0offline" in args:  # an instance SSM cannot reach (stopped, no agent, wrong account)
    print("An error occurred (InvalidInstanceId) when calling the SendCommand operation: Instances [[i-0offline]] "
          "not in a valid state for account 123456789012", file=sys.stderr)
    sys.exit(254)
if args[:2] == ["ssm", "send-command"]:
    params = json.loads(args[args.index("--parameters") + 1])
    done = subprocess.run(["/bin/sh", "-c", params["commands"][0]], capture_output=True, text=True)
    cid = uuid.uuid4().hex
    with open(os.path.join(state, cid), "w") as f:
        json.dump({"Status": "Success" if done.returncode == 0 else "Failed", "ResponseCode": done.returncode,
                   "StandardOutputContent": done.stdout, "StandardErrorContent": done.stderr}, f)
    print(json.dumps({"Command": {"CommandId": cid}}))
elif args[:2] == ["ssm", "get-command-invocation"]:
    with open(os.path.join(state, args[args.index("--command-id") + 1])) as f:
        print(f.read())
else:
    print("unsupported", file=sys.stderr)
    sys.exit(255)
'''


@pytest.fixture
def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return install_fake_aws(FAKE_AWS, tmp_path, monkeypatch)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["verify", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


# --- host specs and results -------------------------------------------------------------------------------------

def test_host_specs_per_backend(tmp_path: Path) -> None:
    assert host_spec("i-0abc", "ssm") == "ssm://i-0abc"
    assert host_spec("web-1", "ssh") == "ssh://web-1"
    assert host_spec("anything", "local") == "local://"
    assert host_spec("siaga/api-0", "kubectl") == "kubectl://api-0?namespace=siaga"
    assert host_spec(str(tmp_path), "chroot") == str(tmp_path.resolve())
    with pytest.raises(VerifyError, match="backend='telnet'; allowed: ssh, ssm"):
        host_spec("x", "telnet")
    with pytest.raises(VerifyError, match="not a directory"):
        host_spec(str(tmp_path / "missing"), "chroot")


def test_result_labels_split_host_and_parameter() -> None:
    specs = ["/tmp/root"]
    assert _label("test_ssh_disabled[chroot:///tmp/root]", specs) == ("/tmp/root", "test_ssh_disabled")
    assert _label("test_tls_modern_accepted[chroot:///tmp/root-1.2]", specs) == ("/tmp/root", "test_tls_modern_accepted[1.2]")
    assert _label("test_tls_legacy_refused[local--tls1_1]", ["local://"]) == ("local://", "test_tls_legacy_refused[tls1_1]")
    assert _label("test_x[ssm://i-1]", ["ssm://i-1", "ssm://i-12"]) == ("ssm://i-1", "test_x")


# --- the stack side -----------------------------------------------------------------------------------------------

def test_settings_read_back_from_the_launch_template() -> None:
    graph = run_program(FIXTURES / "verify_userdata", stack="dev")
    settings = settings_from_graph(graph)
    assert (settings.service, settings.health_path, settings.app_port) == ("layanan-dev", "/sehat", 9000)
    other = run_program(FIXTURES / "verify_userdata", stack="dev", overrides={"fixture:healthPath": "/hidup"})
    assert settings_from_graph(other).health_path == "/hidup"


def test_stack_without_the_baseline_is_one_line_error() -> None:
    graph = run_program(FIXTURES / "rush_data", stack="dev")
    with pytest.raises(VerifyError) as err:
        settings_from_graph(graph)
    assert "\n" not in str(err.value) and "no launch template carries the siaga host baseline" in str(err.value)


def test_hosts_from_outputs(tmp_path: Path) -> None:
    assert hosts_from_outputs({"hosts": ["i-1", "i-2"], "asgName": "x"}, "ssm") == ["i-1", "i-2"]
    assert hosts_from_outputs({"instanceIds": ["i-9"]}, "ssm") == ["i-9"]
    with pytest.raises(VerifyError, match="with --backend ssh give --hosts"):
        hosts_from_outputs({"asgName": "app"}, "ssh")
    with pytest.raises(VerifyError, match=r"no hosts, instanceIds or asgName \(keys: region\)"):
        hosts_from_outputs({"region": "ap-southeast-3"}, "ssm")
    path = tmp_path / "outputs.json"
    path.write_text("[1]")
    with pytest.raises(VerifyError, match="expected a JSON object"):
        load_outputs("dev", path)


def test_asg_instances_through_the_aws_cli(fake_aws: Path, tmp_path: Path) -> None:
    bin_dir = Path(os.environ["PATH"].split(os.pathsep)[0])
    (bin_dir / "aws").write_text("#!/bin/sh\necho '{\"AutoScalingGroups\": [{\"Instances\": ["
                                 "{\"InstanceId\": \"i-a\", \"LifecycleState\": \"InService\"},"
                                 "{\"InstanceId\": \"i-b\", \"LifecycleState\": \"Terminating\"}]}]}'\n")
    assert hosts_from_outputs({"asgName": "layanan-prod-app", "region": "ap-southeast-3"}, "ssm") == ["i-a"]


# --- the SSM backend ------------------------------------------------------------------------------------------------

def test_ssm_backend_runs_commands_through_run_command(fake_aws: Path) -> None:
    backend = SsmBackend("i-0abc")
    result = backend.run("echo hello; echo oops >&2; exit 3")
    assert (result.rc, result.stdout, result.stderr) == (3, "hello\n", "oops\n")
    calls = (fake_aws / "calls.log").read_text().splitlines()
    assert calls == ["ssm send-command", "ssm get-command-invocation"]


# --- the command ------------------------------------------------------------------------------------------------------

def settings_file(tmp_path: Path, settings: UserDataSettings = SETTINGS) -> Path:
    path = tmp_path / "baseline.json"
    path.write_text(settings.model_dump_json())
    return path


def test_verify_host_list_reports_failed_checks_by_name(tmp_path: Path) -> None:
    junit = tmp_path / "evidence" / "verify.xml"
    code, out = invoke("--hosts", "this-machine", "--backend", "local", "--settings", str(settings_file(tmp_path)),
                       "--no-endpoints", "--junit", str(junit))
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert cases["test_app_service[local]"].find("failure") is not None
    assert cases["test_https_health[local]"].find("skipped") is not None  # --no-endpoints
    assert code == 1, out
    assert "siaga verify (local)" in out and "FAILED: 1 host(s)" in out
    assert "FAIL local:// test_app_service: layanan-ci.service is not installed" in out
    assert "FAIL local:// test_log_shipping_config" in out


def test_verify_over_ssm_runs_the_suite(fake_aws: Path, tmp_path: Path) -> None:
    code, out = invoke("--hosts", "i-0abc", "--backend", "ssm", "--settings", str(settings_file(tmp_path)),
                       "--no-endpoints", "--mode", "image")
    assert code == 1, out
    assert "FAILED: 1 host(s)" in out
    assert "FAIL ssm://i-0abc test_app_service: layanan-ci.service is not installed" in out
    assert "ssm send-command" in (fake_aws / "calls.log").read_text()


def test_a_host_that_does_not_answer_is_not_run_and_exits_2(fake_aws: Path, tmp_path: Path) -> None:
    """None of an unreachable host's checks pass or fail: they are 'not run', and the run could not complete."""
    junit = tmp_path / "verify.xml"
    code, out = invoke("--hosts", "i-0abc,i-0offline", "--backend", "ssm", "--settings", str(settings_file(tmp_path)),
                       "--no-endpoints", "--mode", "image", "--junit", str(junit))
    assert code == 2, out
    assert "NOT RUN ssm://i-0offline: the host did not answer" in out and "Instances [[i-0offline]]" in out
    assert "FAIL ssm://i-0abc test_app_service" in out  # the host that answers is still checked
    cases = [c for c in ET.parse(junit).getroot().iter("testcase") if "i-0offline" in (c.get("name") or "")]
    assert cases and all(c.find("skipped") is not None for c in cases)  # never a pass
    assert "HOST NOT REACHED" in (cases[0].find("skipped").get("message") or "")


def test_verify_stack_takes_baseline_from_program_and_hosts_from_outputs(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"hosts": ["this-machine"]}))
    code, out = invoke("--stack", "dev", "--program", str(FIXTURES / "verify_userdata"), "--outputs", str(outputs),
                       "--backend", "local", "--no-endpoints")
    assert code == 1, out
    assert "FAIL local:// test_app_service: layanan-dev.service is not installed" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--hosts", "h", "--backend", "telnet"], "--backend 'telnet'; allowed: ssh, ssm"),
    (["--hosts", "h", "--mode", "boot"], "--mode 'boot'; allowed: live, image"),
    (["--hosts", "h"], "give --stack NAME (the baseline is read from its launch template) or --settings FILE"),
])
def test_verify_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    code, out = invoke(*args)
    assert code == 2 and message in out and "Traceback" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["--public"], "--public needs --stack NAME (its siaga:domain) or --domain NAME"),
    (["--public", "--domain", "layanan.example.go.id", "--connect-to", "10.0.0.999"], "connect_to='10.0.0.999'"),
    (["--public", "--domain", "layanan.example.go.id", "--ca-file", "/nonexistent.pem"], "ca_file='/nonexistent.pem'"),
])
def test_verify_public_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    code, out = invoke(*args)
    assert code == 2 and message in out and "Traceback" not in out


def test_public_target_from_the_stack_config() -> None:
    from siaga.engine import run_stack
    from siaga.verify.public import public_target_from_graph

    target = public_target_from_graph(run_stack("jakarta-staging"), connect_to="203.0.113.10")
    assert (target.domain, target.health_path, target.connect_to) == ("layanan.staging.contoh.go.id", "/healthz",
                                                                      "203.0.113.10")


def test_verify_bad_settings_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"service": "x", "domain": "x.go.id", "log_group": "g", "health_path": "sehat"}))
    code, out = invoke("--hosts", "h", "--backend", "local", "--settings", str(path))
    assert code == 2 and "health_path='sehat'" in out and "allowed" in out


def test_verify_stack_without_baseline_exit_2() -> None:
    code, out = invoke("--stack", "dev", "--program", str(FIXTURES / "rush_data"), "--hosts", "h")
    assert code == 2 and "no launch template carries the siaga host baseline" in out

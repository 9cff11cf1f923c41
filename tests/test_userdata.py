"""components/userdata.py: the rendered baseline, each file checked by the real tool where one exists.

Tools (Debian packages, listed in scripts/ci-apt-packages.txt): nginx (nginx -t), cloud-init (cloud-init
schema), systemd (systemd-analyze verify / calendar), apt (apt-config), shellcheck. A test whose tool is
missing is skipped with the package to install.
"""

from __future__ import annotations

import base64
import gzip
import json
import py_compile
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jinja2
import pytest
import yaml

from components import config, userdata
from components.userdata import RenderedFile, UserDataError, UserDataSettings, render_files, render_user_data

BASE = {"service": "layanan-prod", "domain": "layanan.example.go.id", "log_group": "/siaga/layanan-prod/hosts"}


def need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (apt-get install {package})")
    return path


@pytest.fixture(scope="module")
def settings() -> UserDataSettings:
    return UserDataSettings(**BASE)


def by_path(settings: UserDataSettings) -> dict[str, RenderedFile]:
    return {f.path: f for f in render_files(settings)}


# --- the cloud-config document ------------------------------------------------------------------------------

def test_cloud_config_carries_every_file_verbatim(settings: UserDataSettings) -> None:
    text = render_user_data(settings)
    assert text.startswith("#cloud-config\n")
    doc = yaml.safe_load(text)
    written = {w["path"]: w for w in doc["write_files"]}
    for f in render_files(settings):
        assert written[f.path]["content"] == f.content
        assert written[f.path]["permissions"] == f.mode
        assert written[f.path]["defer"] is True  # after the packages are installed
    assert doc["runcmd"] == [[userdata.BOOTSTRAP]]
    assert set(userdata.PACKAGES) <= set(doc["packages"])
    assert doc["ssh_pwauth"] is False


def test_cloud_init_schema_accepts_the_document(settings: UserDataSettings, tmp_path: Path) -> None:
    tool = need("cloud-init", "cloud-init")
    doc = tmp_path / "user-data"
    doc.write_text(render_user_data(settings))
    run = subprocess.run([tool, "schema", "-c", str(doc)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Valid cloud-config" in run.stdout
    # the validator does fail on a wrong type
    bad = tmp_path / "bad"
    bad.write_text(render_user_data(settings).replace("package_update: true", "package_update: [1]"))
    assert subprocess.run([tool, "schema", "-c", str(bad)], capture_output=True, timeout=120).returncode != 0


def test_user_data_base64_is_gzip_of_the_document_and_fits_ec2(settings: UserDataSettings) -> None:
    packed = base64.b64decode(userdata.user_data_base64(settings))
    assert len(packed) <= userdata.MAX_USER_DATA_BYTES
    assert gzip.decompress(packed).decode() == render_user_data(settings)
    assert userdata.user_data_base64(settings) == userdata.user_data_base64(settings)  # stable: no replacement churn


# --- each file, with its tool ---------------------------------------------------------------------------------

def _nginx_prefix(tmp_path: Path, settings: UserDataSettings) -> Path:
    """The rendered nginx.conf + site in a config dir of their own; logs/pid moved into tmp_path."""
    conf = tmp_path / "nginx"
    (conf / "conf.d").mkdir(parents=True)
    (tmp_path / "logs").mkdir()
    mime = Path("/etc/nginx/mime.types")
    (conf / "mime.types").write_text(mime.read_text() if mime.exists() else "types { text/html html; }\n")
    files = by_path(settings)

    def relocate(text: str) -> str:
        return text.replace("/var/log/nginx/", f"{tmp_path}/logs/").replace("/run/nginx.pid", f"{tmp_path}/nginx.pid")

    (conf / "nginx.conf").write_text(relocate(files["/etc/nginx/nginx.conf"].content))
    site = files[f"/etc/nginx/conf.d/{settings.service}.conf"]
    (conf / "conf.d" / Path(site.path).name).write_text(relocate(site.content))
    tls = Path(settings.tls_dir)
    tls.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "1", "-subj",
                    f"/CN={settings.domain}", "-keyout", str(tls / f"{settings.service}.key"),
                    "-out", str(tls / f"{settings.service}.crt")], check=True, capture_output=True)
    return conf


def test_nginx_t_accepts_the_rendered_config(tmp_path: Path) -> None:
    nginx = need("nginx", "nginx-light")
    s = UserDataSettings(**BASE, tls_dir=str(tmp_path / "tls"))
    conf = _nginx_prefix(tmp_path, s)
    run = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf / "nginx.conf")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "test is successful" in run.stderr
    # and rejects a broken one (the check can fail)
    site = conf / "conf.d" / f"{s.service}.conf"
    site.write_text(site.read_text().replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1.2 TLSv9;"))
    assert subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf / "nginx.conf")],
                          capture_output=True, timeout=60).returncode != 0


def test_nginx_site_is_tls12_plus_with_redirect_and_health(settings: UserDataSettings) -> None:
    site = by_path(settings)[f"/etc/nginx/conf.d/{settings.service}.conf"].content
    main = by_path(settings)["/etc/nginx/nginx.conf"].content
    for text in (site, main):
        protocols = [line for line in text.splitlines() if line.strip().startswith("ssl_protocols")]
        assert protocols and all(p.split(None, 1)[1].rstrip(";").split() == ["TLSv1.2", "TLSv1.3"]
                                 for p in protocols)
    assert "return 301 https://$host$request_uri;" in site
    assert f"location = {settings.health_path} " in site
    assert f"server 127.0.0.1:{settings.app_port};" in site
    assert "server_tokens off;" in main


def test_systemd_analyze_verifies_the_service_unit(tmp_path: Path, settings: UserDataSettings) -> None:
    tool = need("systemd-analyze", "systemd")
    unit = by_path(settings)[f"/etc/systemd/system/{settings.unit}"]
    path = tmp_path / settings.unit
    path.write_text(unit.content)
    run = subprocess.run([tool, "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and not run.stderr.strip(), run.stderr
    assert "User=siaga-app" in unit.content and "NoNewPrivileges=yes" in unit.content
    # a unit whose program does not exist is refused (the check can fail)
    path.write_text(unit.content.replace("ExecStart=/usr/bin/python3", "ExecStart=/nonexistent/python3"))
    assert subprocess.run([tool, "verify", str(path)], capture_output=True, timeout=60).returncode != 0


def test_systemd_analyze_parses_the_upgrade_window(settings: UserDataSettings) -> None:
    tool = need("systemd-analyze", "systemd")
    dropin = by_path(settings)["/etc/systemd/system/apt-daily-upgrade.timer.d/50-siaga.conf"].content
    calendar = [line.split("=", 1)[1] for line in dropin.splitlines() if line.startswith("OnCalendar=") and line != "OnCalendar="]
    assert calendar == ["*-*-* 01:00:00 Asia/Jakarta"]  # an hour before the 02:00 reboot window
    run = subprocess.run([tool, "calendar", calendar[0]], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr


def test_apt_config_parses_the_upgrade_files(settings: UserDataSettings, tmp_path: Path) -> None:
    tool = need("apt-config", "apt")
    files = by_path(settings)
    for name in ("/etc/apt/apt.conf.d/20auto-upgrades", "/etc/apt/apt.conf.d/52siaga-unattended-upgrades"):
        path = tmp_path / Path(name).name
        path.write_text(files[name].content)
        run = subprocess.run([tool, "-c", str(path), "dump"], capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, run.stderr
        if name.endswith("20auto-upgrades"):
            assert 'APT::Periodic::Unattended-Upgrade "1";' in run.stdout
        else:
            assert 'Unattended-Upgrade::Automatic-Reboot "true";' in run.stdout
            assert "-security" in run.stdout
    bad = tmp_path / "bad"
    bad.write_text('Unattended-Upgrade::Automatic-Reboot "true"\n')  # missing ';'
    assert subprocess.run([tool, "-c", str(bad), "dump"], capture_output=True, timeout=30).returncode != 0


def test_bootstrap_script_passes_bash_n_and_shellcheck(settings: UserDataSettings, tmp_path: Path) -> None:
    script = tmp_path / "siaga-bootstrap"
    for s in (settings, UserDataSettings(**BASE, install_aws_agents=False)):
        script.write_text(by_path(s)[userdata.BOOTSTRAP].content)
        assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
        tool = need("shellcheck", "shellcheck")
        run = subprocess.run([tool, "-s", "bash", "-S", "warning", str(script)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout


def test_bootstrap_masks_ssh_and_enables_the_baseline(settings: UserDataSettings) -> None:
    text = by_path(settings)[userdata.BOOTSTRAP].content
    assert "systemctl mask ssh.service ssh.socket sshd.service" in text
    for unit in ("auditd.service", "chrony.service", "nginx.service", "unattended-upgrades.service",
                 "apt-daily-upgrade.timer", settings.unit, "amazon-ssm-agent.service"):
        assert unit in text
    assert "amazon-ssm-agent" not in by_path(UserDataSettings(**BASE, install_aws_agents=False))[userdata.BOOTSTRAP].content


def test_placeholder_app_answers_the_health_path(settings: UserDataSettings, tmp_path: Path) -> None:
    app = tmp_path / "healthd.py"
    app.write_text(by_path(settings)[f"{settings.app_dir}/healthd.py"].content)
    py_compile.compile(str(app), doraise=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(app)], env={"APP_PORT": str(port), "APP_HEALTH_PATH": "/healthz"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        body = None
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    body = (resp.status, json.loads(resp.read()))
                break
            except OSError:
                time.sleep(0.1)
        assert body == (200, {"status": "ok", "service": "layanan-prod"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/other", timeout=1)
        assert err.value.code == 404
    finally:
        proc.terminate()
        proc.wait(10)


def test_audit_rules_cover_identity_privileged_and_time(settings: UserDataSettings) -> None:
    rules = by_path(settings)["/etc/audit/rules.d/50-siaga.rules"].content
    lines = [line for line in rules.splitlines() if line and not line.startswith("#")]
    assert all(line.startswith(("-w ", "-a ")) for line in lines)
    for watched in ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers"):
        assert f"-w {watched} -p wa -k identity" in lines
    for cmd in userdata.PRIVILEGED_COMMANDS:
        assert any(f"-F path={cmd} " in line and line.endswith("-k privileged") for line in lines)
    assert any("-S adjtimex,settimeofday,clock_settime" in line and "arch=b64" in line for line in lines)
    assert "-w /etc/localtime -p wa -k time-change" in lines


def test_audit_configuration_is_locked_by_default(settings: UserDataSettings) -> None:
    final = by_path(settings)[userdata.AUDIT_FINALIZE]
    assert [line for line in final.content.splitlines() if line and not line.startswith("#")] == ["-e 2"]
    assert final.mode == "0640"
    assert userdata.AUDIT_FINALIZE not in by_path(UserDataSettings(**BASE, audit_immutable=False))
    # a live host whose rules are already locked regenerates the merged file but does not try to load it
    text = by_path(settings)[userdata.BOOTSTRAP].content
    assert "grep -qx 'enabled 2'" in text and "augenrules --load" in text


def test_sysctls_and_chrony(settings: UserDataSettings) -> None:
    files = by_path(settings)
    conf = dict(line.split(" = ") for line in files["/etc/sysctl.d/90-siaga-hardening.conf"].content.splitlines()
                if line and not line.startswith("#"))
    assert conf == userdata.SYSCTLS
    chrony = files["/etc/chrony/conf.d/50-siaga.conf"].content
    assert "server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4" in chrony and "makestep 1.0 3" in chrony


def test_cloudwatch_agent_config_ships_to_the_log_group(settings: UserDataSettings) -> None:
    cfg = json.loads(by_path(settings)["/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"].content)
    collected = cfg["logs"]["logs_collected"]["files"]["collect_list"]
    assert {c["log_group_name"] for c in collected} == {settings.log_group}
    paths = {c["file_path"] for c in collected}
    assert {"/var/log/audit/audit.log", settings.app_log, f"/var/log/nginx/{settings.service}.access.log"} <= paths
    assert cfg["agent"]["region"] == "ap-southeast-3"
    # the log group's retention (365 days, KMS) is the stack's: the agent must not set its own
    assert all("retention_in_days" not in c for c in collected)


# --- settings -------------------------------------------------------------------------------------------------

def test_settings_for_cluster_takes_port_and_health_path_from_stack_config() -> None:
    cluster = config.Cluster(appPort=9000, healthCheckPath="/sehat")
    s = userdata.settings_for_cluster("dukcapil-prod", cluster, "adminduk.example.go.id", "/siaga/dukcapil-prod/hosts")
    assert (s.service, s.app_port, s.health_path) == ("dukcapil-prod", 9000, "/sehat")
    site = by_path(s)["/etc/nginx/conf.d/dukcapil-prod.conf"].content
    assert "location = /sehat " in site and "127.0.0.1:9000" in site


def test_custom_app_exec_replaces_the_placeholder() -> None:
    s = UserDataSettings(**BASE, app_exec="/opt/app/bin/server --port 8080")
    files = by_path(s)
    assert f"{s.app_dir}/healthd.py" not in files
    assert "ExecStart=/opt/app/bin/server --port 8080" in files[f"/etc/systemd/system/{s.unit}"].content


@pytest.mark.parametrize(("key", "value", "fragment"), [
    ("service", "Layanan_Prod", "service='Layanan_Prod'"),
    ("domain", "not a domain", "domain='not a domain'"),
    ("health_path", "healthz", "health_path='healthz'"),
    ("reboot_window_start", "25:00", "reboot_window_start='25:00'"),
    ("app_port", 80, "app_port=80"),
    ("app_exec", "python app.py", "app_exec='python app.py'"),
])
def test_bad_settings_fail_with_one_line(key: str, value: object, fragment: str) -> None:
    with pytest.raises(UserDataError) as err:
        UserDataSettings.parse({**BASE, key: value})
    message = str(err.value)
    assert "\n" not in message and fragment in message
    assert "allowed" in message or "greater than or equal to 1024" in message


def test_templates_are_strict_about_missing_values() -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(userdata.TEMPLATES), undefined=jinja2.StrictUndefined)
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("nginx-site.conf.j2").render(service="x", domain="x.go.id")
    assert userdata._env().undefined is jinja2.StrictUndefined


def test_apt_reaches_debian_over_https_only_before_packages_install(tmp_path: Path) -> None:
    """The app tier's only internet egress is 443: bootcmd (before package_update) turns the image's HTTP Debian
    mirrors into HTTPS ones, in the mirror lists Debian 12 uses and in any sources file, and leaves others alone."""
    doc = yaml.safe_load(render_user_data(UserDataSettings(**BASE)))
    assert list(doc).index("bootcmd") < list(doc).index("package_update")
    (cmd,) = doc["bootcmd"]
    apt = tmp_path / "etc/apt"
    (apt / "mirrors").mkdir(parents=True)
    (apt / "sources.list.d").mkdir()
    (apt / "mirrors/debian.list").write_text("http://cdn-aws.deb.debian.org/debian\n")
    (apt / "mirrors/debian-security.list").write_text("http://security.debian.org/debian-security\n")
    (apt / "sources.list.d/debian.sources").write_text("Types: deb\nURIs: http://deb.debian.org/debian\n")
    (apt / "sources.list.d/vendor.list").write_text("deb http://apt.example.org/x stable main\n")
    script = cmd[2].replace("/etc/apt", str(apt))
    subprocess.run([cmd[0], cmd[1], script], check=True)
    assert (apt / "mirrors/debian.list").read_text() == "https://cdn-aws.deb.debian.org/debian\n"
    assert (apt / "mirrors/debian-security.list").read_text() == "https://security.debian.org/debian-security\n"
    assert "URIs: https://deb.debian.org/debian" in (apt / "sources.list.d/debian.sources").read_text()
    assert (apt / "sources.list.d/vendor.list").read_text() == "deb http://apt.example.org/x stable main\n"

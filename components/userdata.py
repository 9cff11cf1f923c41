"""The application hosts' hardened baseline as cloud-init user data (Debian 12 hosts).

One typed settings object, :class:`UserDataSettings`, renders (jinja2, strict undefined) the templates in
``components/templates/userdata/`` into host files (:func:`render_files`) and wraps them into one
``#cloud-config`` document (:func:`render_user_data`):

* auditd rules for identity files, privileged commands and time changes, the audit configuration made
  immutable until the next reboot (``-e 2``, on by default);
* chrony against the Amazon Time Sync Service (169.254.169.123) with pool fallback;
* unattended *security* upgrades with automatic reboot in a safe window, staggered per AZ so that the
  zones never reboot together (the ALB keeps serving from the others);
* the SSH daemon disabled and masked: access is through SSM Session Manager only;
* kernel hardening sysctls;
* the application as a sandboxed systemd service on 127.0.0.1, behind nginx terminating TLS 1.2+ with an
  HTTP -> HTTPS redirect and the health path passed through;
* CloudWatch agent configuration shipping audit, nginx and application logs to the stack's log group.

Every file is written with ``defer: true`` (after cloud-init installed the packages) and the
``siaga-bootstrap`` script (run by ``runcmd``) applies them; the same files and script also build an
image offline (a chroot: nothing is started there). ``siaga verify`` checks a host against the same settings.

The hosts run Debian 12: use :data:`AMI_OWNERS` / :data:`AMI_NAME` for the launch template's image.
"""

from __future__ import annotations

import base64
import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

TEMPLATES = Path(__file__).parent / "templates" / "userdata"
AMI_OWNERS = ["136693071363"]
"""The Debian project's AWS account (official Debian AMIs)."""
AMI_NAME = "debian-12-amd64-*"
"""Name filter of the official Debian 12 (bookworm) x86_64 AMIs."""
BOOTSTRAP = "/usr/local/sbin/siaga-bootstrap"
BASELINE_FILE = "/etc/siaga/baseline.json"
"""The settings the host was built with (``siaga verify --stack`` reads them back from the launch template)."""
AUDIT_FINALIZE = "/etc/audit/rules.d/99-siaga-finalize.rules"
"""Last of the rules files augenrules merges: ``-e 2`` locks the loaded rules until reboot."""
MAX_USER_DATA_BYTES = 16384
"""EC2 refuses user data above 16 KiB (before base64); :func:`user_data_base64` gzips it first."""

PACKAGES = ["auditd", "audispd-plugins", "chrony", "unattended-upgrades", "apt-listchanges", "nginx",
            "python3", "openssl", "ca-certificates", "curl", "tzdata", "procps", "iproute2", "systemd"]
"""Debian packages the baseline installs (cloud-init ``packages``; ``debootstrap --include`` for images)."""

PRIVILEGED_COMMANDS = ["/usr/bin/sudo", "/usr/bin/su", "/usr/bin/passwd", "/usr/bin/chsh", "/usr/bin/chfn",
                       "/usr/bin/newgrp", "/usr/bin/gpasswd", "/usr/bin/mount", "/usr/bin/umount",
                       "/usr/bin/crontab", "/usr/sbin/useradd", "/usr/sbin/usermod", "/usr/sbin/userdel",
                       "/usr/sbin/groupadd", "/usr/sbin/groupmod", "/usr/sbin/groupdel", "/usr/sbin/visudo"]
"""Programs whose every run by a logged-in user is audited (key ``privileged``)."""

SYSCTLS: dict[str, str] = {
    "kernel.kptr_restrict": "2",
    "kernel.dmesg_restrict": "1",
    "kernel.randomize_va_space": "2",
    "kernel.unprivileged_bpf_disabled": "1",
    "kernel.kexec_load_disabled": "1",
    "kernel.yama.ptrace_scope": "1",
    "kernel.sysrq": "0",
    "net.core.bpf_jit_harden": "2",
    "fs.protected_hardlinks": "1",
    "fs.protected_symlinks": "1",
    "fs.protected_fifos": "2",
    "fs.protected_regular": "2",
    "fs.suid_dumpable": "0",
    "net.ipv4.ip_forward": "0",
    "net.ipv4.tcp_syncookies": "1",
    "net.ipv4.icmp_echo_ignore_broadcasts": "1",
    "net.ipv4.conf.all.rp_filter": "1",
    "net.ipv4.conf.default.rp_filter": "1",
    "net.ipv4.conf.all.accept_redirects": "0",
    "net.ipv4.conf.default.accept_redirects": "0",
    "net.ipv4.conf.all.secure_redirects": "0",
    "net.ipv4.conf.all.send_redirects": "0",
    "net.ipv4.conf.default.send_redirects": "0",
    "net.ipv4.conf.all.accept_source_route": "0",
    "net.ipv4.conf.default.accept_source_route": "0",
    "net.ipv4.conf.all.log_martians": "1",
    "net.ipv6.conf.all.accept_redirects": "0",
    "net.ipv6.conf.default.accept_redirects": "0",
    "net.ipv6.conf.all.accept_source_route": "0",
}
"""Kernel hardening applied by ``/etc/sysctl.d/90-siaga-hardening.conf``."""

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}\Z")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]\Z")


M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: dict[str, Any], error: type[Exception], what: str) -> M:
    """``model`` from a mapping; a bad value raises ``error("<what>: key=value: what is allowed")`` (one line)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(f"{what}: {first_error(exc, data)}") from None


def first_error(exc: ValidationError, data: dict[str, Any]) -> str:
    """``key=value: what is allowed`` of a settings model's first validation error (one line)."""
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"]) or "settings"
    value = data.get(str(err["loc"][0]), "<missing>") if err["loc"] else data
    return f"{key}={value!r}: {err['msg'].removeprefix('Value error, ')}"


class UserDataError(ValueError):
    """Bad settings: the message is one line naming the key, the value and what is allowed."""


class UserDataSettings(BaseModel):
    """What the hardened host baseline needs to know (every other choice is fixed by the baseline)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str = Field(description="Service name: systemd unit, nginx site, log streams ([a-z][a-z0-9-]*).")
    domain: str = Field(description="Public name of the service (certificate subject, nginx server_name).")
    log_group: str = Field(description="CloudWatch Logs group the hosts ship their logs to.")
    region: str = "ap-southeast-3"
    app_port: int = Field(default=8080, ge=1024, le=65535, description="The application's port on 127.0.0.1.")
    health_path: str = "/healthz"
    app_exec: str | None = Field(
        default=None, description="ExecStart of the application; None: the placeholder health server.")
    app_user: str = "siaga-app"
    timezone: str = "Asia/Jakarta"
    reboot_window_start: str = Field(default="02:00", description="Local time (HH:MM) of the first AZ's reboot.")
    reboot_stagger_minutes: int = Field(default=40, ge=15, le=180, description="Minutes between AZs' reboots.")
    ntp_servers: list[str] = Field(default_factory=lambda: ["169.254.169.123"])
    ntp_pools: list[str] = Field(default_factory=lambda: ["2.debian.pool.ntp.org"])
    install_aws_agents: bool = Field(
        default=True, description="Install the SSM and CloudWatch agents (False: hosts outside AWS, images).")
    tls_dir: str = "/etc/ssl/siaga"
    audit_immutable: bool = Field(
        default=True, description="Lock the audit rules until reboot (-e 2): nobody, root included, can switch the "
                                  "trail off unnoticed; rule changes then take effect at the next (window) reboot.")
    sysctls: dict[str, str] = Field(default_factory=lambda: dict(SYSCTLS))

    @field_validator("service", "app_user")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("allowed: lower-case letters, digits and '-', starting with a letter, at most 63")
        return v

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str) -> str:
        if not _DOMAIN.match(v):
            raise ValueError("allowed: a lower-case DNS name such as layanan.example.go.id")
        return v

    @field_validator("health_path")
    @classmethod
    def _path(cls, v: str) -> str:
        if not re.match(r"^/[A-Za-z0-9._~/-]*$", v):
            raise ValueError("allowed: an absolute URL path such as /healthz (letters, digits, . _ ~ / -)")
        return v

    @field_validator("reboot_window_start")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError("allowed: a 24-hour local time HH:MM such as 02:00")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        if not re.match(r"^[A-Za-z_]+(/[A-Za-z_+-]+)*$", v):
            raise ValueError("allowed: an IANA zone name such as Asia/Jakarta")
        return v

    @field_validator("log_group")
    @classmethod
    def _log_group(cls, v: str) -> str:
        if not re.match(r"^[A-Za-z0-9_./#-]{1,512}$", v):
            raise ValueError("allowed: 1-512 of letters, digits and _ . / # -")
        return v

    @field_validator("tls_dir")
    @classmethod
    def _abs(cls, v: str) -> str:
        if not v.startswith("/") or " " in v:
            raise ValueError("allowed: an absolute path without spaces")
        return v.rstrip("/") or "/"

    @field_validator("app_exec")
    @classmethod
    def _exec(cls, v: str | None) -> str | None:
        if v is not None and (not v.startswith("/") or "\n" in v):
            raise ValueError("allowed: one command line starting with an absolute path, or null")
        return v

    @field_validator("sysctls")
    @classmethod
    def _sysctls(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if not re.match(r"^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$", key) or not re.match(r"^[0-9 -]+$", str(value)):
                raise ValueError(f"{key}={value!r}: allowed: dotted sysctl keys with numeric values")
        return v

    @classmethod
    def parse(cls, data: dict[str, Any]) -> UserDataSettings:
        """Build from a mapping; a bad value raises :class:`UserDataError` with one line (key, value, allowed)."""
        return parse_model(cls, data, UserDataError, "userdata")

    # derived names (one place, used by the templates and by siaga verify)
    @property
    def app_dir(self) -> str:
        return f"/opt/siaga/{self.service}"

    @property
    def app_log_dir(self) -> str:
        return "/var/log/siaga"

    @property
    def app_log(self) -> str:
        return f"{self.app_log_dir}/{self.service}.log"

    @property
    def unit(self) -> str:
        return f"{self.service}.service"

    @property
    def exec_start(self) -> str:
        return self.app_exec or f"/usr/bin/python3 {self.app_dir}/healthd.py"

    @property
    def upgrade_time(self) -> str:
        """Upgrades start an hour before the reboot window."""
        hh, mm = (int(x) for x in self.reboot_window_start.split(":"))
        total = (hh * 60 + mm - 60) % 1440
        return f"{total // 60:02d}:{total % 60:02d}"


@dataclass(frozen=True)
class RenderedFile:
    """One file the baseline puts on the host."""

    path: str
    content: str
    mode: str = "0644"
    kind: str = "text"
    """What validates it: audit, chrony, apt, systemd-unit, systemd-dropin, sysctl, python, nginx-main,
    nginx-site, json, shell."""


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, autoescape=False)


def render_files(settings: UserDataSettings) -> list[RenderedFile]:
    """Every host file of the baseline, rendered (in the order cloud-init writes them)."""
    s = settings
    ctx: dict[str, Any] = {
        "service": s.service, "domain": s.domain, "log_group": s.log_group, "region": s.region,
        "app_port": s.app_port, "health_path": s.health_path, "app_exec": s.exec_start, "app_user": s.app_user,
        "app_dir": s.app_dir, "app_log": s.app_log, "app_log_dir": s.app_log_dir, "timezone": s.timezone,
        "reboot_window_start": s.reboot_window_start, "reboot_stagger_minutes": s.reboot_stagger_minutes,
        "upgrade_time": s.upgrade_time, "ntp_servers": s.ntp_servers, "ntp_pools": s.ntp_pools,
        "install_aws_agents": s.install_aws_agents, "tls_dir": s.tls_dir, "sysctls": s.sysctls,
        "audit_immutable": s.audit_immutable,
        "privileged_commands": PRIVILEGED_COMMANDS,
        "log_files": [{"path": "/var/log/audit/audit.log", "stream": "audit"},
                      {"path": f"/var/log/nginx/{s.service}.access.log", "stream": "nginx-access"},
                      {"path": f"/var/log/nginx/{s.service}.error.log", "stream": "nginx-error"},
                      {"path": s.app_log, "stream": "app"},
                      {"path": "/var/log/unattended-upgrades/unattended-upgrades.log", "stream": "upgrades"}],
    }
    env = _env()

    def r(template: str, path: str, kind: str, mode: str = "0644") -> RenderedFile:
        return RenderedFile(path=path, content=env.get_template(template).render(**ctx), mode=mode, kind=kind)

    files = [
        r("audit.rules.j2", "/etc/audit/rules.d/50-siaga.rules", "audit", "0640"),
        *([r("audit-finalize.rules.j2", AUDIT_FINALIZE, "audit", "0640")] if s.audit_immutable else []),
        r("chrony.conf.j2", "/etc/chrony/conf.d/50-siaga.conf", "chrony"),
        r("20auto-upgrades.j2", "/etc/apt/apt.conf.d/20auto-upgrades", "apt"),
        r("52siaga-unattended-upgrades.j2", "/etc/apt/apt.conf.d/52siaga-unattended-upgrades", "apt"),
        r("apt-daily-upgrade-timer.conf.j2", "/etc/systemd/system/apt-daily-upgrade.timer.d/50-siaga.conf",
          "systemd-dropin"),
        r("sysctl.conf.j2", "/etc/sysctl.d/90-siaga-hardening.conf", "sysctl"),
        r("nginx.conf.j2", "/etc/nginx/nginx.conf", "nginx-main"),
        r("nginx-site.conf.j2", f"/etc/nginx/conf.d/{s.service}.conf", "nginx-site"),
        r("app.service.j2", f"/etc/systemd/system/{s.unit}", "systemd-unit"),
        r("cloudwatch-agent.json.j2", "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json", "json"),
        RenderedFile(path=BASELINE_FILE, content=s.model_dump_json(indent=1) + "\n", kind="json"),
        r("bootstrap.sh.j2", BOOTSTRAP, "shell", "0755"),
    ]
    if s.app_exec is None:
        files.insert(-1, r("healthd.py.j2", f"{s.app_dir}/healthd.py", "python", "0755"))
    return files


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, so the document reads like the files it writes."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


APT_HTTPS = [
    "sh", "-c",
    "for f in /etc/apt/mirrors/*.list /etc/apt/sources.list /etc/apt/sources.list.d/*.list "
    "/etc/apt/sources.list.d/*.sources; do [ -f \"$f\" ] && sed -i -E "
    "'s#http://(cdn-aws\\.deb\\.debian\\.org|deb\\.debian\\.org|security\\.debian\\.org)#https://\\1#g' \"$f\"; "
    "done; true"]
"""cloud-init ``bootcmd`` (runs before ``package_update``): every Debian mirror apt is configured with is reached over
HTTPS. The app tier's only internet egress is 443, and Debian's EC2 images are built with the HTTP CDN
(``apt_cdn=http://cdn-aws.deb.debian.org`` in debian-cloud-images config_space/class/EC2.var); Debian 12 points apt at
it through ``mirror+file:///etc/apt/mirrors/debian.list`` (deb822 ``debian.sources``). apt >= 1.5 speaks HTTPS itself
and the image has ca-certificates, and the Debian CDNs serve HTTPS, so the package install at first boot works through
443 only; the archive's signatures are checked as before (docs/deploy-review.md, "apt sources")."""


def render_user_data(settings: UserDataSettings) -> str:
    """The ``#cloud-config`` document for the launch template (plain text; base64 it for EC2)."""
    doc = {
        "timezone": settings.timezone,
        "bootcmd": [APT_HTTPS],
        "package_update": True,
        "package_upgrade": True,
        "packages": list(PACKAGES),
        "ssh_pwauth": False,
        "disable_root": True,
        "write_files": [{"path": f.path, "content": f.content, "permissions": f.mode, "owner": "root:root",
                         "defer": True} for f in render_files(settings)],
        "runcmd": [[BOOTSTRAP]],
        "final_message": f"siaga baseline for {settings.service} applied after $UPTIME s",
    }
    return "#cloud-config\n" + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=200)


def user_data_base64(settings: UserDataSettings) -> str:
    """What the launch template's ``user_data`` takes: the document gzip-compressed (cloud-init unpacks it),
    base64-encoded. Raises :class:`UserDataError` if the compressed document exceeds EC2's 16 KiB."""
    packed = gzip.compress(render_user_data(settings).encode(), mtime=0)
    if len(packed) > MAX_USER_DATA_BYTES:
        raise UserDataError(f"userdata: compressed size={len(packed)} bytes; allowed: at most {MAX_USER_DATA_BYTES}")
    return base64.b64encode(packed).decode()


def settings_from_user_data(text: str | bytes) -> UserDataSettings | None:
    """The settings a rendered document (plain, gzip, or either base64-encoded) was made from; None if the
    document is not this baseline."""
    raw = text.encode() if isinstance(text, str) else text
    if not raw.lstrip().startswith((b"#cloud-config", b"\x1f\x8b")):
        try:
            raw = base64.b64decode(raw, validate=True)
        except ValueError:
            return None
    if raw.startswith(b"\x1f\x8b"):
        raw = gzip.decompress(raw)
    try:
        doc = yaml.safe_load(raw.decode())
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    files = doc.get("write_files", []) if isinstance(doc, dict) else []
    for item in files:
        if isinstance(item, dict) and item.get("path") == BASELINE_FILE:
            return UserDataSettings.model_validate_json(item["content"])
    return None


def settings_for_cluster(name_prefix: str, cluster: Any, domain: str, log_group: str,
                         region: str = "ap-southeast-3", **overrides: Any) -> UserDataSettings:
    """Settings for the LoadBalancedCluster's instances from ``siaga:cluster`` (``appPort``, ``healthCheckPath``)."""
    data: dict[str, Any] = {"service": name_prefix, "domain": domain, "log_group": log_group, "region": region,
                            "app_port": cluster.appPort, "health_path": cluster.healthCheckPath}
    data.update(overrides)
    return UserDataSettings.parse(data)

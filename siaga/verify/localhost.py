"""A real host built from the rendered baseline on this machine (no cloud): a Debian 12 root made with
debootstrap (minbase + the baseline's packages), the cloud-config's files written and its runcmd run in a
chroot, and the application and nginx started in a private network namespace (loopback only).

Used by tests/test_host_baseline.py. Needs root, debootstrap, unshare/nsenter (util-linux) and iproute2.
The debootstrap download (.tgz of .debs) and the unpacked root (.tar) are cached under
``$SIAGA_CACHE_DIR`` (default ~/.cache/siaga) so that reruns take seconds."""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import yaml

from components.userdata import PACKAGES, UserDataSettings

SUITE = "bookworm"
MIRROR = os.environ.get("SIAGA_DEBIAN_MIRROR", "http://deb.debian.org/debian")


class HostBuildError(RuntimeError):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("SIAGA_CACHE_DIR", Path.home() / ".cache" / "siaga")) / "host-baseline"


def _key() -> str:
    return hashlib.sha256(f"{SUITE} {MIRROR} {','.join(sorted(PACKAGES))}".encode()).hexdigest()[:12]


def _run(cmd: list[str], timeout: float = 600, **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)  # type: ignore[call-overload]
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise HostBuildError(f"{shlex.join(cmd[:4])} ... failed ({done.returncode}): {' | '.join(tail)}")
    return done


def base_root_tar() -> Path:
    """The unpacked minbase root with the baseline's packages, as a tar (built once, then cached)."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    root_tar = cache / f"root-{SUITE}-{_key()}.tar"
    if root_tar.exists():
        return root_tar
    debs = cache / f"debs-{SUITE}-{_key()}.tgz"
    include = "--include=" + ",".join(PACKAGES)
    if not debs.exists():  # the only step that uses the network: the Debian mirror
        work = cache / f"work-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        _run(["debootstrap", "--variant=minbase", include, f"--make-tarball={debs}.part", SUITE, str(work), MIRROR],
             timeout=1200)
        shutil.rmtree(work, ignore_errors=True)
        os.replace(f"{debs}.part", debs)
    root = cache / f"root-{os.getpid()}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    try:  # offline, in an empty network namespace: package scripts cannot touch the real network
        _run(["unshare", "--net", "--fork", "debootstrap", "--variant=minbase", include,
              f"--unpack-tarball={debs}", SUITE, str(root), MIRROR], timeout=1200)
        with tarfile.open(f"{root_tar}.part", "w") as tar:
            tar.add(root, arcname=".")
        os.replace(f"{root_tar}.part", root_tar)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return root_tar


def apply_cloud_config(document: str, root: Path) -> list[str]:
    """Does what cloud-init does with the baseline's document on first boot, inside ``root``: checks the
    packages are installed, writes ``write_files`` (content, permissions, owner), then returns the runcmd
    commands (run them in the chroot, in a network namespace: see :class:`NetnsHost`)."""
    doc = yaml.safe_load(document)
    missing = [p for p in doc.get("packages", [])
               if subprocess.run(["chroot", str(root), "dpkg-query", "-W", "-f=${Status}", p],
                                 capture_output=True, text=True).stdout != "install ok installed"]
    if missing:
        raise HostBuildError(f"packages the user data installs are missing from the root: {missing}")
    for item in doc.get("write_files", []):
        path = root / item["path"].lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item["content"])
        path.chmod(int(str(item.get("permissions", "0644")), 8))
        user, _, group = str(item.get("owner", "root:root")).partition(":")
        if (user, group) != ("root", "root"):
            raise HostBuildError(f"{item['path']}: owner {item['owner']} not handled here")
        os.chown(path, 0, 0)
    commands = []
    for cmd in doc.get("runcmd", []):
        commands.append(shlex.join(cmd) if isinstance(cmd, list) else str(cmd))
    return commands


def build_root(dest: Path) -> None:
    """Unpacks the cached base root into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(base_root_tar()) as tar:
        tar.extractall(dest, filter="fully_trusted")


def first_child(pid: int) -> int | None:
    """The first child process of ``pid`` (the process ``unshare --fork`` or ``systemd-nspawn`` started), if any."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = children.read_text().split() if children.exists() else []
    return int(pids[0]) if pids else None


def provision(root: Path, settings: UserDataSettings) -> None:
    """A host root built from the baseline, as its first boot leaves it: the cached Debian root unpacked into
    ``root``, the rendered cloud-config applied and its runcmd (siaga-bootstrap) run in a chroot, in an empty
    network namespace (offline). Raises :class:`HostBuildError` naming the command that failed."""
    from components.userdata import render_user_data

    build_root(root)
    for command in apply_cloud_config(render_user_data(settings), root):
        done = subprocess.run(["unshare", "--net", "chroot", str(root), "/bin/sh", "-c", command],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or "siaga-bootstrap: done" not in done.stdout:
            raise HostBuildError(f"{command} ({done.returncode}): {(done.stdout + done.stderr).strip()[-600:]}")


class NetnsHost:
    """A root folder "booted" in its own network, mount and PID namespaces: loopback up, nothing else.

    ``run`` executes a command chrooted in it; ``start_services`` starts the app (as its unit says) and
    nginx; ``prefix`` is the command prefix that puts another program (the verify suite) into it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.holder: subprocess.Popen[bytes] | None = None
        self.pid = 0

    def __enter__(self) -> NetnsHost:
        script = f"mount -t proc proc {shlex.quote(str(self.root / 'proc'))} && ip link set lo up && exec sleep 3600"
        self.holder = subprocess.Popen(["unshare", "--net", "--mount", "--pid", "--fork", "--propagation", "private",
                                        "/bin/sh", "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            child = first_child(self.holder.pid)
            if child and Path(f"/proc/{child}/comm").read_text().strip() == "sleep":
                self.pid = child
                break
            if self.holder.poll() is not None:
                raise HostBuildError(f"unshare failed: {self.holder.stderr.read().decode().strip() if self.holder.stderr else ''}")
            time.sleep(0.05)
        else:
            self.__exit__(None, None, None)
            raise HostBuildError("the network namespace did not come up within 10 s")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)  # PID 1 of the namespace: takes every process in it along
        if self.holder is not None:
            self.holder.wait(10)

    @property
    def prefix(self) -> list[str]:
        return ["nsenter", f"--target={self.pid}", "--net", "--mount", "--pid", "--"]

    def run(self, command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        return subprocess.run([*self.prefix, "chroot", str(self.root), "/bin/sh", "-c", command],
                              capture_output=True, text=True, timeout=timeout, env=env)

    def start_services(self, settings: UserDataSettings) -> None:
        """The application, then nginx; waits until the health path answers through nginx."""
        self.start_app(settings)
        done = self.run("nginx")
        if done.returncode != 0:
            raise HostBuildError(f"nginx: {done.stderr.strip()}")
        self.wait_healthy(settings)

    def start_app(self, settings: UserDataSettings) -> None:
        """The application as its systemd unit describes it (User, Environment, ExecStart, output file)."""
        unit = _unit(self.root / f"etc/systemd/system/{settings.unit}")
        env = " ".join(shlex.quote(e) for e in unit.get("Environment", "").split())
        log = unit.get("StandardOutput", "").removeprefix("append:") or "/dev/null"
        user = unit.get("User", "root")
        done = self.run(f"setpriv --reuid={user} --regid={user} --init-groups env {env} {unit['ExecStart']} "
                        f">>{shlex.quote(log)} 2>&1 &")
        if done.returncode != 0:
            raise HostBuildError(f"{settings.unit}: {done.stderr.strip()}")

    def wait_healthy(self, settings: UserDataSettings, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            probe = self.run(f"curl -sk -o /dev/null -w '%{{http_code}}' https://127.0.0.1{settings.health_path}")
            if probe.stdout == "200":
                return
            time.sleep(0.1)
        raise HostBuildError(f"no 200 from https://127.0.0.1{settings.health_path} within {seconds:.0f} s")


def _unit(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values

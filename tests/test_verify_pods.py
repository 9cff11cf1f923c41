"""siaga verify --backend kubectl: the pod baseline read back from the hybrid stack's Deployments, the pods found by
the workload's labels, and the pod checks run through testinfra's kubectl backend.

No cluster here, so ``kubectl`` is a stand-in on PATH that answers ``get pods`` from a registry and runs
``exec`` for real inside a *pod built on this machine*: a process in its own mount, PID and network namespaces,
chrooted into a bind of this machine's root. The restricted pod gets what the container runtime gives a pod
with the HaWorkload's security context (read-only root with a tmpfs /tmp, uid 10001, no capabilities,
no_new_privs, a seccomp filter); the careless pod runs as root with a writable root and a mounted token. The
checks pass on the first and fail, by name, on the second. Needs root, unshare, nsenter, setpriv and ip."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from components.userdata import UserDataSettings, render_files
from siaga.cli import app
from siaga.engine import run_stack
from siaga.verify import VerifyError, host_spec
from siaga.verify.localhost import first_child
from siaga.verify.pods import PodBaseline, pod_baseline_from_graph, pods_of

BASELINE = PodBaseline(namespace="layanan", app="layanan-pdn", container="layanan-pdn", port=8080, health_path="/healthz",
                       run_as_user=10001, read_only_root=True, token_mounted=False)
LABELS = {"app.kubernetes.io/name": "layanan-pdn", "app.kubernetes.io/managed-by": "siaga"}

# allow-all seccomp filter, then exec: what the runtime's RuntimeDefault profile is, as far as /proc shows (mode 2)
SECCOMP_EXEC = r'''import ctypes, os, sys
class Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]
allow = (Filter * 1)(Filter(0x06, 0, 0, 0x7FFF0000))  # BPF_RET|BPF_K, SECCOMP_RET_ALLOW
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(22, 2, ctypes.byref(Prog(1, allow)), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    sys.exit("seccomp: errno %d" % ctypes.get_errno())
os.execvp(sys.argv[1], sys.argv[1:])
'''
RESTRICT = ["/usr/bin/python3", "/mnt/seccomp_exec.py", "setpriv", "--reuid=10001", "--regid=10001", "--clear-groups",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]

FAKE_KUBECTL = r'''#!/usr/bin/env python3
"""Stand-in kubectl: get pods from the registry; exec runs the command inside the registered pod."""
import json, os, subprocess, sys
registry = json.load(open(os.environ["FAKE_KUBE_REGISTRY"]))
args, opts, rest = sys.argv[1:], {}, []
with open(os.environ["FAKE_KUBE_REGISTRY"] + ".calls", "a") as log:
    log.write(" ".join(args[:8]) + "\n")
i = 0
while i < len(args):
    a = args[i]
    if a == "--":
        rest += args[i:]
        break
    if a.startswith("--context="):
        opts["context"] = a.split("=", 1)[1]
    elif a in ("-n", "-c", "-l", "-o"):
        opts[a] = args[i + 1]
        i += 1
    else:
        rest.append(a)
    i += 1
if rest[:2] == ["get", "pods"]:
    want = dict(kv.split("=", 1) for kv in opts.get("-l", "").split(",") if kv)
    items = [{"metadata": {"name": name, "namespace": p["namespace"], "labels": p["labels"]},
              "status": {"phase": "Running"}}
             for name, p in registry.items()
             if p["namespace"] == opts.get("-n") and all(p["labels"].get(k) == v for k, v in want.items())]
    print(json.dumps({"items": items}))
elif rest[:1] == ["exec"]:
    pod = registry.get(rest[1])
    if pod is None or pod["namespace"] != opts.get("-n"):
        sys.exit(f'Error from server (NotFound): pods "{rest[1]}" not found')
    command = rest[rest.index("--") + 1:]
    enter = ["nsenter", f"--target={pod['pid']}", "--mount", "--pid", "--net", "--root", "--wd"]
    sys.exit(subprocess.run([*enter, *pod["exec_prefix"], *command]).returncode)
else:
    sys.exit(f"unsupported: {args}")
'''


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root (namespaces, chroot)"
    for tool in ("unshare", "nsenter", "setpriv", "ip", "chroot"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    if not Path("/usr/bin/python3").exists():
        return "/usr/bin/python3 missing (the pods' application)"
    return None


class Pod:
    """One pod: its main process (PID 1 of its PID namespace) is the placeholder health app on 127.0.0.1:8080."""

    def __init__(self, workdir: Path, restricted: bool) -> None:
        self.restricted = restricted
        self.root, self.app = workdir / "root", workdir / "app"
        self.root.mkdir(parents=True)
        self.app.mkdir()
        settings = UserDataSettings(service="layanan", domain="layanan.contoh.go.id", log_group="/x")
        healthd = next(f for f in render_files(settings) if f.path.endswith("/healthd.py"))
        (self.app / "healthd.py").write_text(healthd.content)
        (self.app / "seccomp_exec.py").write_text(SECCOMP_EXEC)
        r = shlex.quote(str(self.root))
        steps = [f"mount --bind / {r}"]
        if restricted:
            steps.append(f"mount -o remount,bind,ro {r}")
        steps += [f"mount -t proc proc {r}/proc", f"mount --rbind /dev {r}/dev",
                  f"mount -t tmpfs -o mode=1777 tmpfs {r}/tmp", f"mount -t tmpfs tmpfs {r}/run",
                  f"mount --bind {shlex.quote(str(self.app))} {r}/mnt", f"mount -o remount,bind,ro {r}/mnt"]
        if not restricted:  # what automountServiceAccountToken: true gives
            steps += [f"mkdir -p {r}/run/secrets/kubernetes.io/serviceaccount",
                      f"echo token > {r}/run/secrets/kubernetes.io/serviceaccount/token"]
        main = [*self.exec_prefix, "env", "APP_PORT=8080", "APP_HEALTH_PATH=/healthz", "/usr/bin/python3",
                "/mnt/healthd.py"]
        steps += ["ip link set lo up", f"exec chroot {r} {shlex.join(main)}"]
        self.proc = subprocess.Popen(["unshare", "--mount", "--pid", "--net", "--fork", "--kill-child",
                                      "--propagation", "private",
                                      "/bin/sh", "-c", " && ".join(steps)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self.pid = self._pid1()
            self._wait_listening(8080)
        except BaseException:
            self.proc.kill()  # --kill-child: the pod's processes go with it
            self.proc.wait(10)
            raise

    @property
    def exec_prefix(self) -> list[str]:
        return RESTRICT if self.restricted else []

    def _pid1(self) -> int:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            child = first_child(self.proc.pid)
            if child and "healthd.py" in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace"):
                return child
            if self.proc.poll() is not None:
                raise RuntimeError(f"pod did not start: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")
            time.sleep(0.05)
        raise RuntimeError("pod did not start within 15 s")

    def _wait_listening(self, port: int, seconds: float = 15) -> None:
        probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=1).close()"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if subprocess.run(["nsenter", f"--target={self.pid}", "--net", "/usr/bin/python3", "-c", probe],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"the pod's app does not listen on {port} within {seconds:.0f} s")

    def stop(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.proc.wait(10)


@pytest.fixture(scope="module")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two pods (restricted, careless) and a stand-in kubectl on PATH; yields the registry file."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("kube")
    good = Pod(base / "good", restricted=True)
    try:
        bad = Pod(base / "bad", restricted=False)
    except BaseException:
        good.stop()
        raise
    registry = base / "registry.json"
    registry.write_text(json.dumps({
        "layanan-7d9f-abcde": {"namespace": "layanan", "labels": LABELS, "pid": good.pid, "exec_prefix": good.exec_prefix},
        "careless-0": {"namespace": "layanan", "labels": {"app.kubernetes.io/name": "careless"}, "pid": bad.pid,
                       "exec_prefix": bad.exec_prefix},
    }))
    bin_dir = base / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IEXEC)
    saved = {k: os.environ.get(k) for k in ("PATH", "FAKE_KUBE_REGISTRY")}
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    os.environ["FAKE_KUBE_REGISTRY"] = str(registry)
    try:
        yield registry
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        good.stop()
        bad.stop()


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["verify", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def pod_settings(tmp_path: Path, baseline: PodBaseline = BASELINE) -> Path:
    path = tmp_path / "pod.json"
    path.write_text(baseline.model_dump_json())
    return path


# --- the stack side -------------------------------------------------------------------------------------------

def test_pod_baseline_read_back_from_the_hybrid_stack() -> None:
    graph = run_stack("hybrid-pdn")
    assert pod_baseline_from_graph(graph) == BASELINE  # primary (EKS) and standby (on-prem) agree
    other = run_stack("hybrid-pdn", overrides={"siaga:cluster": json.dumps({"appPort": 9090, "healthCheckPath": "/sehat"})})
    assert (pod_baseline_from_graph(other).port, pod_baseline_from_graph(other).health_path) == (9090, "/sehat")


def test_pod_baseline_needs_a_siaga_deployment() -> None:
    with pytest.raises(VerifyError, match="no siaga-managed Kubernetes Deployment"):
        pod_baseline_from_graph(run_stack("jakarta-staging"))


def test_kubectl_host_specs_carry_namespace_container_and_context() -> None:
    assert host_spec("layanan/api-0", "kubectl", container="layanan", context="pdn") == \
        "kubectl://api-0?namespace=layanan&container=layanan&context=pdn"
    assert host_spec("api-0", "kubectl") == "kubectl://api-0"


def test_pods_are_listed_by_the_workload_labels(kube: Path) -> None:
    assert pods_of(BASELINE, "pdn") == ["layanan/layanan-7d9f-abcde"]
    assert "--context=pdn get pods -n layanan -l app.kubernetes.io/name=layanan-pdn,app.kubernetes.io/managed-by=siaga" \
        in Path(f"{kube}.calls").read_text()
    with pytest.raises(VerifyError, match="no Running pods in namespace layanan"):
        pods_of(BASELINE.model_copy(update={"app": "absent"}))


# --- the checks, in real pods -----------------------------------------------------------------------------------

def test_verify_passes_on_the_restricted_pod(kube: Path, tmp_path: Path) -> None:
    code, out = invoke("--backend", "kubectl", "--settings", str(pod_settings(tmp_path)), "--kube-context", "pdn")
    assert code == 0, out
    assert "OK: 1 host(s), 8 passed, 0 failed, 0 skipped" in out
    assert "kubectl://layanan-7d9f-abcde" in out
    assert '--context="pdn"' not in Path(f"{kube}.calls").read_text()  # testinfra's quotes are the shell's
    assert "--context=pdn -n layanan -c layanan-pdn exec layanan-7d9f-abcde" in Path(f"{kube}.calls").read_text()


def test_verify_fails_by_name_on_a_pod_running_as_root(kube: Path, tmp_path: Path) -> None:
    careless = BASELINE.model_copy(update={"app": "careless", "run_as_user": None})
    code, out = invoke("--backend", "kubectl", "--settings", str(pod_settings(tmp_path, careless)),
                       "--hosts", "layanan/careless-0")
    assert code == 1, out
    failed = {line.split()[2].rstrip(":") for line in out.splitlines() if line.startswith("FAIL ")}
    assert failed == {"test_pod_runs_as_non_root", "test_pod_no_privilege_escalation", "test_pod_capabilities_dropped",
                      "test_pod_seccomp_filtered", "test_pod_read_only_root_filesystem",
                      "test_pod_no_service_account_token"}, out
    assert "the main process runs with uid 0" in out and "the root filesystem is writable" in out
    assert not (Path("/") / ".siaga-verify-probe").exists()


def test_verify_stack_checks_the_pods_of_its_workload(kube: Path) -> None:
    code, out = invoke("--stack", "hybrid-pdn", "--backend", "kubectl")
    assert code == 0, out
    assert "OK: 1 host(s), 8 passed" in out


def test_host_checks_on_a_kubernetes_stack_point_to_kubectl() -> None:
    code, out = invoke("--stack", "hybrid-pdn", "--hosts", "i-0abc")
    assert code == 2 and "use --backend kubectl (pods) or --public" in out and "Traceback" not in out


def test_pod_checks_need_the_kubectl_backend(tmp_path: Path) -> None:
    code, out = invoke("--backend", "ssh", "--hosts", "h", "--settings", str(pod_settings(tmp_path)))
    assert code == 2 and "Traceback" not in out  # a pod baseline file is not a host baseline
    code, out = invoke("--backend", "kubectl", "--hosts", "h", "--settings", str(pod_settings(
        tmp_path, BASELINE.model_copy(update={"port": 0}))))
    assert code == 2 and "port=0" in out

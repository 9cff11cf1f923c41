"""Pod checks (``--siaga-profile pod``), run inside each pod through ``kubectl exec`` (testinfra's kubectl backend):
the restricted security context the HaWorkload asks for is what the container actually runs with, and the health
path answers on the container port. They read ``/proc/1/status`` (the container's main process) and need only
``/bin/sh`` and ``cat`` in the image; the health check uses curl, wget or python3, whichever the image has."""

from __future__ import annotations

from typing import Any

import pytest

from siaga.verify.pods import PodBaseline

TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"


def status(host: Any) -> dict[str, str]:
    """``/proc/1/status`` of the pod's main process as a mapping."""
    result = host.run("cat /proc/1/status")
    assert result.rc == 0, f"cannot read /proc/1/status in the pod: {result.stderr.strip()[:200]}"
    fields = {}
    for line in result.stdout.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def test_pod_runs_as_non_root(host: Any, pod_baseline: PodBaseline) -> None:
    uids = status(host).get("Uid", "").split()
    assert uids and "0" not in uids, f"the main process runs with uid 0 (Uid: {' '.join(uids) or '?'})"
    if pod_baseline.run_as_user is not None:
        assert uids[1] == str(pod_baseline.run_as_user), f"runs as uid {uids[1]}, not {pod_baseline.run_as_user}"


def test_pod_no_privilege_escalation(host: Any) -> None:
    assert status(host).get("NoNewPrivs") == "1", "privilege escalation possible (NoNewPrivs is not 1)"


def test_pod_capabilities_dropped(host: Any) -> None:
    st = status(host)
    held = {k: st.get(k, "?") for k in ("CapEff", "CapPrm", "CapBnd") if int(st.get(k, "1") or "1", 16) != 0}
    assert not held, "capabilities not dropped: " + ", ".join(f"{k}={v}" for k, v in held.items())


def test_pod_seccomp_filtered(host: Any) -> None:
    mode = status(host).get("Seccomp")
    assert mode == "2", f"no seccomp filter on the main process (Seccomp: {mode}; want 2, RuntimeDefault)"


def test_pod_read_only_root_filesystem(host: Any, pod_baseline: PodBaseline) -> None:
    if not pod_baseline.read_only_root:
        pytest.skip("the workload does not ask for a read-only root filesystem")
    probe = host.run("touch /.siaga-verify-probe 2>&1 && rm -f /.siaga-verify-probe")
    assert probe.rc != 0, "the root filesystem is writable"
    scratch = host.run('t=/tmp/.siaga-verify-$$ && touch "$t" && rm -f "$t"')
    assert scratch.rc == 0, f"/tmp is not writable (the app has no scratch space): {scratch.stdout.strip()[:120]}"


def test_pod_no_service_account_token(host: Any, pod_baseline: PodBaseline) -> None:
    if pod_baseline.token_mounted:
        pytest.skip("the workload mounts its service-account token (automountServiceAccountToken)")
    assert host.run("test -e %s", TOKEN).rc != 0, f"a service-account token is mounted ({TOKEN})"


def test_pod_no_remote_shell_daemon(host: Any) -> None:
    names = set(host.run("cat /proc/[0-9]*/comm 2>/dev/null").stdout.split())
    found = sorted(names & {"sshd", "dropbear", "telnetd"})
    assert not found, f"remote shell daemon running in the pod: {', '.join(found)}"


HEALTH = r"""url=http://127.0.0.1:{port}{path}
if command -v curl >/dev/null 2>&1; then curl -s -o /dev/null -m 5 -w '%{{http_code}}' "$url"
elif command -v wget >/dev/null 2>&1; then wget -S -q -O /dev/null -T 5 "$url" 2>&1 | awk '/HTTP\//{{c=$2}} END{{print c}}'
elif command -v python3 >/dev/null 2>&1; then python3 -c '
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
except OSError:
    print("000")' "$url"
else echo no-client; fi"""


def test_pod_health(host: Any, pod_baseline: PodBaseline) -> None:
    out = host.run(HEALTH.format(port=pod_baseline.port, path=pod_baseline.health_path)).stdout.strip()
    if out == "no-client":
        pytest.skip("no curl, wget or python3 in the image: the kubelet's probes are the health check")
    assert out == "200", f"GET http://127.0.0.1:{pod_baseline.port}{pod_baseline.health_path} answered {out or 'nothing'}"

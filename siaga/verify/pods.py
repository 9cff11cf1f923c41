"""``siaga verify --backend kubectl``: what the pods of a stack's Kubernetes workload must look like (read back from
the Deployments in the offline graph) and which pods to check (``kubectl get pods`` with the workload's labels).

The pods are checked from inside (``kubectl exec``, testinfra's kubectl backend) by ``suite/test_pod.py``: the
main process runs as the configured non-root user with no capabilities, no privilege escalation and a seccomp
filter, the root filesystem is read-only with a writable ``/tmp``, no service-account token is mounted unless
asked for, and the health path answers on the container port."""

from __future__ import annotations

import shutil
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from components.userdata import parse_model
from siaga.engine import Graph
from siaga.verify.calls import call_json
from siaga.verify.runner import VerifyError

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
NAME_LABEL = "app.kubernetes.io/name"
MANAGED_LABEL = "app.kubernetes.io/managed-by"


class PodBaseline(BaseModel):
    """The pod-side baseline of an HaWorkload (components/workload.py), the same on every cluster it runs on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    namespace: str = Field(description="Namespace of the workload's pods.")
    app: str = Field(description="Value of the app.kubernetes.io/name label (and the Deployment's name).")
    container: str = Field(description="The container checked (kubectl exec -c).")
    port: int = Field(ge=1, le=65535, description="The container port the health path answers on.")
    health_path: str = "/healthz"
    run_as_user: int | None = Field(default=None, description="UID the container must run as (None: any non-root).")
    read_only_root: bool = True
    token_mounted: bool = False
    """Whether a service-account token may be mounted (automountServiceAccountToken)."""

    @property
    def selector(self) -> str:
        return f"{NAME_LABEL}={self.app},{MANAGED_LABEL}=siaga"

    @classmethod
    def parse(cls, data: dict[str, Any]) -> PodBaseline:
        return parse_model(cls, data, VerifyError, "pod baseline")


def _baseline_of(inputs: dict[str, Any]) -> PodBaseline:
    meta = inputs.get("metadata") or {}
    pod = ((inputs.get("spec") or {}).get("template") or {}).get("spec") or {}
    container = (pod.get("containers") or [{}])[0]
    ports = container.get("ports") or [{}]
    probe = container.get("readinessProbe") or container.get("startupProbe") or {}
    ctx = {**(pod.get("securityContext") or {}), **(container.get("securityContext") or {})}
    user = ctx.get("runAsUser")
    return PodBaseline.parse({
        "namespace": meta.get("namespace") or "default",
        "app": (meta.get("labels") or {}).get(NAME_LABEL) or meta.get("name"),
        "container": container.get("name"),
        "port": int(ports[0].get("containerPort") or 0),
        "health_path": (probe.get("httpGet") or {}).get("path") or "/healthz",
        "run_as_user": int(user) if isinstance(user, int | float) else None,
        "read_only_root": bool(ctx.get("readOnlyRootFilesystem", False)),
        "token_mounted": pod.get("automountServiceAccountToken") is not False,
    })


def pod_baseline_from_graph(graph: Graph) -> PodBaseline:
    """The one pod baseline of the stack's siaga-managed Deployments (primary and standby must agree)."""
    found: dict[str, PodBaseline] = {}
    for res in graph.of_type(DEPLOYMENT):
        inputs = res.plain_inputs()
        labels = (inputs.get("metadata") or {}).get("labels") or {}
        if labels.get(MANAGED_LABEL) == "siaga":
            found[res.name] = _baseline_of(inputs)
    if not found:
        raise VerifyError(f"stack {graph.stack}: no siaga-managed Kubernetes Deployment (components/workload.py); "
                          "give --settings FILE")
    if len({b.model_dump_json() for b in found.values()}) > 1:
        raise VerifyError(f"stack {graph.stack}: Deployments {sorted(found)} differ; give --settings FILE")
    return next(iter(found.values()))


def pods_of(baseline: PodBaseline, context: str | None = None) -> list[str]:
    """``namespace/pod`` of the workload's Running pods in the current (or the given) kubectl context."""
    if shutil.which("kubectl") is None:
        raise VerifyError("listing the workload's pods needs kubectl; give --hosts NAMESPACE/POD instead")
    cmd = ["kubectl", *([f"--context={context}"] if context else []), "get", "pods", "-n", baseline.namespace,
           "-l", baseline.selector, "-o", "json"]
    what = f"kubectl get pods -n {baseline.namespace} -l {baseline.selector}"
    answer = call_json(cmd, what)
    try:
        pods = [f"{baseline.namespace}/{p['metadata']['name']}" for p in answer.get("items", [])
                if (p.get("status") or {}).get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
    except (AttributeError, KeyError, TypeError):
        raise VerifyError(f"{what}: not a pod list") from None
    if not pods:
        raise VerifyError(f"no Running pods in namespace {baseline.namespace} with {baseline.selector}")
    return pods

"""Kubernetes Services of type LoadBalancer do not serve plain HTTP to the whole internet.

A Service port is flagged when all of these hold:

1. **plain HTTP**: the port is ``80``, ``8080``, ``8000`` or ``8008`` (HTTP and its IANA alternates), or its
   ``appProtocol`` is ``http`` / ``kubernetes.io/h2c``, or its name is ``http`` or starts with ``http-`` (the
   Kubernetes/Istio naming convention), or the Service sets ``aws-load-balancer-backend-protocol: http`` (the
   in-tree controller then builds HTTP listeners); UDP/SCTP ports never count;
2. **not TLS-terminated**: no ``service.beta.kubernetes.io/aws-load-balancer-ssl-cert``, or an
   ``...-ssl-ports`` list (port numbers or names) that does not name the port. Without ``ssl-ports`` every port
   of a Service with a certificate gets a TLS listener. ``*`` means every port for the in-tree cloud provider, which
   also splits the list on "," without trimming (so ``"http, 443"`` names " 443", which matches no port:
   ``getPortSets`` in kubernetes pkg/cloudprovider/providers/aws/aws.go, "If the input is empty or equal to "*", a
   nil pointer is returned" = all ports), but "does not match any ports" for the AWS Load Balancer Controller
   (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#ssl-ports);
3. **open to everyone**: ``spec.loadBalancerSourceRanges`` (or the ``service.beta.kubernetes.io/load-balancer-source-ranges``
   annotation) is absent or contains ``0.0.0.0/0`` / ``::/0`` (the controller's default is ``0.0.0.0/0``);
4. **internet-facing**: neither ``service.beta.kubernetes.io/aws-load-balancer-scheme: internal`` nor
   ``service.beta.kubernetes.io/aws-load-balancer-internal`` (any value but "false", as the in-tree provider reads
   it: "aws.go makes internal load balancers for every value except "false"",
   https://github.com/kubernetes/website/issues/15771). Without either, the AWS Load Balancer Controller (``aws-load-balancer-type`` ``external``/``nlb-ip`` or
   ``loadBalancerClass: service.k8s.aws/nlb``) creates an *internal* NLB (its documented default scheme), while
   the in-tree cloud provider (and any other class) creates an internet-facing load balancer ("By default, new load
   balancers are internet-facing. To create an internal load balancer, set the
   service.beta.kubernetes.io/aws-load-balancer-internal annotation to "true"",
   https://cloud.google.com/kubernetes-engine/multi-cloud/docs/aws/how-to/network-load-balancing, same cloud
   provider code; ELB itself defaults to internet-facing:
   https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html).
   EKS Auto Mode's ``eks.amazonaws.com/nlb`` class is treated as internet-facing unless annotated internal: its
   guide (https://docs.aws.amazon.com/eks/latest/userguide/auto-configure-nlb.html) shows the scheme annotation but
   states no default, so the safe side is taken.

A LoadBalancer Service of a non-AWS cluster (e.g. the in-country on-prem standby, MetalLB) is judged the same way:
the AWS annotations do nothing there, and ``loadBalancerSourceRanges`` is the portable control.

NodePort Services are not flagged: the node port is opened on the nodes, and whether it is reachable from the
internet is decided by the nodes' subnets and security groups (AWS resources, judged by the security-group
policies), not by the Service; NodePort is also what the AWS Load Balancer Controller's instance mode puts behind
an ALB/NLB, so flagging it at a mandatory level would block the standard pattern.
"""

from typing import Any

from siaga_rules.common import Controls, Ctx, as_list, resource_policy

A = "service.beta.kubernetes.io/"
HTTP_PORTS = {80, 8080, 8000, 8008}
HTTP_APP_PROTOCOLS = {"http", "kubernetes.io/h2c"}
OPEN = {"0.0.0.0/0", "::/0"}


def _split(value: Any, trim: bool = True) -> list[str]:
    if value in (None, ""):
        return []
    return [p.strip() for p in str(value).split(",") if p.strip()] if trim else str(value).split(",")


def _lb_controller(annotations: dict[str, Any], lb_class: Any) -> bool:
    kind = str(annotations.get(A + "aws-load-balancer-type") or "").lower()
    return kind in ("external", "nlb-ip") or lb_class == "service.k8s.aws/nlb"


def _internal(annotations: dict[str, Any], lb_class: Any) -> bool:
    scheme = annotations.get(A + "aws-load-balancer-scheme")
    if scheme is not None:
        return str(scheme).lower() == "internal"
    legacy = annotations.get(A + "aws-load-balancer-internal")
    if legacy not in (None, ""):
        return str(legacy).lower() != "false"
    return _lb_controller(annotations, lb_class)


def _is_http(port: dict[str, Any], backend_http: bool) -> bool:
    if str(port.get("protocol") or "TCP").upper() != "TCP":
        return False
    name = str(port.get("name") or "").lower()
    number = port.get("port")
    return (backend_http or (number is not None and int(float(number)) in HTTP_PORTS)
            or str(port.get("appProtocol") or "").lower() in HTTP_APP_PROTOCOLS
            or name == "http" or name.startswith("http-"))


def check(ctx: Ctx) -> None:
    if ctx.get("spec.type") != "LoadBalancer":
        return
    annotations = ctx.known(ctx.get("metadata.annotations") or {}, "metadata.annotations")
    ports = ctx.known(as_list(ctx.get("spec.ports")), "spec.ports")
    ranges = [str(r) for r in as_list(ctx.known(ctx.get("spec.loadBalancerSourceRanges"), "spec.loadBalancerSourceRanges"))]
    ranges = ranges or _split(annotations.get(A + "load-balancer-source-ranges"))
    if ranges and not OPEN.intersection(ranges):
        return
    lb_class = ctx.get("spec.loadBalancerClass")
    if _internal(annotations, lb_class):
        return
    cert = annotations.get(A + "aws-load-balancer-ssl-cert")
    ssl_ports = annotations.get(A + "aws-load-balancer-ssl-ports")
    wildcard_all = not _lb_controller(annotations, lb_class)
    backend_http = str(annotations.get(A + "aws-load-balancer-backend-protocol") or "").lower() == "http"
    open_to = sorted(OPEN.intersection(ranges)) or ["0.0.0.0/0 (no loadBalancerSourceRanges)"]
    for port in ports:
        if not isinstance(port, dict) or not _is_http(port, backend_http):
            continue
        if cert:
            listed = _split(ssl_ports, trim=not wildcard_all)
            if ssl_ports in (None, "") or (wildcard_all and listed == ["*"]):
                continue
            if str(port.get("name") or "") in listed or str(int(float(port.get("port") or 0))) in listed:
                continue
        label = f"{port.get('name')}/{int(float(port.get('port') or 0))}" if port.get("name") else \
            str(int(float(port.get("port") or 0)))
        why = "no aws-load-balancer-ssl-cert annotation" if not cert else \
            f"aws-load-balancer-ssl-ports {ssl_ports!r} does not cover it"
        if cert and wildcard_all and any(p.strip() in (str(port.get("name") or ""), label.rsplit("/", 1)[-1])
                                         for p in _split(ssl_ports, trim=False)):
            why += " (the in-tree cloud provider does not trim spaces after commas)"
        ctx.fail(f"LoadBalancer Service port {label} serves plain HTTP to the internet ({why}; source ranges "
                 f"{open_to}; internet-facing): terminate TLS at the load balancer "
                 f"({A}aws-load-balancer-ssl-cert=<ACM ARN>, {A}aws-load-balancer-ssl-ports='443'), restrict "
                 f"spec.loadBalancerSourceRanges, or make it internal ({A}aws-load-balancer-scheme: internal)")


POLICY = resource_policy(
    id="k8s-service-exposure",
    name="No plain-HTTP LoadBalancer Services on the internet",
    category="exposure",
    types=("kubernetes:core/v1:Service",),
    description="Kubernetes Services of type LoadBalancer expose no plain-HTTP port (80/8080/8000/8008, appProtocol "
                "http, name http*) to the internet without TLS termination, source ranges or an internal scheme; "
                "NodePort is left to the nodes' security groups.",
    remediation="Annotate service.beta.kubernetes.io/aws-load-balancer-ssl-cert (and ...-ssl-ports) to terminate "
                "TLS, set spec.load_balancer_source_ranges, or service.beta.kubernetes.io/aws-load-balancer-scheme: "
                "internal; better, expose HTTP through a TLS Ingress.",
    check=check,
    controls=Controls(nist=("SC-7", "SC-8", "AC-17"), iso=("A.8.20", "A.8.22", "A.8.24")),
)

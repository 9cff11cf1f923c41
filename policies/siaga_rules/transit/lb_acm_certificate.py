"""TLS listeners of load balancers use ACM certificates.

A listener's ``certificate_arn`` (and any ``aws.lb.ListenerCertificate``) may name an ACM certificate
(``arn:aws:acm:``) or an IAM server certificate (``arn:aws:iam::...:server-certificate/``). IAM server
certificates are uploaded private keys that nobody renews or rotates (ACM renews its certificates itself;
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html).
"""

from siaga_rules.common import LISTENER_TYPES, Controls, Ctx, parse_arn, resource_policy

CERT_TYPES = ("aws:lb/listenerCertificate:ListenerCertificate", "aws:alb/listenerCertificate:ListenerCertificate")


def check(ctx: Ctx) -> None:
    arn = parse_arn(ctx.get("certificateArn"))
    if arn is not None and arn.service != "acm":
        ctx.fail(f"certificateArn is an {arn.service.upper()} certificate, not ACM: nobody renews or rotates it; import or "
                 "request the certificate in ACM")


POLICY = resource_policy(
    id="lb-acm-certificate",
    name="Load balancer TLS certificates from ACM",
    category="transit",
    types=(*LISTENER_TYPES, *CERT_TYPES),
    description="Listener and listener-certificate ARNs are ACM certificates (arn:aws:acm:), not IAM server "
                "certificates.",
    remediation="certificate_arn=<aws.acm.Certificate ARN> (validated with DNS so ACM renews it).",
    check=check,
    controls=Controls(nist=("SC-8", "SC-12", "SC-17"), iso=("A.8.24",),
                      cdk_nag=("NIST.800.53.R5-ELBv2ACMCertificateRequired",)),
)

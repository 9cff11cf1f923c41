"""A listener or ALB Ingress using a DNS/EMAIL-validated ACM certificate of this stack waits for its validation.

A requested ACM certificate stays PENDING_VALIDATION until its DNS records (or e-mail approval) are seen, and
ACM retries for 72 hours (https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html, Status).
An ELBv2 listener created meanwhile fails: ``UnsupportedCertificate: The certificate ... must have a fully-qualified
domain name, a supported signature, and a supported key size`` on CreateListener
(https://github.com/cloudposse/terraform-aws-acm-request-certificate/issues/58). The provider's
``aws.acm.CertificateValidation`` is the resource that waits for ISSUED
(https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/acm/certificate_validation.go), so a
listener must take its ``certificateArn`` from the validation's output, or ``dependsOn`` it.

The AWS Load Balancer Controller reconciles an Ingress again until it succeeds, so an Ingress passes when the
validation (or the validation records) is in the stack; it still never serves TLS if nothing validates.
Imported certificates (``privateKey``/``certificateBody``) and private-CA certificates (``certificateAuthorityArn``)
are issued at once; certificates not in this stack are not judged.
"""

from __future__ import annotations

from siaga_rules.behaviour._wiring import CERT, CERT_VALIDATION, INGRESS_TYPES, depends_on, urns_of
from siaga_rules.common import (
    LISTENER_TYPES,
    Controls,
    Res,
    StackCtx,
    as_list,
    has_unknown,
    is_unknown,
    lookup,
    stack_policy,
)

LISTENER_CERT_TYPES = ("aws:lb/listenerCertificate:ListenerCertificate", "aws:alb/listenerCertificate:ListenerCertificate")
RECORD = "aws:route53/record:Record"
ANNOTATION = "alb.ingress.kubernetes.io/certificate-arn"


def _needs_validation(cert: Res) -> str | None:
    """The validation method when the certificate starts PENDING_VALIDATION; None when it is issued at once."""
    if cert.get("privateKey") or cert.get("certificateBody") or cert.get("certificateAuthorityArn"):
        return None
    method = cert.get("validationMethod")
    if isinstance(method, str) and method.upper() in ("DNS", "EMAIL"):
        return method.upper()
    return None


def check(ctx: StackCtx) -> None:
    certs = {c.urn: c for c in ctx.of_type(CERT)}
    if not certs:
        return
    validations: dict[str, list[Res]] = {}
    validation_by_urn: dict[str, Res] = {}
    for v in ctx.of_type(CERT_VALIDATION):
        validation_by_urn[v.urn] = v
        for c in ctx.resolve(v, "certificateArn", CERT):
            validations.setdefault(c.urn, []).append(v)
    # validation records: a Route 53 record built from a certificate's domainValidationOptions
    record_names: dict[str, str] = {}
    for c in certs.values():
        for opt in as_list(c.get("domainValidationOptions")):
            name = lookup(opt, "resourceRecordName") if isinstance(opt, dict) else None
            if isinstance(name, str) and not is_unknown(name):
                record_names[name.lower().rstrip(".")] = c.urn
    records: dict[str, list[Res]] = {}
    for r in ctx.of_type(RECORD):
        hits = {u for key in ("name", "records") for u in r.deps.get(key, []) if u in certs}
        name = r.get("name")
        if isinstance(name, str) and name.lower().rstrip(".") in record_names:
            hits.add(record_names[name.lower().rstrip(".")])
        for u in hits:
            records.setdefault(u, []).append(r)

    def judge(user: Res, what: str, prop: str, found: list[Res], strict: bool) -> None:
        waits = depends_on(user)
        for target in found:
            if target.type == CERT_VALIDATION:
                continue  # the ARN comes from the validation: created once the certificate is ISSUED
            method = _needs_validation(target)
            if method is None:
                continue
            vals = validations.get(target.urn, [])
            if any(v.urn in waits for v in vals):
                continue
            recs = records.get(target.urn, [])
            if not strict and (vals or (method == "DNS" and recs)):
                continue
            have = (f"aws.acm.CertificateValidation {vals[0].name} exists but {user.name} does not wait for it"
                    if vals else f"the validation records ({', '.join(r.name for r in recs)}) exist but no "
                    "aws.acm.CertificateValidation waits for ISSUED" if recs else
                    "no aws.acm.CertificateValidation and no validation record for it is in this stack")
            fix = (f"create aws.acm.CertificateValidation(certificate_arn={target.name}.arn, "
                   "validation_record_fqdns=[<the Route 53 records of its domainValidationOptions>.fqdn])"
                   if method == "DNS" else
                   f"create aws.acm.CertificateValidation(certificate_arn={target.name}.arn) (EMAIL: it waits for "
                   "the approval)")
            ctx.fail(f"{what} {user.name} uses ACM certificate {target.name} ({method} validation) in {prop}, which "
                     f"stays PENDING_VALIDATION until validated; {have}. "
                     + (f"{'AddListenerCertificates' if what == 'listener certificate' else 'CreateListener'} "
                        "fails with UnsupportedCertificate while it is pending. " if strict else
                        "The load balancer controller cannot attach it and the Ingress serves no TLS. ")
                     + f"Fix: {fix} and use the validation's certificate_arn output in {prop}.", user)

    index = ctx.index(CERT)  # an ARN given by value names the certificate itself, never its validation
    for kind, types in (("listener", LISTENER_TYPES), ("listener certificate", LISTENER_CERT_TYPES)):
        for user in ctx.of_type(*types):
            found = (urns_of(ctx, user, "certificateArn", CERT, CERT_VALIDATION)
                     or ctx.resolve(user, "certificateArn", CERT))
            if not found and has_unknown(user.get("certificateArn")) and not user.deps.get("certificateArn"):
                ctx.cannot_verify(user, "certificateArn")
            judge(user, kind, "certificateArn", found, strict=True)
    for ing in ctx.of_type(*INGRESS_TYPES):
        annotations = ing.get("metadata.annotations")
        value = lookup(annotations, ANNOTATION) if isinstance(annotations, dict) else None
        if value is None:
            continue
        found = [r for r in (ctx.by_urn().get(u) for u in ing.deps.get("metadata", []))
                 if r is not None and r.type in (CERT, CERT_VALIDATION)]
        if isinstance(value, str) and not is_unknown(value):
            for arn in value.split(","):
                r = index.get(arn.strip())
                if r is not None and r not in found:
                    found.append(r)
        elif not found:
            ctx.cannot_verify(ing, f"metadata.annotations[{ANNOTATION}]")
        judge(ing, "Ingress", f"annotation {ANNOTATION}", found, strict=False)


POLICY = stack_policy(
    id="acm-certificate-validated",
    name="ACM certificates are validated before listeners use them",
    category="behaviour",
    description="A listener, listener certificate or ALB Ingress using a DNS/EMAIL-validated ACM certificate of this "
                "stack depends on an aws.acm.CertificateValidation of it (an Ingress: at least the validation or its "
                "records are in the stack).",
    remediation="Create aws.acm.CertificateValidation for the certificate with the fqdns of its validation records "
                "and pass the validation's certificate_arn output to the listener (or depends_on it).",
    check=check,
    controls=Controls(nist=("SC-8", "SC-17", "CM-6"), iso=("A.8.24", "A.8.32")),
)

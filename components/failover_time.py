"""Worst-case Route 53 DNS failover (and failback) time, computed from the settings: one pure function.

Why a model and not ``interval x threshold + ttl``: Route 53 decides with many uncoordinated health checkers, each
waiting ``interval`` after a response before its next request, each request allowed up to 4 s to connect and 2 s to
answer, the status then has to reach Route 53's DNS servers, and resolvers keep the old answer for its TTL.

Sources (each term below names the one it relies on):

- R53_HEALTH: "How Amazon Route 53 determines whether a health check is healthy"
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
  - checkers in several locations probe every 10 or 30 s and do not coordinate with one another;
  - each checker needs ``failureThreshold`` consecutive failures (or successes) to change its view;
  - the endpoint is healthy when MORE than 18 % of the checkers report it healthy, unhealthy when 18 % or fewer do;
  - HTTP/HTTPS: TCP connection within 4 s, then a 2xx/3xx status within 2 s; HTTPS checks do not validate the
    certificate.
- R53_INTERVAL: ``RequestInterval`` "The number of seconds between the time that Amazon Route 53 gets a response from
  your endpoint and the time that it sends the next health check request. Each Route 53 health checker makes requests
  at this interval."
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html
- ALIAS_TTL: an alias record to an AWS resource has no TTL of its own; Route 53 uses the resource's, and the Route 53
  FAQ (DNS failover: adjusting the TTL) says DNS failover for ELB endpoints uses alias records with a fixed 60 s TTL.
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html and
  https://aws.amazon.com/route53/faqs/
- FAILOVER_RULES: PRIMARY is answered while healthy; when it is unhealthy and SECONDARY healthy, SECONDARY is answered;
  when SECONDARY is unhealthy, PRIMARY is answered whatever its health (so failback needs no operator).
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html (``Failover``)

Assumptions (not published by AWS; named in every document that shows the figure):

- STATUS_PROPAGATION_SECONDS: the time for an aggregated status change to reach every Route 53 DNS server. AWS
  publishes no figure; 30 s is assumed.
- resolvers honour the TTL (``resolver_extra_seconds`` = 0). Resolvers that enforce a minimum TTL, and clients that
  cache beyond it (a JVM with ``networkaddress.cache.ttl`` unset or -1, browsers' own caches), keep reaching the
  failed side for longer: that time is not bounded here.
- the failed side does not answer at all (every probe runs into the 4 s + 2 s budget): the slowest failure mode.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Marks a document text for the gettext catalog (Babel extracts ``N_``, siaga/i18n.py); the documents translate
    it with the params kept on the :class:`Term` (components never import siaga)."""
    return message


R53_HEALTH = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html"
R53_INTERVAL = "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html"
ALIAS_TTL_DOC = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html"
R53_FAQ = "https://aws.amazon.com/route53/faqs/"

HTTP_CONNECT_SECONDS = 4
"""HTTP/HTTPS check: the TCP connection must be established within 4 s (R53_HEALTH)."""
HTTP_RESPONSE_SECONDS = 2
"""HTTP/HTTPS check: a 2xx/3xx status within 2 s after connecting (R53_HEALTH)."""
TCP_CONNECT_SECONDS = 10
"""TCP check: the connection within 10 s (R53_HEALTH)."""
HEALTHY_SHARE = 0.18
"""Healthy when more than 18 % of the checkers report healthy; unhealthy at 18 % or fewer (R53_HEALTH)."""
ELB_ALIAS_TTL = 60
"""TTL Route 53 answers an alias record to an Elastic Load Balancer with (ALIAS_TTL, R53_FAQ)."""
STATUS_PROPAGATION_SECONDS = 30
"""ASSUMED time for a status change to reach Route 53's DNS servers: AWS publishes no figure."""


def probe_timeout_seconds(check_type: str) -> int:
    """Longest a single failing probe can take before the checker counts it as failed."""
    if check_type.upper().startswith("TCP"):
        return TCP_CONNECT_SECONDS
    return HTTP_CONNECT_SECONDS + HTTP_RESPONSE_SECONDS


def answer_ttl(alias_to_load_balancer: bool, ttl_seconds: int) -> int:
    """TTL resolvers cache a record's answer for: the ELB's 60 s for an alias to a load balancer, else the record's."""
    return ELB_ALIAS_TTL if alias_to_load_balancer else ttl_seconds


@dataclass(frozen=True)
class Term:
    """One addend of the worst case: what it is, its seconds, and the source or assumption it rests on."""

    name: str
    seconds: int
    basis: str
    basis_msg: str = ""
    """The English template ``basis`` was formatted from (its msgid), with ``params``: documents translate it."""
    params: tuple[tuple[str, object], ...] = ()


def _term(name: str, seconds: int, basis_msg: str, **params: object) -> Term:
    return Term(name, seconds, basis_msg.format(**params), basis_msg, tuple(params.items()))


@dataclass(frozen=True)
class Estimate:
    """Worst-case seconds from the failure (or the recovery) until every resolver honouring the TTL has moved."""

    direction: str  # "failover" | "failback"
    terms: tuple[Term, ...]
    assumptions: tuple[str, ...]
    assumption_msgs: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = ()
    """(English template, params) of each assumption, for documents in another language."""

    @property
    def seconds(self) -> int:
        return sum(t.seconds for t in self.terms)

    @property
    def formula(self) -> str:
        return " + ".join(f"{t.seconds} s {t.name}" for t in self.terms if t.seconds)

    def as_dict(self) -> dict[str, object]:
        return {"direction": self.direction, "seconds": self.seconds,
                "terms": [{"name": t.name, "seconds": t.seconds, "basis": t.basis} for t in self.terms],
                "assumptions": list(self.assumptions)}


ASSUMPTION_MSGS: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = (
    (N_("status propagation to {service}'s DNS servers takes at most {seconds} s (AWS publishes no figure)"),
     (("service", "Route 53"), ("seconds", STATUS_PROPAGATION_SECONDS))),
    (N_("resolvers honour the TTL; resolvers with a minimum TTL and clients caching beyond it ({jvm_setting}, "
        "browser caches) keep using the old side for longer, not bounded here"),
     (("jvm_setting", "JVM networkaddress.cache.ttl"),)),
    (N_("the failed side does not answer at all, so every probe runs into the probe timeout (the slowest failure "
        "mode)"), ()),
)
ASSUMPTIONS = tuple(msg.format(**dict(params)) for msg, params in ASSUMPTION_MSGS)

def worst_case(interval_seconds: int, failure_threshold: int, cached_ttl_seconds: int, *,
               check_type: str = "HTTPS", direction: str = "failover",
               propagation_seconds: int = STATUS_PROPAGATION_SECONDS, resolver_extra_seconds: int = 0) -> Estimate:
    """Worst case from the failure (``failover``) or the recovery (``failback``) to the last resolver's new answer.

    - detection: each checker waits ``interval`` after its last (good) response before the next request
      (R53_INTERVAL), and every one of the ``failure_threshold`` consecutive probes can take the probe timeout
      (4 s + 2 s for HTTP/HTTPS, 10 s for TCP): ``threshold x (interval + timeout)``;
    - aggregation: 0 s more, but no averaging: the verdict needs 82 % of the uncoordinated checkers (failover) and
      the bound is the slowest checker's phase; failback needs only > 18 %, the same per-checker bound is kept;
    - propagation: assumed, see STATUS_PROPAGATION_SECONDS;
    - cached answer: ``cached_ttl_seconds``: on failover the PRIMARY's answer (the ELB's 60 s for an alias, the
      CNAME's TTL otherwise), on failback the SECONDARY's;
    - resolver caching beyond the TTL: ``resolver_extra_seconds`` (0: assumed honoured).
    """
    if interval_seconds <= 0 or failure_threshold <= 0 or cached_ttl_seconds < 0:
        raise ValueError(f"worst_case: interval {interval_seconds}, threshold {failure_threshold}, ttl "
                         f"{cached_ttl_seconds}; allowed: interval and threshold > 0, ttl >= 0")
    if direction not in ("failover", "failback"):
        raise ValueError(f"direction: {direction!r}; allowed: failover or failback")
    timeout = probe_timeout_seconds(check_type)
    detection = (N_("{threshold} consecutive failures x ({interval} s interval after the last response + {timeout} s "
                    "probe timeout) per checker ({interval_doc}; {health_doc})") if direction == "failover" else
                 N_("{threshold} consecutive successes x ({interval} s interval after the last response + {timeout} s "
                    "probe timeout) per checker ({interval_doc}; {health_doc})"))
    # the shares are placeholders: a "%" followed by " o" would read as a printf conversion to gettext tools
    verdict = (N_("unhealthy once {share} or fewer of the checkers still report healthy, i.e. once >= {needed} of "
                  "them, probing out of phase, have each seen the failures: the slowest checker bounds it "
                  "({health_doc})")
               if direction == "failover" else
               N_("healthy again once more than {share} of the checkers report healthy; the per-checker bound is "
                  "kept ({health_doc})"))
    share = f"{HEALTHY_SHARE * 100:.0f} %"
    needed = f"{100 - HEALTHY_SHARE * 100:.0f} %"
    answer = "PRIMARY" if direction == "failover" else "SECONDARY"
    terms = (
        _term(N_("detection"), failure_threshold * (interval_seconds + timeout), detection,
              threshold=failure_threshold, interval=interval_seconds, timeout=timeout, interval_doc=R53_INTERVAL,
              health_doc=R53_HEALTH),
        _term(N_("aggregation"), 0, verdict, health_doc=R53_HEALTH, share=share,
              **({"needed": needed} if direction == "failover" else {})),
        _term(N_("propagation"), propagation_seconds,
              N_("ASSUMED: status change reaching {service}'s DNS servers; AWS publishes no figure"),
              service="Route 53"),
        _term(N_("cached answer (TTL)"), cached_ttl_seconds,
              N_("resolvers keep the {answer} answer for its TTL ({alias_doc}; {faq})"),
              answer=answer, alias_doc=ALIAS_TTL_DOC, faq=R53_FAQ),
        _term(N_("resolver caching beyond TTL"), resolver_extra_seconds,
              N_("ASSUMED 0: resolvers honour the TTL") if not resolver_extra_seconds
              else N_("ASSUMED extra resolver caching")),
    )
    return Estimate(direction=direction, terms=terms, assumptions=ASSUMPTIONS, assumption_msgs=ASSUMPTION_MSGS)

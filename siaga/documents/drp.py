"""The Disaster Recovery Plan (Markdown), with RTO and RPO computed from the graph's settings."""

from __future__ import annotations

from dataclasses import dataclass

from components.failover_time import Estimate, probe_timeout_seconds
from siaga.documents import names
from siaga.documents.availability import az_loss_sizings
from siaga.documents.drp_security import render_sections as security_sections
from siaga.documents.topology import (
    ASG_DEFAULT_GRACE,
    CLOUDTRAIL,
    FAILOVER_SOURCES,
    GUARDDUTY,
    IAM_ROLE,
    PITR_LOG_UPLOAD_MINUTES,
    Topology,
    _num,
    prop,
)

R53_DOC = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html"
PITR_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html"
TG_DOC = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html"
DMS_METRICS_DOC = "https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html#CHAP_Monitoring.Metrics.Task"


@dataclass
class Scenario:
    title: str
    detection: str
    automatic: str
    rto: str
    rpo: str
    rto_seconds: float | None
    rpo_seconds: float | None
    steps: list[str]
    capacity: str = ""
    """What keeps serving right after the failure (AZ loss: instances left, from the graph and config)."""


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def _region(topo: Topology) -> str:
    if topo.config:
        return topo.config.region
    return str(topo.graph.config.get("aws:region") or "ap-southeast-3")


def scenarios(topo: Topology) -> list[Scenario]:
    region = _region(topo)
    out: list[Scenario] = []
    tg = topo.target_group_detection_seconds()
    grace = max((int(_num(prop(a, "healthCheckGracePeriod"), ASG_DEFAULT_GRACE) or 0) for a, _ in topo.asgs), default=ASG_DEFAULT_GRACE)
    app_zones = topo.app_zones()
    asg_res = [a for a, _ in topo.asgs if a.type == "aws:autoscaling/group:Group"]
    eks_names = [names.explicit(a, "name") or f"<EKS cluster {a.name}-...>" for a, _ in topo.asgs
                 if a.type != "aws:autoscaling/group:Group"]
    db = topo.databases[0] if topo.databases else None
    dbn = names.db_instance(db.resource, region) if db else None
    inst_steps: list[str] = []
    for a in asg_res:
        n = names.asg(a, region)
        inst_steps += [n.lookup, f"aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names {n.ref} --region {region}",
                       f"aws autoscaling start-instance-refresh --auto-scaling-group-name {n.ref} --region {region}  "
                       "# if instances keep failing"]

    # 1. instance
    out.append(Scenario(
        title="Loss of one application instance",
        detection=f"ALB target-group health check fails: interval x unhealthy threshold = {tg} s ({TG_DOC}).",
        automatic="The ALB stops routing to the instance; the Auto Scaling group (health check type ELB) replaces it "
                  f"after its grace period ({grace} s). Other instances keep serving.",
        rto=f"{_dur(tg)} (requests to the failed instance during detection may fail; capacity restored in ~{_dur(grace)})",
        rpo="0 (instances are stateless; data is in the database)", rto_seconds=float(tg), rpo_seconds=0.0,
        steps=inst_steps
        + [f"aws eks list-nodegroups --cluster-name {n} --region {region}  # then: aws eks describe-nodegroup --cluster-name {n} "
           f"--nodegroup-name <group> --region {region}" for n in eks_names]))

    # 2. AZ
    db_fail = db.failover_seconds if db and db.multi_az else None
    rto_az: float | None = float(tg)
    auto = [f"ALB routes only to healthy targets in the remaining AZs ({', '.join(app_zones) or 'none'} spanned)."]
    rpo_az: float | None = 0.0
    rpo_txt = "0"
    if db is not None:
        if db_fail:
            rto_az = max(float(tg), float(db_fail[1]))
            auto.append(f"RDS fails {db.identifier} over to its standby in another AZ: typically {db_fail[0]}-{db_fail[1]} s "
                        f"({FAILOVER_SOURCES[db.kind]}); synchronous replication, no committed transaction lost.")
            rpo_txt = "0 (synchronous Multi-AZ replication)"
        else:
            rto_az = None
            rpo_az = PITR_LOG_UPLOAD_MINUTES * 60.0 if db.retention_days else None
            auto.append(f"NOTHING for the database: {db.identifier} is single-AZ; it must be restored (see database restore).")
            rpo_txt = f"{PITR_LOG_UPLOAD_MINUTES} min (point-in-time restore)" if db.retention_days else "last manual snapshot"
    if len(app_zones) < 2:
        rto_az = None
        auto.append("The application runs in one AZ only: the service is down until DNS fails over to the standby.")
    sizings = az_loss_sizings(topo)
    capacity = "; ".join(
        f"{n}: {sz.surviving} of {sz.min_size} {sz.unit}"
        + ("" if sz.required is None else
           " (full capacity: the service needs " + str(sz.required) + ")" if sz.full_capacity_kept else
           f" ({sz.surviving * 100 // sz.required} % of the {sz.required} needed for ~{_dur(sz.boot_seconds)} while "
           "replacements boot)")
        for n, sz in sizings)
    auto += [f"Application {n}: {sz.describe()}" for n, sz in sizings]
    cross = [z for z, nz in topo.private_nat_zone.items() if nz is not None and nz != z]
    if cross:
        auto.append(f"Subnets in {', '.join(cross)} route through a NAT gateway in another AZ: losing that AZ cuts their egress.")
    steps_az = [f"aws ec2 describe-availability-zones --zone-ids {' '.join(topo.zones)} --region {region}"]
    if db is not None and dbn is not None:
        steps_az.append(dbn.lookup)
        if db.kind == "multi-az-instance":
            steps_az.append(f"aws rds describe-events --source-identifier {dbn.ref} --source-type db-instance --duration 60 --region {region}")
            steps_az.append(f"aws rds reboot-db-instance --db-instance-identifier {dbn.ref} --force-failover --region {region}  "
                            "# only if RDS did not fail over by itself")
        elif db.kind != "single-az-instance":
            steps_az.append(f"aws rds failover-db-cluster --db-cluster-identifier {dbn.ref} --region {region}  "
                            "# only if RDS did not fail over by itself")
    out.append(Scenario(
        title="Loss of one Availability Zone",
        detection=f"ALB health checks ({tg} s), RDS event RDS-EVENT-0049/0050 (failover), CloudWatch alarms on unhealthy targets.",
        automatic=" ".join(auto),
        rto=(f"{rto_az:.0f} s (max of ALB detection {tg} s and database failover upper bound "
             f"{db_fail[1] if db_fail else 0} s)" if rto_az is not None else "not automatic: see whole-site failover / database restore"),
        rpo=rpo_txt, rto_seconds=rto_az, rpo_seconds=rpo_az, steps=steps_az, capacity=capacity))

    # 3. whole site
    est, back = topo.dns_failover_estimate(), topo.dns_failback_estimate()
    fo = est.seconds if est is not None else None
    p, s = topo.primary, topo.secondary
    if est is not None and back is not None and p is not None and s is not None and p.health_check is not None:
        hc = p.health_check
        terms = {t.name: t for t in est.terms}
        detection = (f"Route 53 health check on {hc.target} from checkers in several regions that do not coordinate: each "
                     f"probes every {hc.interval} s (counted from its last response), a failed probe takes up to "
                     f"{probe_timeout_seconds(hc.type)} s, and each needs {hc.threshold} consecutive failures; the endpoint is "
                     f"unhealthy when 18 % or fewer of the checkers report it healthy, so the slowest checkers decide: "
                     f"worst case {terms['detection'].seconds} s ({R53_DOC}).")
        automatic = (f"Route 53 answers {p.name} with the SECONDARY record ({s.target}) once the status has reached its DNS "
                     f"servers (assumed {terms['propagation'].seconds} s: AWS publishes no figure); resolvers holding the "
                     f"PRIMARY answer keep it for its TTL ({p.ttl} s{', the load balancer alias TTL' if p.alias else ''}). "
                     f"Failback is automatic too: once the primary passes {hc.threshold} consecutive checks at more than 18 % "
                     f"of the checkers, Route 53 answers PRIMARY again; worst case {back.seconds} s = {back.formula} "
                     f"(resolvers hold the SECONDARY answer for its {s.ttl} s TTL). Data written on the standby is not "
                     "copied back by this stack.")
        rto = (f"{fo} s worst case = {est.formula}; assumes resolvers honour the TTL (clients caching beyond it, "
               "such as a JVM without networkaddress.cache.ttl, take longer)")
        zone_id = topo.config.dns.hostedZoneId if topo.config and topo.config.dns.hostedZoneId else None
        zone = next((z for z in topo.graph.of_type("aws:route53/zone:Zone") if names.explicit(z, "name")), None)
        zone_name = names.explicit(zone, "name") if zone else p.name
        steps = [f"ZONE={zone_id}" if zone_id else
                 f"ZONE=$(aws route53 list-hosted-zones-by-name --dns-name {zone_name} --query 'HostedZones[0].Id' --output text)",
                 f"HC=$(aws route53 list-resource-record-sets --hosted-zone-id \"$ZONE\" --query \"ResourceRecordSets[?Name=='{p.name}.' "
                 "&& Failover=='PRIMARY'].HealthCheckId | [0]\" --output text)",
                 'aws route53 get-health-check-status --health-check-id "$HC"',
                 'aws route53 update-health-check --health-check-id "$HC" --inverted  '
                 "# force failover to the standby now (undo with --no-inverted)",
                 f"aws route53 list-resource-record-sets --hosted-zone-id \"$ZONE\" --query \"ResourceRecordSets[?Name=='{p.name}.']\""]
    else:
        detection, automatic, rto, steps = ("No Route 53 failover with a health-checked PRIMARY and a SECONDARY record in the graph.",
                                            "Nothing: the service is down until the region recovers.", "not automatic", [])
    copies = sorted({c for r in topo.backup_rules for c in r.copies_to})
    copy_rules = [r for r in topo.backup_rules if r.copies_to and r.interval_hours is not None]
    rpo_site = min((r.interval_hours or 0) for r in copy_rules) * 3600 if copy_rules else None
    rpo = (f"{_dur(rpo_site)} (recovery points copied to {', '.join(copies)})" if rpo_site is not None else
           "not covered by this stack: no backup copy leaves the primary site in the graph; the standby serves "
           + ("a static maintenance site" if topo.config and topo.config.standby.kind == "static-site"
              else "with the data the agency replicates to it outside this stack"))
    repl_rpo = topo.region_loss_rpo_seconds()
    if repl_rpo is not None:
        r = next(x for x in topo.replications if x.latency_threshold_seconds == repl_rpo)
        rpo_site = repl_rpo
        rpo = (f"{_dur(repl_rpo)} = the CDCLatencyTarget alarm threshold of DMS task {r.task_id} (full load + CDC to "
               f"the standby database {r.target_server or '?'}): while the alarm is OK the standby is at most that far "
               f"behind; a breach pages the TTIS within {_dur(r.alarm_period_seconds or 60)} ({DMS_METRICS_DOC}). "
               "Limits: transactions not committed at the loss are lost; DMS applies committed changes in commit order "
               "and CDC lags during the full load and after large transactions (LOB columns, DDL), which the alarm "
               "shows")
        task, inst = r.task_id, r.instance_id or "<replication-instance-id>"
        steps = [*steps,
                 "# standby database: how far behind is it, and is replication running? (before and after failover)",
                 f"aws dms describe-replication-tasks --filters Name=replication-task-id,Values={task} "
                 f"--query 'ReplicationTasks[0].[Status,ReplicationTaskStats]' --region {region}",
                 "# first deployment only: the DBA creates the replication users (GRANT rds_replication on RDS), puts "
                 "both endpoint secrets (username, password, host, port), then starts the task:",
                 f"TASK=$(aws dms describe-replication-tasks --filters Name=replication-task-id,Values={task} "
                 f"--query 'ReplicationTasks[0].ReplicationTaskArn' --output text --region {region})",
                 f"aws dms start-replication-task --replication-task-arn \"$TASK\" --start-replication-task-type "
                 f"start-replication --region {region}",
                 f"# after the failover: stop CDC into the standby (it now takes writes): aws dms stop-replication-task "
                 f"--replication-task-arn \"$TASK\" --region {region}; instance {inst}"]
    elif topo.config is not None and topo.config.standby.replication_gap:
        rpo = f"not covered by this stack: {topo.config.standby.replication_gap}"
    out.append(Scenario(title="Loss of the whole AWS site (region)", detection=detection, automatic=automatic, rto=rto, rpo=rpo,
                        rto_seconds=float(fo) if fo is not None else None, rpo_seconds=rpo_site, steps=steps))

    # 4. corruption / ransomware
    if db is not None:
        pitr = db.retention_days > 0
        continuous = any(r.continuous for r in topo.backup_rules)
        best = topo.best_backup_rpo_hours()
        vault = topo.vaults[0] if topo.vaults else None
        rpo_s = PITR_LOG_UPLOAD_MINUTES * 60.0 if (pitr or continuous) else (best * 3600 if best else None)
        lock = (f"Vault {vault.name} is locked (compliance mode, min {vault.lock_min_days} days, immutable after "
                f"{vault.lock_changeable_days} days): recovery points cannot be deleted, even by the account root."
                if vault and vault.lock_min_days else "No vault lock: an attacker with admin rights can delete the recovery points.")
        assert dbn is not None
        is_instance = db.resource.type.endswith("Instance")
        q = "DBInstances[0]" if is_instance else "DBClusters[0]"
        describe = (f"aws rds describe-db-instances --db-instance-identifier {dbn.ref}" if is_instance
                    else f"aws rds describe-db-clusters --db-cluster-identifier {dbn.ref}")
        steps = [dbn.lookup, "ACCOUNT=$(aws sts get-caller-identity --query Account --output text)",
                 f"{describe} --query '{q}.LatestRestorableTime' --region {region}",
                 f"SG=$({describe} --query '{q}.VpcSecurityGroups[].VpcSecurityGroupId' --output text --region {region})",
                 f"SUBNETS=$({describe} --query '{q}.{'DBSubnetGroup.DBSubnetGroupName' if is_instance else 'DBSubnetGroup'}' "
                 f"--output text --region {region})",
                 f"aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier {dbn.ref} "
                 "--target-db-instance-identifier \"$DB-restored\" --restore-time <UTC time before the damage, e.g. 2026-01-31T23:55:00Z> "
                 f"--db-subnet-group-name \"$SUBNETS\" --vpc-security-group-ids $SG --multi-az --region {region}" if is_instance else
                 f"aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier {dbn.ref} "
                 "--db-cluster-identifier \"$DB-restored\" --restore-to-time <UTC time before the damage> "
                 f"--db-subnet-group-name \"$SUBNETS\" --vpc-security-group-ids $SG --region {region}"]
        if vault:
            vn = names.vault(vault.resource, region)
            role_res = next((topo.index.get(str(prop(sel, "iamRoleArn"))) for sel in topo.selections if prop(sel, "iamRoleArn")), None)
            role = names.role_arn(role_res)
            kind = "db" if is_instance else "cluster"
            steps += [vn.lookup, role.lookup,
                      f"aws backup list-recovery-points-by-backup-vault --backup-vault-name {vn.ref} "
                      f"--by-resource-arn \"arn:aws:rds:{region}:$ACCOUNT:{kind}:$DB\" --region {region}",
                      f"aws backup get-recovery-point-restore-metadata --backup-vault-name {vn.ref} --recovery-point-arn <recovery-point-arn> --region {region}",
                      f"aws backup start-restore-job --recovery-point-arn <recovery-point-arn> --iam-role-arn {role.ref} "
                      f"--metadata file://restore-metadata.json --region {region}  # metadata from the previous command, "
                      "with DBInstanceIdentifier set to a new name"]
        steps.append("# then: point the application at the restored endpoint (update its configuration / secret) and roll the ASG "
                     "with an instance refresh; keep the damaged instance for forensics (deletion protection is on).")
        rules = ", ".join(f"{r.name} every {_dur((r.interval_hours or 0) * 3600)} kept {r.delete_after_days} days" for r in topo.backup_rules)
        out.append(Scenario(
            title="Database corruption or ransomware",
            detection="Application errors, CloudWatch alarms on the database, GuardDuty/CloudTrail findings; an operator decides.",
            automatic=f"Nothing is rolled back automatically. PITR window {db.retention_days} days ({PITR_DOC}); "
                      f"AWS Backup rules: {rules or 'none'}. {lock}",
            rto=f"restore time of {db.identifier} (grows with its size; measured by the restore-testing plan) + application cutover",
            rpo=(f"{_dur(rpo_s)} (point-in-time restore: transaction logs reach S3 every {PITR_LOG_UPLOAD_MINUTES} min)" if rpo_s
                 and (pitr or continuous) else _dur(rpo_s)),
            rto_seconds=None, rpo_seconds=rpo_s, steps=steps))

    # 5. leaked credentials
    roles = [r for r in topo.graph.of_type(IAM_ROLE)]
    detect = []
    if topo.graph.of_type(GUARDDUTY):
        detect.append("GuardDuty findings (e.g. UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration)")
    if topo.graph.of_type(CLOUDTRAIL):
        detect.append("CloudTrail (log file validation) for the calls made with the credentials")
    steps = []
    for r in roles:
        name = names.role_name(r)
        steps.append(f"aws iam put-role-policy --role-name {name} --policy-name AWSRevokeOlderSessions --policy-document "
                     "'{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\","
                     "\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"<now, UTC ISO 8601>\"}}}]}'")
    if db is not None and dbn is not None and db.resource.type.endswith("Instance"):
        steps.append(dbn.lookup)
        steps.append(f"aws rds modify-db-instance --db-instance-identifier {dbn.ref} --manage-master-user-password "
                     f"--rotate-master-user-password --apply-immediately --region {region}")
    steps.append("aws iam update-access-key --user-name <user> --access-key-id <leaked key> --status Inactive")
    out.append(Scenario(
        title="Leaked credentials",
        detection="; ".join(detect) or "No GuardDuty detector or CloudTrail trail in the graph: only manual reports.",
        automatic="Nothing: credentials are revoked by hand. Instances use an instance profile (temporary credentials); the "
                  "database master password is held by Secrets Manager.",
        rto="minutes (revocation is immediate once run)", rpo="0 unless data was altered (then: database restore)",
        rto_seconds=None, rpo_seconds=0.0, steps=steps))
    return out


def verify_steps(topo: Topology, stack: str) -> list[str]:
    """``siaga verify`` commands for what the stack runs: hosts built from the siaga baseline (SSM), and the
    pods of its siaga-managed Kubernetes workload on each cluster (kubectl)."""
    from siaga.verify.pods import pod_baseline_from_graph
    from siaga.verify.runner import VerifyError
    from siaga.verify.stack import settings_from_graph

    steps: list[str] = []
    try:
        host = settings_from_graph(topo.graph)
        steps += [f"pulumi stack output --json --stack {stack} > outputs.json",
                  f"siaga verify --stack {stack} --outputs outputs.json  # {host.service} hosts over SSM: audit, time, "
                  "updates, no SSH, sysctls, service, TLS 1.2+, redirect, health"]
    except VerifyError:
        pass
    domain = topo.graph.config.get("siaga:domain")
    if isinstance(domain, str) and domain:
        steps.append(f"siaga verify --stack {stack} --public  # https://{domain} from outside: certificate, redirect, "
                     "TLS 1.2+ only, HSTS, health")
    for r in topo.replications[:1]:
        steps.append(f"siaga verify --stack {stack} --standby  # DMS task {r.task_id} running, CDCLatencyTarget under "
                     f"{r.latency_threshold_seconds or 0:.0f} s (the standby database is current)")
    try:
        pod = pod_baseline_from_graph(topo.graph)
        steps += [f'siaga verify --stack {stack} --backend kubectl --kube-context "${where.upper()}_KUBE_CONTEXT"  '
                  f"# {pod.namespace}/{pod.app} pods on the {where} cluster" for where in ("primary", "standby")]
    except VerifyError:
        pass
    return steps


def _terms_table(est: Estimate) -> list[str]:
    rows = ["| Term | Seconds | Basis |", "|---|---:|---|"]
    rows += [f"| {t.name} | {t.seconds} | {t.basis} |" for t in est.terms]
    return rows + [f"| **total ({est.direction})** | **{est.seconds}** | worst case |"]


def failover_section(topo: Topology) -> list[str]:
    """How the whole-site figures are computed: every term of the failover and failback worst cases, and what they
    assume (components.failover_time.worst_case, the same function behind the stack output failoverSeconds)."""
    est, back = topo.dns_failover_estimate(), topo.dns_failback_estimate()
    if est is None or back is None:
        return []
    lines = ["## DNS failover time: how it is computed", "",
             f"Failover (the primary stops answering): **{est.seconds} s** worst case.", ""] + _terms_table(est)
    lines += ["", f"Failback (the primary answers again, the standby still healthy): **{back.seconds} s** worst case.", ""]
    lines += _terms_table(back) + ["", "Assumptions:", ""] + [f"- {a}" for a in est.assumptions] + [""]
    return lines


ZONE_TYPE = "aws:route53/zone:Zone"
DELEGATION_DOC = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/MigratingDNS.html"


def delegation_section(topo: Topology) -> list[str]:
    """The one step outside AWS: the parent of the stack's public zone must delegate to its name servers, or ACM
    cannot validate the certificate (no HTTPS listener) and the public never sees the failover records."""
    zones = [z for z in topo.graph.of_type(ZONE_TYPE) if names.explicit(z, "name") and not prop(z, "vpcs")]
    record_zones = sorted({r.zone_id for r in topo.failover if r.zone_id != "?"})
    if not zones and not record_zones:
        return []
    lines = ["## DNS delegation (once, by the agency)", ""]
    if zones:
        for z in zones:
            zname = str(names.explicit(z, "name")).rstrip(".")
            servers = [str(x) for x in (prop(z, "nameServers") or [])]
            lines += [f"This stack creates the public hosted zone `{zname}`; the certificate's DNS validation record and the "
                      f"failover records are in it. Public DNS reaches it only once the parent of `{zname}` lists its name "
                      "servers (stack output `nameServers`):", ""]
            lines += [f"- `{ns}`" for ns in servers] or ["- (assigned by Route 53 at creation: `pulumi stack output nameServers`)"]
            lines += ["", f"Set the NS records of `{zname}` to these at its registrar (for a `.go.id` name: the go.id "
                      "registration service, PANDI being the `.id` registry). If the domain already has records at another "
                      "DNS provider, copy them into the zone first. Until the delegation is in place ACM cannot validate the "
                      "certificate, so the HTTPS listener cannot be created: run `pulumi up --target` on the zone first, "
                      f"delegate, then run the full `pulumi up` ({DELEGATION_DOC}).", "", "```sh",
                      f"pulumi up --target '{z.urn}'   # the zone alone, before the certificate waits for it",
                      "pulumi stack output nameServers",
                      f"dig NS {zname} +short   # must print the four name servers above",
                      "```", ""]
    else:
        lines += [f"The failover records are in the existing hosted zone {', '.join(record_zones)} (adopted, not created): "
                  "its parent must already delegate to its name servers (stack output `nameServers`); check with "
                  f"`aws route53 get-hosted-zone --id {record_zones[0]}` and `dig NS <zone name> +short` ({DELEGATION_DOC}).", ""]
    return lines


def render_markdown(topo: Topology, stack: str, budget_md_name: str = "availability.md",
                    diagram_name: str = "architecture.png") -> str:
    g = topo.graph
    region = _region(topo)
    lines = [f"# Disaster Recovery Plan - {stack}", "",
             f"Generated from the resource graph of `{g.project}/{g.stack}` ({len(g.resources)} resources). "
             "Every figure below is computed from the stack's settings; regenerate with "
             f"`siaga report --stack {stack}` after any change.", "", "## Architecture", "",
             f"![architecture]({diagram_name})", "",
             f"- Region: {region}; Availability Zones used: {', '.join(topo.zones) or 'none'}",
             "- Application: " + ("; ".join(f"{a.name} over {len(z)} AZ ({', '.join(z)})" for a, z in topo.asgs) or "none"),
             "- Load balancer: " + ("; ".join(f"{lb.name} over {len(z)} AZ" for lb, z in topo.lbs) or "none"),
             f"- NAT gateways: {len(topo.nats)} in {', '.join(topo.nat_zones()) or 'none'}",
             "- Database: " + ("; ".join(f"{d.identifier} ({d.kind}, {', '.join(d.zones)}, backups {d.retention_days} days, "
                                          f"{'encrypted' if d.encrypted else 'NOT encrypted'})" for d in topo.databases) or "none"),
             "- Backup vaults: " + ("; ".join(f"{v.name} (lock min {v.lock_min_days} days)" if v.lock_min_days else f"{v.name} (no lock)"
                                              for v in topo.vaults) or "none"),
             ]
    p, s = topo.primary, topo.secondary
    if p and s:
        lines.append(f"- DNS failover: {p.name} PRIMARY -> {p.target}; SECONDARY -> {s.target}")
    lines += ["", "## Recovery objectives", "", "| Failure | RTO | RPO |", "|---|---|---|"]
    scs = scenarios(topo)
    for sc in scs:
        rto = f"{sc.rto}; capacity right after: {sc.capacity}" if sc.capacity else sc.rto
        lines.append(f"| {sc.title} | {rto} | {sc.rpo} |")
    lines += ["", f"See also the availability budget: [{budget_md_name}]({budget_md_name}).", ""]
    for i, sc in enumerate(scs, 1):
        lines += [f"## {i}. {sc.title}", "", f"**Detection.** {sc.detection}", "", f"**Automatic.** {sc.automatic}", "",
                  f"**RTO:** {sc.rto}  ", f"**RPO:** {sc.rpo}", ""]
        if sc.capacity:
            lines[-1:-1] = [f"**Capacity right after the failure:** {sc.capacity}  "]
        if sc.steps:
            lines += ["**Manual steps**", "", "```sh"] + sc.steps + ["```", ""]
    lines += failover_section(topo) + delegation_section(topo)
    checks = verify_steps(topo, stack)
    if checks:
        lines += ["## Verify after every recovery and drill", "",
                  "Run the post-deploy checks against what now serves traffic (and against the recovered side once "
                  "it is back); exit 0 means every check passed, 1 names the failed checks per host.", "",
                  "```sh"] + checks + ["```", ""]
    lines += security_sections(g)  # TTIS: identification, containment, eradication, recovery
    lines += ["## Contacts", ""]
    contacts = topo.contacts()
    if contacts:
        lines += ["| Name | Role | E-mail | Phone |", "|---|---|---|---|"]
        lines += [f"| {c['name']} | {c.get('role', '')} | {c['email']} | {c.get('phone', '')} |" for c in contacts]
    else:
        lines.append("No alert contacts in the stack config (siaga:alertContacts).")
    lines += ["", "## Sources", "", f"- Route 53 health checks: {R53_DOC}", f"- RDS point-in-time restore: {PITR_DOC}",
              f"- ALB target-group health checks: {TG_DOC}"] + [f"- {k}: {v}" for k, v in FAILOVER_SOURCES.items()] + [""]
    return "\n".join(lines)

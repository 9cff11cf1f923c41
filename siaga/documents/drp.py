"""The Disaster Recovery Plan (Markdown), with RTO and RPO computed from the graph's settings.

Written in the stack's document language (siaga.i18n: ``lang``, English when not given); commands, AWS names,
resource names and AWS's quoted words stay as they are (placeholders in the messages).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.config import ASSUMED_RESTORE_MINUTES
from components.failover_time import HEALTHY_SHARE, Estimate, probe_timeout_seconds
from siaga.documents import names
from siaga.documents.availability import az_loss_sizings
from siaga.documents.baku import italicise
from siaga.documents.drp_security import render_sections as security_sections
from siaga.documents.l10n import (
    UNITS,
    describe_sizing,
    estimate_assumptions,
    estimate_formula,
    seconds,
    term_basis,
    term_name,
)
from siaga.documents.revoke import revoke_sessions, revoke_sessions_policy
from siaga.documents.runbook_inputs import inputs_section
from siaga.documents.texts import as_language
from siaga.documents.texts import duration as _duration
from siaga.documents.topology import (
    ASG_DEFAULT_GRACE,
    CLOUDTRAIL,
    FAILOVER_DOCS,
    FAILOVER_SOURCES,
    GUARDDUTY,
    IAM_ROLE,
    PITR_LOG_UPLOAD_MINUTES,
    Topology,
    _num,
    failover_source,
    prop,
)
from siaga.i18n import N_, Language

R53_DOC = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html"
PITR_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html"
TG_DOC = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html"
DMS_METRICS_DOC = "https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html#CHAP_Monitoring.Metrics.Task"
DIRECTIONS = {"failover": N_("failover"), "failback": N_("failback")}
SHARE = f"{HEALTHY_SHARE * 100:.0f} %"
"""Route 53's healthy share, a placeholder in the messages: "18 % o..." would read as a printf %o to gettext tools."""

__all__ = ["FAILOVER_SOURCES", "Scenario", "render_markdown", "scenarios"]


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
    key: str = ""
    """The scenario whatever the language: instance | az | site | database | credentials (drills match on it)."""
    rto_basis: str = ""
    """Where a range in ``rto`` comes from (measured, or an assumption and how to measure it): in the scenario's
    section, kept out of the objectives table so its cells stay short."""


def _dur(seconds: float | None, lang: Language | None = None) -> str:
    return _duration(seconds, as_language(lang))


def _cmd(command: str, comment: str) -> str:
    """A command line with its (translated) comment."""
    return f"{command}  # {comment}"


def _region(topo: Topology) -> str:
    if topo.config:
        return topo.config.region
    return str(topo.graph.config.get("aws:region") or "ap-southeast-3")


RESTORE_TEST_DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html"


def restore_minutes(topo: Topology, identifier: str, lang: Language) -> tuple[tuple[int, int], str]:
    """The database restore range in minutes and its basis: the agency's measured ``siaga:database.restoreMinutes``,
    else :data:`components.config.ASSUMED_RESTORE_MINUTES`, said to be an assumption with the command that measures
    it (the restore-testing plan's jobs: creation to completion)."""
    _ = lang.gettext
    measured = topo.config.database.restoreMinutes if topo.config else None
    storage = topo.config.database.allocatedStorageGiB if topo.config else None
    if measured:
        return (measured[0], measured[1]), _("measured by the agency's restore tests ({key})").format(
            key="siaga:database.restoreMinutes")
    low, high = ASSUMED_RESTORE_MINUTES
    return (low, high), _("ASSUMED for {db} ({storage} GiB allocated): AWS publishes no restore time, it grows with the "
                          "data and the transaction logs replayed; replace it with the durations the restore-testing "
                          "plan measures ({command}, {source}) in {key}").format(
        db=identifier, storage=storage if storage is not None else "?",
        # no code span: the basis is shown in the objectives table too, whose PDF cells take no inline markup
        command="aws backup list-restore-jobs --query 'RestoreJobs[].[CreationDate,CompletionDate]'",
        source=RESTORE_TEST_DOC, key="siaga:database.restoreMinutes")


def scenarios(topo: Topology, lang: Language | str | None = None) -> list[Scenario]:
    """The DRP's scenarios with their computed RTO/RPO, the texts in ``lang`` (English when not given)."""
    lang = as_language(lang)
    _ = lang.gettext
    region = _region(topo)
    out: list[Scenario] = []
    tg = topo.target_group_detection_seconds()
    grace = max((int(_num(prop(a, "healthCheckGracePeriod"), ASG_DEFAULT_GRACE) or 0) for a, _z in topo.asgs), default=ASG_DEFAULT_GRACE)
    app_zones = topo.app_zones()
    none = _("none")
    asg_res = [a for a, _z in topo.asgs if a.type == "aws:autoscaling/group:Group"]
    eks_names = [names.explicit(a, "name") or f"$(aws eks list-clusters --query \"clusters[?starts_with(@, "
                 f"'{a.name}-')] | [0]\" --output text --region {region})" for a, _z in topo.asgs
                 if a.type != "aws:autoscaling/group:Group"]
    db = topo.databases[0] if topo.databases else None
    dbn = names.db_instance(db.resource, region) if db else None
    inst_steps: list[str] = []
    for a in asg_res:
        n = names.asg(a, region)
        inst_steps += [n.lookup, f"aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names {n.ref} --region {region}",
                       _cmd(f"aws autoscaling start-instance-refresh --auto-scaling-group-name {n.ref} --region {region}",
                            _("if instances keep failing"))]

    # 1. instance
    out.append(Scenario(
        key="instance",
        title=_("Loss of one application instance"),
        detection=_("ALB target-group health check fails: interval x unhealthy threshold = {seconds} s ({source}).").format(
            seconds=tg, source=TG_DOC),
        automatic=_("The ALB stops routing to the instance; the Auto Scaling group (health check type ELB) replaces it "
                    "after its grace period ({grace} s). Other instances keep serving.").format(grace=grace),
        rto=_("{detection} (requests to the failed instance during detection may fail; capacity restored in "
              "~{restored})").format(detection=_dur(tg, lang), restored=_dur(grace, lang)),
        rpo=_("0 (instances are stateless; data is in the database)"), rto_seconds=float(tg), rpo_seconds=0.0,
        steps=inst_steps
        + [line for n in eks_names for line in (
            f"for NODEGROUP in $(aws eks list-nodegroups --cluster-name {n} --query 'nodegroups[]' --output text "
            f"--region {region}); do",
            f"  aws eks describe-nodegroup --cluster-name {n} --nodegroup-name \"$NODEGROUP\" --query "
            f"'nodegroup.[nodegroupName,status,health.issues]' --region {region}",
            "done")]))

    # 2. AZ
    db_fail = db.failover_seconds if db and db.multi_az else None
    rto_az: float | None = float(tg)
    auto = [_("ALB routes only to healthy targets in the remaining AZs ({zones} spanned).").format(
        zones=", ".join(app_zones) or none)]
    rpo_az: float | None = 0.0
    rpo_txt = "0"
    if db is not None:
        if db_fail:
            rto_az = max(float(tg), float(db_fail[1]))
            auto.append(_("RDS fails {db} over to its standby in another AZ: typically {low}-{high} s ({source}); "
                          "synchronous replication, no committed transaction lost.").format(
                db=db.identifier, low=db_fail[0], high=db_fail[1],
                source=failover_source(db.kind, _) if db.kind in FAILOVER_DOCS else FAILOVER_SOURCES[db.kind]))
            rpo_txt = _("0 (synchronous Multi-AZ replication)")
        else:
            rto_az = None
            rpo_az = PITR_LOG_UPLOAD_MINUTES * 60.0 if db.retention_days else None
            auto.append(_("NOTHING for the database: {db} is single-AZ; it must be restored (see database "
                          "restore).").format(db=db.identifier))
            rpo_txt = (_("{minutes} min (point-in-time restore)").format(minutes=PITR_LOG_UPLOAD_MINUTES)
                       if db.retention_days else _("last manual snapshot"))
    if len(app_zones) < 2:
        rto_az = None
        auto.append(_("The application runs in one AZ only: the service is down until DNS fails over to the standby."))
    sizings = az_loss_sizings(topo)

    def left(n: str, sz) -> str:  # noqa: ANN001 - components.config.AzSizing
        head = _("{tier}: {surviving} of {min_size} {unit}").format(tier=n, surviving=sz.surviving, min_size=sz.min_size,
                                                                     unit=_(UNITS.get(sz.unit, sz.unit)))
        if sz.required is None:
            return head
        if sz.full_capacity_kept:
            return head + " " + _("(full capacity: the service needs {required})").format(required=sz.required)
        return head + " " + _("({percent} of the {required} needed for ~{boot} while replacements boot)").format(
            percent=f"{sz.surviving * 100 // sz.required} %", required=sz.required, boot=_dur(sz.boot_seconds, lang))

    capacity = "; ".join(left(n, sz) for n, sz in sizings)
    auto += [_("Application {name}: {sizing}").format(name=n, sizing=describe_sizing(lang, sz)) for n, sz in sizings]
    cross = [z for z, nz in topo.private_nat_zone.items() if nz is not None and nz != z]
    if cross:
        auto.append(_("Subnets in {zones} route through a NAT gateway in another AZ: losing that AZ cuts their "
                      "egress.").format(zones=", ".join(cross)))
    steps_az = [f"aws ec2 describe-availability-zones --zone-ids {' '.join(topo.zones)} --region {region}"]
    not_by_itself = _("only if RDS did not fail over by itself")
    if db is not None and dbn is not None:
        steps_az.append(dbn.lookup)
        if db.kind == "multi-az-instance":
            steps_az.append(f"aws rds describe-events --source-identifier {dbn.ref} --source-type db-instance --duration 60 --region {region}")
            steps_az.append(_cmd(f"aws rds reboot-db-instance --db-instance-identifier {dbn.ref} --force-failover "
                                 f"--region {region}", not_by_itself))
        elif db.kind != "single-az-instance":
            steps_az.append(_cmd(f"aws rds failover-db-cluster --db-cluster-identifier {dbn.ref} --region {region}",
                                 not_by_itself))
    out.append(Scenario(
        key="az",
        title=_("Loss of one Availability Zone"),
        detection=_("ALB health checks ({seconds} s), RDS event {events} (failover), CloudWatch alarms on unhealthy "
                    "targets.").format(seconds=tg, events="RDS-EVENT-0049/0050"),
        automatic=" ".join(auto),
        rto=(_("{rto} s (max of ALB detection {detection} s and database failover upper bound {db} s)").format(
            rto=f"{rto_az:.0f}", detection=tg, db=db_fail[1] if db_fail else 0) if rto_az is not None else
             _("not automatic: {low}-{high} min, the database restore ({basis}), or the whole-site failover").format(
                 low=restore_minutes(topo, db.identifier if db else "?", lang)[0][0],
                 high=restore_minutes(topo, db.identifier if db else "?", lang)[0][1],
                 basis=restore_minutes(topo, db.identifier if db else "?", lang)[1])),
        rpo=rpo_txt, rto_seconds=rto_az, rpo_seconds=rpo_az, steps=steps_az, capacity=capacity))

    # 3. whole site
    est, back = topo.dns_failover_estimate(), topo.dns_failback_estimate()
    fo = est.seconds if est is not None else None
    p, s = topo.primary, topo.secondary
    if est is not None and back is not None and p is not None and s is not None and p.health_check is not None:
        hc = p.health_check
        terms = {t.name: t for t in est.terms}
        detection = _("Route 53 health check on {target} from checkers in several regions that do not coordinate: "
                      "each probes every {interval} s (counted from its last response), a failed probe takes up to "
                      "{timeout} s, and each needs {threshold} consecutive failures; the endpoint is unhealthy when "
                      "{share} or fewer of the checkers report it healthy, so the slowest checkers decide: worst case "
                      "{seconds} s ({source}).").format(
            target=topo.facts.show(hc.target, lang), interval=hc.interval, timeout=probe_timeout_seconds(hc.type), threshold=hc.threshold,
            seconds=terms["detection"].seconds, source=R53_DOC, share=SHARE)
        primary_ttl = (_("{ttl} s, the load balancer alias TTL") if p.alias else seconds(lang, "{ttl}")).format(ttl=p.ttl)
        automatic = _("Route 53 answers {name} with the SECONDARY record ({target}) once the status has reached its DNS "
                      "servers (assumed {propagation} s: AWS publishes no figure); resolvers holding the PRIMARY answer "
                      "keep it for its TTL ({primary_ttl}). Failback is automatic too: once the primary passes "
                      "{threshold} consecutive checks at more than {share} of the checkers, Route 53 answers PRIMARY "
                      "again; worst case {back} s = {formula} (resolvers hold the SECONDARY answer for its {ttl} s "
                      "TTL). Data written on the standby is not copied back by this stack.").format(
            name=p.name, target=topo.facts.show(s.target, lang), propagation=terms["propagation"].seconds, primary_ttl=primary_ttl,
            threshold=hc.threshold, back=back.seconds, share=SHARE, formula=estimate_formula(lang, back), ttl=s.ttl)
        rto = _("{seconds} s worst case = {formula}; assumes resolvers honour the TTL (clients caching beyond it, such "
                "as a JVM without {setting}, take longer)").format(
            seconds=fo, formula=estimate_formula(lang, est), setting="networkaddress.cache.ttl")
        zone_id = topo.config.dns.hostedZoneId if topo.config and topo.config.dns.hostedZoneId else None
        zone = next((z for z in topo.graph.of_type("aws:route53/zone:Zone") if names.explicit(z, "name")), None)
        zone_name = names.explicit(zone, "name") if zone else p.name
        steps = [f"ZONE={zone_id}" if zone_id else
                 f"ZONE=$(aws route53 list-hosted-zones-by-name --dns-name {zone_name} --query 'HostedZones[0].Id' --output text)",
                 f"HC=$(aws route53 list-resource-record-sets --hosted-zone-id \"$ZONE\" --query \"ResourceRecordSets[?Name=='{p.name}.' "
                 "&& Failover=='PRIMARY'].HealthCheckId | [0]\" --output text)",
                 'aws route53 get-health-check-status --health-check-id "$HC"',
                 _cmd('aws route53 update-health-check --health-check-id "$HC" --inverted',
                      _("force failover to the standby now (undo with {undo})").format(undo="--no-inverted")),
                 f"aws route53 list-resource-record-sets --hosted-zone-id \"$ZONE\" --query \"ResourceRecordSets[?Name=='{p.name}.']\""]
    else:
        detection = _("No Route 53 failover with a health-checked PRIMARY and a SECONDARY record in the graph.")
        automatic = _("Nothing: the service is down until the region recovers.")
        rto, steps = _("not automatic"), []
    copies = sorted({c for r in topo.backup_rules for c in r.copies_to})
    copy_rules = [r for r in topo.backup_rules if r.copies_to and r.interval_hours is not None]
    rpo_site = min((r.interval_hours or 0) for r in copy_rules) * 3600 if copy_rules else None
    if rpo_site is not None:
        rpo = _("{interval} (recovery points copied to {vaults})").format(interval=_dur(rpo_site, lang),
                                                                          vaults=", ".join(copies))
    elif topo.config and topo.config.standby.kind == "static-site":
        rpo = _("not covered by this stack: no backup copy leaves the primary site in the graph; the standby serves "
                "a static maintenance site")
    else:
        rpo = _("not covered by this stack: no backup copy leaves the primary site in the graph; the standby serves "
                "with the data the agency replicates to it outside this stack")
    repl_rpo = topo.region_loss_rpo_seconds()
    if repl_rpo is not None:
        r = next(x for x in topo.replications if x.latency_threshold_seconds == repl_rpo)
        rpo_site = repl_rpo
        rpo = _("{lag} = the {metric} alarm threshold of DMS task {task} (full load + CDC to the standby database "
                "{server}): while the alarm is OK the standby is at most that far behind; a breach pages the TTIS "
                "within {period} ({source}). Limits: transactions not committed at the loss are lost; DMS applies "
                "committed changes in commit order and CDC lags during the full load and after large transactions "
                "(LOB columns, DDL), which the alarm shows").format(
            lag=_dur(repl_rpo, lang), metric="CDCLatencyTarget", task=r.task_id, server=r.target_server or "?",
            period=_dur(r.alarm_period_seconds or 60, lang), source=DMS_METRICS_DOC)
        task, inst = r.task_id, r.instance_id or "<replication-instance-id>"
        steps = [*steps,
                 "# " + _("standby database: how far behind is it, and is replication running? (before and after "
                          "failover)"),
                 f"aws dms describe-replication-tasks --filters Name=replication-task-id,Values={task} "
                 f"--query 'ReplicationTasks[0].[Status,ReplicationTaskStats]' --region {region}",
                 "# " + _("first deployment only: the DBA creates the replication users ({grant} on RDS), puts both "
                          "endpoint secrets (username, password, host, port), then starts the task:").format(
                     grant="GRANT rds_replication"),
                 f"TASK=$(aws dms describe-replication-tasks --filters Name=replication-task-id,Values={task} "
                 f"--query 'ReplicationTasks[0].ReplicationTaskArn' --output text --region {region})",
                 f"aws dms start-replication-task --replication-task-arn \"$TASK\" --start-replication-task-type "
                 f"start-replication --region {region}",
                 "# " + _("after the failover: stop CDC into the standby (it now takes writes): {command}; instance "
                          "{instance}").format(
                     command=f"aws dms stop-replication-task --replication-task-arn \"$TASK\" --region {region}",
                     instance=inst)]
    elif topo.config is not None and topo.config.standby.replication_gap:
        sdb = topo.config.standby.database
        gap = (_("{key}: none ({reason})").format(key="siaga:standby.database.replication", reason=sdb.reason)
               if sdb is not None else
               _("{key}: not set: nothing replicates the database to the standby, which then serves without current "
                 "data (region-loss RPO not covered); set {fields} inside {networks}, or {none}").format(
                   key="siaga:standby.database", fields="{address, secretArn}", networks="standby.networks",
                   none="{replication: none, reason: ...}"))
        rpo = _("not covered by this stack: {gap}").format(gap=gap)
    out.append(Scenario(key="site", title=_("Loss of the whole AWS site (region)"), detection=detection,
                        automatic=automatic, rto=rto, rpo=rpo, rto_seconds=float(fo) if fo is not None else None,
                        rpo_seconds=rpo_site, steps=steps))

    # 4. corruption / ransomware
    if db is not None:
        pitr = db.retention_days > 0
        continuous = any(r.continuous for r in topo.backup_rules)
        best = topo.best_backup_rpo_hours()
        vault = topo.vaults[0] if topo.vaults else None
        rpo_s = PITR_LOG_UPLOAD_MINUTES * 60.0 if (pitr or continuous) else (best * 3600 if best else None)
        lock = (_("Vault {vault} is locked (compliance mode, min {min_days} days, immutable after {changeable} days): "
                  "recovery points cannot be deleted, even by the account root.").format(
                    vault=vault.name, min_days=vault.lock_min_days, changeable=vault.lock_changeable_days)
                if vault and vault.lock_min_days else
                _("No vault lock: an attacker with admin rights can delete the recovery points."))
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
                 '--target-db-instance-identifier "$DB-restored" --restore-time "$RESTORE_TIME" '
                 f"--db-subnet-group-name \"$SUBNETS\" --vpc-security-group-ids $SG --multi-az --region {region}" if is_instance else
                 f"aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier {dbn.ref} "
                 '--db-cluster-identifier "$DB-restored" --restore-to-time "$RESTORE_TIME" '
                 f"--db-subnet-group-name \"$SUBNETS\" --vpc-security-group-ids $SG --region {region}"]
        if vault:
            vn = names.vault(vault.resource, region)
            role_res = next((topo.index.get(str(prop(sel, "iamRoleArn"))) for sel in topo.selections if prop(sel, "iamRoleArn")), None)
            role = names.role_arn(role_res, lang)
            kind = "db" if is_instance else "cluster"
            steps += [vn.lookup, role.lookup,
                      f"RP=$(aws backup list-recovery-points-by-backup-vault --backup-vault-name {vn.ref} "
                      f"--by-resource-arn \"arn:aws:rds:{region}:$ACCOUNT:{kind}:$DB\" --by-created-before "
                      "\"$RESTORE_TIME\" --query 'sort_by(RecoveryPoints[?Status==`COMPLETED`],&CreationDate)[-1]."
                      f"RecoveryPointArn' --output text --region {region})  # "
                      + _("the last complete recovery point before the damage"),
                      _cmd(f"aws backup get-recovery-point-restore-metadata --backup-vault-name {vn.ref} "
                           f"--recovery-point-arn \"$RP\" --query RestoreMetadata --region {region} > "
                           "restore-metadata.json", _("set {field} in it to a new name").format(
                               field="DBInstanceIdentifier" if is_instance else "DBClusterIdentifier")),
                      f"aws backup start-restore-job --recovery-point-arn \"$RP\" --iam-role-arn {role.ref} "
                      f"--metadata file://restore-metadata.json --region {region}"]
        steps.append("# " + _("then: point the application at the restored endpoint (update its configuration / secret) "
                              "and roll the ASG with an instance refresh; keep the damaged instance for forensics "
                              "(deletion protection is on)."))
        rules = ", ".join(_("{rule} every {interval} kept {days} days").format(
            rule=r.name, interval=_dur((r.interval_hours or 0) * 3600, lang), days=r.delete_after_days)
            for r in topo.backup_rules)
        out.append(Scenario(
            key="database",
            title=_("Database corruption or ransomware"),
            detection=_("Application errors, CloudWatch alarms on the database, GuardDuty/CloudTrail findings; an "
                        "operator decides."),
            automatic=_("Nothing is rolled back automatically. PITR window {days} days ({source}); AWS Backup rules: "
                        "{rules}. {lock}").format(days=db.retention_days, source=PITR_DOC, rules=rules or none,
                                                  lock=lock),
            rto=_("{low}-{high} min: the restore of {db} ({measured}); the restored instance takes the original "
                  "identifier, so the application reconnects to the same endpoint").format(
                low=restore_minutes(topo, db.identifier, lang)[0][0], high=restore_minutes(topo, db.identifier, lang)[0][1],
                db=db.identifier, measured=_("measured") if topo.config and topo.config.database.restoreMinutes
                else _("ASSUMED")),
            rto_basis=restore_minutes(topo, db.identifier, lang)[1],
            rpo=(_("{rpo} (point-in-time restore: transaction logs reach S3 every {minutes} min)").format(
                rpo=_dur(rpo_s, lang), minutes=PITR_LOG_UPLOAD_MINUTES) if rpo_s and (pitr or continuous)
                 else _dur(rpo_s, lang)),
            rto_seconds=restore_minutes(topo, db.identifier, lang)[0][1] * 60.0, rpo_seconds=rpo_s, steps=steps))

    # 5. leaked credentials
    roles = [r for r in topo.graph.of_type(IAM_ROLE)]
    detect = []
    if topo.graph.of_type(GUARDDUTY):
        detect.append(_("GuardDuty findings (e.g. {finding})").format(
            finding="UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration"))
    if topo.graph.of_type(CLOUDTRAIL):
        detect.append(_("CloudTrail (log file validation) for the calls made with the credentials"))
    steps = revoke_sessions_policy() if roles else []
    steps += [revoke_sessions(names.role_name(r)) for r in roles]
    if db is not None and dbn is not None and db.resource.type.endswith("Instance"):
        steps.append(dbn.lookup)
        steps.append(f"aws rds modify-db-instance --db-instance-identifier {dbn.ref} --manage-master-user-password "
                     f"--rotate-master-user-password --apply-immediately --region {region}")
    steps += ['LEAKED_USER=$(aws iam get-access-key-last-used --access-key-id "$LEAKED_KEY_ID" --query UserName '
              "--output text)",
              'aws iam update-access-key --user-name "$LEAKED_USER" --access-key-id "$LEAKED_KEY_ID" --status Inactive']
    out.append(Scenario(
        key="credentials",
        title=_("Leaked credentials"),
        detection="; ".join(detect) or _("No GuardDuty detector or CloudTrail trail in the graph: only manual reports."),
        automatic=_("Nothing: credentials are revoked by hand. Instances use an instance profile (temporary "
                    "credentials); the database master password is held by Secrets Manager."),
        rto=_("0 s of service interruption: the service keeps serving while the {count} steps below revoke the "
              "credentials (each takes effect when it has run)").format(count=len(steps)),
        rpo=(_("0 unless data was altered; then the database restore: {rpo}").format(
            rpo=_dur(PITR_LOG_UPLOAD_MINUTES * 60.0 if db is not None and db.retention_days else None, lang))
             if db is not None else _("0 (no database in the graph)")),
        rto_seconds=0.0, rpo_seconds=0.0, steps=steps))
    return out


def verify_steps(topo: Topology, stack: str, lang: Language | str | None = None) -> list[str]:
    """``siaga verify`` commands for what the stack runs: hosts built from the siaga baseline (SSM), and the
    pods of its siaga-managed Kubernetes workload on each cluster (kubectl)."""
    from siaga.verify.pods import pod_baseline_from_graph
    from siaga.verify.runner import VerifyError
    from siaga.verify.stack import settings_from_graph

    lang = as_language(lang)
    _ = lang.gettext
    steps: list[str] = []
    try:
        host = settings_from_graph(topo.graph)
        steps += [f"pulumi stack output --json --stack {stack} > outputs.json",
                  _cmd(f"siaga verify --stack {stack} --outputs outputs.json",
                       _("{service} hosts over SSM: audit, time, updates, no SSH, sysctls, service, TLS 1.2+, "
                         "redirect, health").format(service=host.service))]
    except VerifyError:
        pass
    domain = topo.graph.config.get("siaga:domain")
    if isinstance(domain, str) and domain:
        steps.append(_cmd(f"siaga verify --stack {stack} --public",
                          _("{url} from outside: certificate, redirect, TLS 1.2+ only, HSTS, health").format(
                              url=f"https://{domain}")))
    for r in topo.replications[:1]:
        steps.append(_cmd(f"siaga verify --stack {stack} --standby",
                          _("DMS task {task} running, {metric} under {seconds} s (the standby database is "
                            "current)").format(task=r.task_id, metric="CDCLatencyTarget",
                                               seconds=f"{r.latency_threshold_seconds or 0:.0f}")))
    try:
        pod = pod_baseline_from_graph(topo.graph)
        where_text = {"primary": _("{pods} pods on the primary cluster"), "standby": _("{pods} pods on the standby cluster")}
        steps += [_cmd(f'siaga verify --stack {stack} --backend kubectl --kube-context "${where.upper()}_KUBE_CONTEXT"',
                       where_text[where].format(pods=f"{pod.namespace}/{pod.app}")) for where in ("primary", "standby")]
    except VerifyError:
        pass
    return steps


def _terms_table(est: Estimate, lang: Language) -> list[str]:
    _ = lang.gettext
    rows = ["| " + " | ".join((_("Term"), _("Seconds"), _("Basis"))) + " |", "|---|---:|---|"]
    for t in est.terms:
        rows.append(f"| {term_name(lang, t)} | {t.seconds} | {term_basis(lang, t)} |")
    total = _("total ({direction})").format(direction=_(DIRECTIONS.get(est.direction, est.direction)))
    return rows + [f"| **{total}** | **{est.seconds}** | " + _("worst case") + " |"]


def failover_section(topo: Topology, lang: Language | str | None = None) -> list[str]:
    """How the whole-site figures are computed: every term of the failover and failback worst cases, and what they
    assume (components.failover_time.worst_case, the same function behind the stack output failoverSeconds)."""
    lang = as_language(lang)
    _ = lang.gettext
    est, back = topo.dns_failover_estimate(), topo.dns_failback_estimate()
    if est is None or back is None:
        return []
    lines = ["## " + _("DNS failover time: how it is computed"), "",
             _("Failover (the primary stops answering): {seconds} worst case.").format(
                 seconds=f"**{seconds(lang, est.seconds)}**"), ""] + _terms_table(est, lang)
    lines += ["", _("Failback (the primary answers again, the standby still healthy): {seconds} worst case.").format(
        seconds=f"**{seconds(lang, back.seconds)}**"), ""]
    lines += _terms_table(back, lang) + ["", _("Assumptions:"), ""]
    lines += [f"- {a}" for a in estimate_assumptions(lang, est)] + [""]
    return lines


ZONE_TYPE = "aws:route53/zone:Zone"
DELEGATION_DOC = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/MigratingDNS.html"
GO_ID_RULE = "https://jdih.kominfo.go.id/produk_hukum/300"
"""Permenkominfo 5/2015, Registrar Nama Domain Instansi Penyelenggara Negara: the Ministry is the registrar of an
agency's ``.go.id`` domain (one label under go.id); names below it are the agency's own to manage."""


@dataclass(frozen=True)
class Delegation:
    """Who puts the NS records of a hosted zone into its parent."""

    zone: str
    parent: str
    registrable: str | None
    """The ``.go.id`` domain the zone lies in (one label under go.id), None outside go.id."""

    @property
    def at_registrar(self) -> bool:
        """True when the zone is itself the registered ``.go.id`` domain: its NS records are set at the registrar."""
        return self.registrable == self.zone


def delegation_of(zone: str) -> Delegation:
    """``contoh.go.id`` is registered under go.id: the registrar sets its NS records; ``bapenda.sumbarprov.go.id``
    is a sub-zone of the agency's domain ``sumbarprov.go.id``: the NS records go into the parent zone
    ``sumbarprov.go.id`` (DNS delegation is a set of NS records in the parent zone, RFC 1034 section 4.2.2), which the
    agency holding that domain operates; the go.id registrar is not involved."""
    labels = zone.rstrip(".").lower().split(".")
    parent = ".".join(labels[1:])
    registrable = ".".join(labels[-3:]) if labels[-2:] == ["go", "id"] and len(labels) >= 3 else None
    return Delegation(zone=".".join(labels), parent=parent, registrable=registrable)


def _delegation_party(d: Delegation, lang: Language) -> list[str]:
    """The sentence naming who adds the NS records, and for a sub-zone what delegating it hands over."""
    _ = lang.gettext
    if d.at_registrar:
        return [_("Set the NS records of {zone} to these at the {suffix} registrar: {zone} is an agency domain "
                  "registered directly under {suffix}, whose registrar is the ministry for communication and digital "
                  "affairs ({rule}; the {registry} registry itself is PANDI).").format(
            zone=f"`{d.zone}`", suffix="`go.id`", registry="`.id`", rule=f"Permenkominfo 5/2015, {GO_ID_RULE}")]
    if d.registrable is not None:
        return [_("{zone} is a sub-zone of the agency domain {registrable}: it is delegated by NS records for "
                  "{zone} in its parent zone {parent}, added by whoever operates {parent} (the agency holding "
                  "{registrable}, or the unit it gave {parent} to); the {suffix} registrar is not involved "
                  "({rule}).").format(zone=f"`{d.zone}`", registrable=f"`{d.registrable}`", parent=f"`{d.parent}`",
                                      suffix="`go.id`", rule=f"Permenkominfo 5/2015, {GO_ID_RULE}"),
                "",
                _("Delegating {zone} hands every name under it to this stack's zone, not only the service: any "
                  "other record of {zone} (mail, other services) must be copied into this zone first, or stops "
                  "resolving. To keep the agency's zone where it is, set {key} to the id of an existing Route 53 zone "
                  "the agency operates for {zone} instead.").format(zone=f"`{d.zone}`",
                                                                     key="`siaga:dns.hostedZoneId`")]
    return [_("Set the NS records of {zone} to these in its parent zone {parent}: at its registrar when {zone} is a "
              "registered domain, else with whoever operates {parent}.").format(zone=f"`{d.zone}`",
                                                                                  parent=f"`{d.parent}`")]


def delegation_section(topo: Topology, lang: Language | str | None = None) -> list[str]:
    """The one step outside AWS: the parent of the stack's public zone must delegate to its name servers, or ACM
    cannot validate the certificate (no HTTPS listener) and the public never sees the failover records. The name
    servers are Route 53's choice at creation: shown only as the deployment gives them (``--outputs``/``--state``),
    else as known after ``pulumi up``."""
    lang = as_language(lang)
    _ = lang.gettext
    zones = [z for z in topo.graph.of_type(ZONE_TYPE) if names.explicit(z, "name") and not prop(z, "vpcs")]
    record_zones = sorted({r.zone_id for r in topo.failover if r.zone_id != "?"})
    if not zones and not record_zones:
        return []
    lines = ["## " + _("DNS delegation (once, by the agency)"), ""]
    if zones:
        for z in zones:
            zname = str(names.explicit(z, "name")).rstrip(".")
            servers = [str(x) for x in (prop(z, "nameServers") or [])]
            lines += [_("This stack creates the public hosted zone {zone}; the certificate's DNS validation record and "
                        "the failover records are in it. Public DNS reaches it only once the parent of {zone} lists its "
                        "name servers (stack output {output}):").format(zone=f"`{zname}`", output="`nameServers`"), ""]
            shown = [topo.facts.show(ns, lang, code=True) for ns in servers]
            if shown and all(topo.facts.is_invented(ns) and topo.facts.real(ns) is None for ns in servers):
                shown = []  # one note for the four, not four times the same note
            lines += [f"- {ns}" for ns in shown] or [
                "- " + _("(assigned by Route 53 at creation: {command})").format(
                    command="`pulumi stack output nameServers`")]
            lines += ["", *_delegation_party(delegation_of(zname), lang), "",
                      _("If the domain already has records at another DNS provider, copy them into the zone first. "
                        "Until the delegation is in place ACM cannot validate the certificate, so the HTTPS listener "
                        "cannot be created: run {target} on the zone first, delegate, then run the full {up} "
                        "({source}).").format(target="`pulumi up --target`", up="`pulumi up`",
                                              source=DELEGATION_DOC), "", "```sh",
                      f"pulumi up --target '{z.urn}'   # " + _("the zone alone, before the certificate waits for it"),
                      "pulumi stack output nameServers",
                      f"dig NS {zname} +short   # " + _("must print the same name servers as the line above"),
                      "```", ""]
    else:
        lines += [_("The failover records are in the existing hosted zone {zones} (adopted, not created): its parent "
                    "must already delegate to its name servers (stack output {output}); check with {check} and {dig} "
                    "({source}).").format(
            zones=", ".join(record_zones), output="`nameServers`",
            check=f"`aws route53 get-hosted-zone --id {record_zones[0]}`",
            dig="`dig NS <" + _("zone name") + "> +short`", source=DELEGATION_DOC), ""]
    return lines


def contacts_section(topo: Topology, lang: Language) -> list[str]:
    """The contacts in escalation order (the order of ``siaga:alertContacts``), each with phone and when to call the
    next; a contact without a phone is flagged: when e-mail or the network is down, a phone is how TTIS is reached."""
    _ = lang.gettext
    lines = ["## " + _("Contacts and escalation"), ""]
    contacts = topo.config.alertContacts if topo.config else []
    if not contacts:
        return lines + [_("No alert contacts in the stack config ({key}).").format(key="siaga:alertContacts"), ""]
    lines += [_("Call in this order; when a contact does not answer within the time in the last column, call the "
                "next one."), "",
              "| " + " | ".join(("#", _("Name"), _("Role"), _("E-mail"), _("Phone"), _("Next contact after"))) + " |",
              "|---:|---|---|---|---|---|"]
    for i, c in enumerate(contacts, 1):
        phone = c.phone or _("NOT SET") + " (siaga:alertContacts[].phone)"  # plain: a PDF table cell
        after = _("{minutes} min without an answer").format(minutes=c.escalateAfterMinutes) if i < len(contacts) \
            else _("last in the list")
        cell = [str(x).replace("|", "\\|") for x in (c.name, c.role, c.email)]
        lines.append(f"| {i} | {cell[0]} | {cell[1]} | {cell[2]} | {phone} | {after} |")
    if len(contacts) == 1:
        lines += ["", _("Only one contact: nobody to escalate to. Add the next level (head of the ICT unit) to {key}.")
                  .format(key="`siaga:alertContacts`")]
    return lines + [""]


def render_markdown(topo: Topology, stack: str, budget_md_name: str = "availability.md",
                    diagram_name: str = "architecture.png", lang: Language | str | None = None,
                    control: list[str] | None = None) -> str:
    """The DRP in ``lang`` (a Language or its code; English when not given). ``control``: the document control block
    (siaga/documents/control.py) placed under the title."""
    lang = as_language(lang)
    _ = lang.gettext
    g = topo.graph
    region = _region(topo)
    none = _("none")
    lines = ["# " + _("Disaster Recovery Plan - {stack}").format(stack=stack), "", *(control or []),
             _("Generated from the resource graph of {project} ({count} resources). Every figure below is computed "
               "from the stack's settings; regenerate with {command} after any change.").format(
                 project=f"`{g.project}/{g.stack}`", count=len(g.resources),
                 command=f"`siaga report --stack {stack}`"),
             "", "## " + _("Architecture"), "",
             "![" + _("architecture") + f"]({diagram_name})", "",
             "- " + _("Region: {region}; Availability Zones used: {zones}").format(
                 region=region, zones=", ".join(topo.zones) or none),
             "- " + _("Application: {tiers}").format(tiers="; ".join(
                 _("{name} over {count} AZ ({zones})").format(name=a.name, count=len(z), zones=", ".join(z))
                 for a, z in topo.asgs) or none),
             "- " + _("Load balancer: {balancers}").format(balancers="; ".join(
                 _("{name} over {count} AZ").format(name=lb.name, count=len(z)) for lb, z in topo.lbs) or none),
             "- " + _("NAT gateways: {count} in {zones}").format(count=len(topo.nats),
                                                               zones=", ".join(topo.nat_zones()) or none),
             "- " + _("Database: {databases}").format(databases="; ".join(
                 (_("{name} ({kind}, {zones}, backups {days} days, encrypted)") if d.encrypted else
                  _("{name} ({kind}, {zones}, backups {days} days, NOT encrypted)")).format(
                     name=d.identifier, kind=d.kind, zones=", ".join(d.zones), days=d.retention_days)
                 for d in topo.databases) or none),
             "- " + _("Backup vaults: {vaults}").format(vaults="; ".join(
                 _("{name} (lock min {days} days)").format(name=v.name, days=v.lock_min_days) if v.lock_min_days
                 else _("{name} (no lock)").format(name=v.name) for v in topo.vaults) or none),
             ]
    p, s = topo.primary, topo.secondary
    if p and s:
        lines.append("- " + _("DNS failover: {name} PRIMARY -> {primary}; SECONDARY -> {secondary}").format(
            name=p.name, primary=topo.facts.show(p.target, lang), secondary=topo.facts.show(s.target, lang)))
    lines += ["", "## " + _("Recovery objectives"), "",
              # the id catalog spells the objectives out once, here: RTO (target waktu pemulihan), RPO (...)
              "| " + " | ".join((_("Failure"), _("RTO"), _("RPO"))) + " |", "|---|---|---|"]
    scs = scenarios(topo, lang)
    for sc in scs:
        rto = _("{rto}; capacity right after: {capacity}").format(rto=sc.rto, capacity=sc.capacity) if sc.capacity else sc.rto
        lines.append(f"| {sc.title} | {rto} | {sc.rpo} |")
    lines += ["", _("See also the availability budget: {link}.").format(link=f"[{budget_md_name}]({budget_md_name})"), ""]
    for i, sc in enumerate(scs, 1):
        lines += [f"## {i}. {sc.title}", "", "**" + _("Detection.") + f"** {sc.detection}", "",
                  "**" + _("Automatic.") + f"** {sc.automatic}", "", f"**RTO:** {sc.rto}  ", f"**RPO:** {sc.rpo}", ""]
        if sc.rto_basis:
            lines[-1:-1] = ["", "**" + _("Basis of the RTO:") + f"** {sc.rto_basis}"]
        if sc.capacity:
            lines[-1:-1] = ["**" + _("Capacity right after the failure:") + f"** {sc.capacity}  "]
        if sc.steps:
            lines += ["**" + _("Manual steps") + "**", "", "```sh"] + sc.steps + ["```", ""]
    lines += failover_section(topo, lang) + delegation_section(topo, lang)
    checks = verify_steps(topo, stack, lang)
    if checks:
        lines += ["## " + _("Verify after every recovery and drill"), "",
                  _("Run the post-deploy checks against what now serves traffic (and against the recovered side once "
                    "it is back); exit 0 means every check passed, 1 names the failed checks per host."), "",
                  "```sh"] + checks + ["```", ""]
    lines += security_sections(g, lang)  # TTIS: identification, containment, eradication, recovery
    lines += contacts_section(topo, lang)
    lines += ["## " + _("Sources"), "", "- " + _("Route 53 health checks: {url}").format(url=R53_DOC),
              "- " + _("RDS point-in-time restore: {url}").format(url=PITR_DOC),
              "- " + _("ALB target-group health checks: {url}").format(url=TG_DOC)]
    lines += [f"- {k}: {failover_source(k, _)}" for k in FAILOVER_DOCS] + [""]
    # the operator's inputs, listed before the first section that runs a command (runbook_inputs.py)
    first = lines.index("## " + _("Architecture"))
    lines[first:first] = inputs_section("\n".join(lines), lang)
    return italicise("\n".join(lines), lang)

"""LoadBalancedCluster in the jakarta-prod reference stack: spans every AZ, TLS only, IMDSv2, encrypted."""

from __future__ import annotations

import base64
import json

import pytest

from components.cluster import TLS_POLICY
from components.userdata import settings_from_user_data
from siaga.engine import EngineError, Graph, run_program, run_stack
from siaga.engine.model import Resource, plain


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_stack("jakarta-prod")


def _subnets_by_id(graph: Graph, tier: str) -> dict[str, str]:
    return {r.id: r.inputs["availabilityZoneId"] for r in graph.of_type("aws:ec2/subnet:Subnet")
            if r.inputs.get("tags", {}).get("siaga:tier") == tier}


def test_alb_and_asg_span_every_az(graph: Graph) -> None:
    alb = graph.of_type("aws:lb/loadBalancer:LoadBalancer")[0].plain_inputs()
    public = _subnets_by_id(graph, "public")
    assert sorted(public[s] for s in alb["subnets"]) == ["apse3-az1", "apse3-az2", "apse3-az3"]
    assert alb["enableDeletionProtection"] and alb["dropInvalidHeaderFields"] and alb["accessLogs"]["enabled"]
    asg = graph.of_type("aws:autoscaling/group:Group")[0].plain_inputs()
    private = _subnets_by_id(graph, "private")
    assert sorted(private[s] for s in asg["vpcZoneIdentifiers"]) == ["apse3-az1", "apse3-az2", "apse3-az3"]
    assert asg["minSize"] >= 3 and asg["healthCheckType"] == "ELB"
    assert asg["instanceRefresh"]["preferences"]["minHealthyPercentage"] == 100


def test_listeners_tls_only_and_http_redirects(graph: Graph) -> None:
    listeners = {r.inputs["port"]: r.plain_inputs() for r in graph.of_type("aws:lb/listener:Listener")}
    assert listeners[443]["sslPolicy"] == TLS_POLICY and listeners[443]["protocol"] == "HTTPS"
    assert [a["type"] for a in listeners[80]["defaultActions"]] == ["redirect"]
    assert listeners[80]["defaultActions"][0]["redirect"]["protocol"] == "HTTPS"


def test_launch_template_imdsv2_and_encrypted_root_with_stack_key(graph: Graph) -> None:
    lt = graph.of_type("aws:ec2/launchTemplate:LaunchTemplate")[0].plain_inputs()
    assert lt["metadataOptions"]["httpTokens"] == "required"
    ebs = lt["blockDeviceMappings"][0]["ebs"]
    ebs_key = graph.get("aws:kms/key:Key", "keys-ebs") if any(
        r.name == "keys-ebs" for r in graph.of_type("aws:kms/key:Key")) else None
    assert ebs["encrypted"] == "true" and ebs["volumeType"] == "gp3"
    keys = {r.outputs["arn"] for r in graph.of_type("aws:kms/key:Key")}
    assert ebs["kmsKeyId"] in keys
    if ebs_key is not None:
        assert ebs["kmsKeyId"] == ebs_key.outputs["arn"]
    baseline = settings_from_user_data(base64.b64decode(lt["userData"]))
    assert baseline is not None and baseline.app_port == 8080 and baseline.health_path == "/healthz"


def test_instances_reachable_only_from_the_alb(graph: Graph) -> None:
    app_sg = next(r for r in graph.of_type("aws:ec2/securityGroup:SecurityGroup") if r.name == "cluster-app")
    rules = [r.plain_inputs() for r in graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if plain(r.inputs["securityGroupId"]) == app_sg.id]
    alb_sg = next(r for r in graph.of_type("aws:ec2/securityGroup:SecurityGroup") if r.name == "cluster-alb")
    assert rules and all(r.get("referencedSecurityGroupId") == alb_sg.id for r in rules)
    assert not any(r.get("cidrIpv4") for r in rules)


# ---- behaviour: how the pieces work together (issue 13) ------------------------------------------------------

FIXTURE = "tests/fixtures/programs/cluster_db"
CERT_ARN = "arn:aws:acm:ap-southeast-3:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef"


def _deps(r: Resource, prop: str) -> list[str]:
    return r.options.propertyDependencies.get(prop, [])


def _https(g: Graph) -> Resource:
    return next(r for r in g.of_type("aws:lb/listener:Listener") if plain(r.inputs.get("port")) == 443)


@pytest.fixture(scope="module")
def fixture_graph() -> Graph:
    return run_program(FIXTURE, stack="dev")


@pytest.mark.parametrize("which", ["reference", "fixture"])
def test_asg_runs_the_templates_latest_version_so_a_new_version_starts_the_refresh(
        graph: Graph, fixture_graph: Graph, which: str) -> None:
    g = graph if which == "reference" else fixture_graph
    (asg,) = g.of_type("aws:autoscaling/group:Group")
    (lt,) = g.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    spec = asg.plain_inputs()["launchTemplate"]
    assert lt.urn in _deps(asg, "launchTemplate"), "the group's launchTemplate does not come from the template"
    assert spec["id"] == lt.id
    # the version is the template's latestVersion output (a number that changes with every new version), so the
    # provider sees launch_template change and starts the Rolling refresh; "$Latest" never changes
    assert spec["version"] != "$Latest"
    assert spec["version"] == str(int(lt.outputs["latestVersion"]))
    refresh = asg.plain_inputs()["instanceRefresh"]
    assert refresh["strategy"] == "Rolling" and refresh["preferences"]["minHealthyPercentage"] == 100


@pytest.mark.parametrize("which", ["reference", "fixture"])
def test_https_listener_waits_for_the_dns_validation_in_the_stacks_zone(
        graph: Graph, fixture_graph: Graph, which: str) -> None:
    g = graph if which == "reference" else fixture_graph
    by_urn = g.by_urn()
    listener = _https(g)
    (validation,) = g.of_type("aws:acm/certificateValidation:CertificateValidation")
    (cert,) = g.of_type("aws:acm/certificate:Certificate")
    assert _deps(listener, "certificateArn") == [validation.urn], "the listener's certificate is not the validated one"
    assert cert.urn in _deps(validation, "certificateArn")
    (record_urn,) = _deps(validation, "validationRecordFqdns")
    record = by_urn[record_urn]
    dvo = cert.outputs["domainValidationOptions"][0]
    assert plain(record.inputs["name"]) == dvo["resourceRecordName"]
    assert plain(record.inputs["records"]) == [dvo["resourceRecordValue"]]
    # the record is written in the zone the stack's failover records live in
    zone_urns = _deps(record, "zoneId")
    (zone,) = g.of_type("aws:route53/zone:Zone")
    assert zone_urns == [zone.urn]
    assert cert.inputs["domainName"].endswith("." + zone.inputs["name"])
    if which == "reference":
        (primary,) = [r for r in g.of_type("aws:route53/record:Record") if plain(r.inputs.get("setIdentifier")) == "primary"]
        assert _deps(primary, "zoneId") == [zone.urn]


def test_an_existing_certificate_is_used_as_is_and_none_is_created() -> None:
    g = run_stack("jakarta-prod", overrides={"siaga:cluster": json.dumps({"certificateArn": CERT_ARN})})
    assert not g.of_type("aws:acm/certificate:Certificate")
    assert not g.of_type("aws:acm/certificateValidation:CertificateValidation")
    assert plain(_https(g).inputs["certificateArn"]) == CERT_ARN


def test_no_zone_and_no_certificate_is_one_clear_line() -> None:
    with pytest.raises(EngineError) as err:
        run_program(FIXTURE, stack="dev", overrides={"fixture:zone": "false"})
    text = str(err.value)
    assert "\n" not in text.strip()
    assert "no hosted zone to validate the certificate for layanan.contoh.go.id" in text
    assert "siaga:cluster.certificateArn" in text
    ok = run_program(FIXTURE, stack="dev", overrides={"fixture:zone": "false", "fixture:certificateArn": CERT_ARN})
    assert plain(_https(ok).inputs["certificateArn"]) == CERT_ARN


@pytest.mark.parametrize("value, allowed", [
    ("arn:aws:acm:us-east-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef", "in the stack's region"),
    ("not-an-arn", "an ACM certificate ARN"),
])
def test_bad_certificate_arn_is_one_line(value: str, allowed: str) -> None:
    with pytest.raises(EngineError) as err:
        run_stack("jakarta-prod", overrides={"siaga:cluster": json.dumps({"certificateArn": value})})
    text = str(err.value)
    assert "\n" not in text.strip() and "siaga:cluster.certificateArn" in text and allowed in text and value in text


def _az_of(g: Graph, subnet_ids: list[str]) -> list[str]:
    zones = {r.id: r.inputs["availabilityZoneId"] for r in g.of_type("aws:ec2/subnet:Subnet")}
    return [zones[s] for s in subnet_ids]


@pytest.mark.parametrize("azs, need, per_az", [(3, 2, 1), (3, 4, 2), (3, 5, 3), (2, 2, 2)])
def test_losing_one_az_keeps_the_capacity_the_service_needs(azs: int, need: int, per_az: int) -> None:
    g = run_program(FIXTURE, stack="dev", overrides={"fixture:azCount": str(azs), "fixture:minCapacity": str(need)})
    (asg,) = g.of_type("aws:autoscaling/group:Group")
    i = asg.plain_inputs()
    zones = _az_of(g, i["vpcZoneIdentifiers"])
    assert len(set(zones)) == azs
    # the ASG balances evenly but keeps no per-AZ minimum: what survives is minSize minus the largest AZ's share
    largest_share = -(-int(i["minSize"]) // azs)
    surviving = int(i["minSize"]) - largest_share
    assert surviving >= need, f"minSize {i['minSize']} over {azs} AZs leaves {surviving} < {need} after an AZ loss"
    assert int(i["minSize"]) == per_az * azs and int(i["desiredCapacity"]) == int(i["minSize"])
    out = g.exports["azLoss"]
    assert out["instancesAfterAzLoss"] == surviving and out["requiredInstances"] == need
    assert out["fullCapacityAfterAzLoss"] is True and out["replacementBootSeconds"] == 600
    (comp,) = [r for r in g.resources if r.type == "siaga:aws:LoadBalancedCluster"]
    assert comp.outputs["azLoss"] == out


def test_drp_az_row_states_the_capacity_computed_from_the_graph() -> None:
    from siaga.documents import availability, drp
    from siaga.documents.topology import analyse

    topo = analyse(run_stack("jakarta-prod", overrides={"siaga:cluster": json.dumps({"minCapacity": 4})}))
    (asg,) = topo.graph.of_type("aws:autoscaling/group:Group")
    assert plain(asg.inputs["minSize"]) == 6  # ceil(4 / (3 - 1)) = 2 per AZ
    text = drp.render_markdown(topo, "jakarta-prod")
    row = next(line for line in text.splitlines() if line.startswith("| Loss of one Availability Zone |"))
    assert "cluster-asg: 4 of 6 instances (full capacity: the service needs 4)" in row
    budget = availability.budget(topo)
    assert any("4 of 6 instances keep serving in the other 2 AZs" in a and "~10 min" in a for a in budget.az_loss)
    az = {s.title: s for s in drp.scenarios(topo)}["Loss of one Availability Zone"]
    assert az.capacity in row


def test_reduced_capacity_is_stated_with_its_duration() -> None:
    from components.config import AzSizing

    sizing = AzSizing.observed(min_size=3, az_count=3, required=3, boot_seconds=600)
    assert sizing.surviving == 2 and sizing.full_capacity_kept is False
    assert "2 of 3 instances" in sizing.describe() and "66 %" in sizing.describe() and "~10 min" in sizing.describe()


@pytest.mark.parametrize("stack, production", [("jakarta-prod", True), ("jakarta-staging", False)])
def test_only_production_is_locked_against_tear_down(stack: str, production: bool) -> None:
    g = run_stack(stack)
    (alb,) = g.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert alb.plain_inputs()["enableDeletionProtection"] is production
    bucket_name = plain(alb.inputs["accessLogs"])["bucket"]
    (bucket,) = [b for b in g.of_type("aws:s3/bucketV2:BucketV2") if plain(b.inputs.get("bucket")) == bucket_name]
    assert bool(bucket.plain_inputs().get("forceDestroy")) is not production
    (db,) = g.of_type("aws:rds/instance:Instance")
    i = db.plain_inputs()
    assert i["deletionProtection"] is production
    assert i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"]  # a final snapshot either way


def test_autoscaling_role_arn_is_the_groups_service_linked_role(fixture_graph: Graph) -> None:
    (asg,) = fixture_graph.of_type("aws:autoscaling/group:Group")
    assert asg.plain_inputs().get("serviceLinkedRoleArn") is None  # default: AWSServiceRoleForAutoScaling
    role = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_siaga"
    g = run_program(FIXTURE, stack="dev", overrides={"fixture:autoscalingRoleArn": role})
    (asg,) = g.of_type("aws:autoscaling/group:Group")
    assert asg.plain_inputs()["serviceLinkedRoleArn"] == role

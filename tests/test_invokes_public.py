"""The invokes public Pulumi Python programs call (read in pulumi/examples: aws-py-voting-app, aws-py-langserve,
aws-py-fargate, aws-py-eks, aws-py-hub-and-spoke-network, aws-py-static-website) are answered plausibly in the asked
region, used as those programs use them; an unknown invoke token gets exactly one warning per run."""

from __future__ import annotations

import base64

import pytest

from siaga.engine import invokes, run_program
from siaga.engine.model import Graph
from tests.conftest import PROGRAMS

NEW_TOKENS = [
    "aws:ecr/getAuthorizationToken:getAuthorizationToken", "aws:ecr/getCredentials:getCredentials",
    "aws:ecr/getRepository:getRepository", "aws:ecr/getRepositories:getRepositories", "aws:ec2/getSubnet:getSubnet",
    "aws:ec2/getSecurityGroup:getSecurityGroup", "aws:ec2/getAmiIds:getAmiIds", "aws:iam/getRole:getRole",
    "aws:iam/getPolicy:getPolicy", "aws:kms/getKey:getKey", "aws:secretsmanager/getSecret:getSecret",
    "aws:secretsmanager/getSecretVersion:getSecretVersion", "aws:eks/getCluster:getCluster",
    "aws:lb/getLoadBalancer:getLoadBalancer", "aws:ec2/getVpc:getVpc", "aws:ec2/getSubnets:getSubnets",
]
GLOBAL = {"aws:iam/getRole:getRole", "aws:iam/getPolicy:getPolicy", "aws:ecr/getRepositories:getRepositories",
          "aws:ec2/getAmiIds:getAmiIds", "aws:ec2/getSubnets:getSubnets"}
"""IAM is global (no region in its ARNs); list answers carry only ids."""


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(PROGRAMS / "public_invokes", stack="dev")


def test_ecr_tokens_decode_as_the_programs_decode_them(graph: Graph) -> None:
    assert graph.exports["registry"] == {"server": "https://123456789012.dkr.ecr.ap-southeast-3.amazonaws.com",
                                         "user": "AWS"}
    assert graph.exports["tokenUser"] == "AWS"
    token = invokes.answer("aws:ecr/getAuthorizationToken:getAuthorizationToken", {"registryId": "210987654321"})
    assert token is not None
    user, password = base64.b64decode(token["authorizationToken"]).decode().split(":")
    assert (user, password) == ("AWS", token["password"]) and token["proxyEndpoint"].startswith("https://210987654321.")


def test_default_vpc_subnets_and_amis_feed_the_resources(graph: Graph) -> None:
    assert graph.exports["vpcCidr"] == "172.31.0.0/16" and graph.exports["subnetCount"] == 3
    lb = graph.get("aws:lb/loadBalancer:LoadBalancer", "app-lb")
    assert len(lb.inputs["subnets"]) == 3 and len(set(lb.inputs["subnets"])) == 3
    assert graph.get("aws:ec2/securityGroup:SecurityGroup", "web").inputs["vpcId"] == "vpc-0default00000000"
    assert graph.exports["firstSubnetAz"] == "ap-southeast-3a"
    assert graph.get("aws:ec2/instance:Instance", "probe").inputs["ami"].startswith("ami-")
    assert graph.exports["amiIds"] == ["ami-0a1b2c3d4e5f60718"]
    assert graph.exports["zones"] == ["ap-southeast-3a", "ap-southeast-3b", "ap-southeast-3c"]
    assert not graph.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")  # a fresh account has no repositories


def test_identity_dns_keys_secrets_and_clusters(graph: Graph) -> None:
    e = graph.exports
    assert (e["region"], e["partition"], e["account"]) == ("ap-southeast-3", "amazonaws.com", "123456789012")
    assert e["zoneId"] == "Z0123456789ABCDEFGHIJ"
    assert e["roleArn"] == "arn:aws:iam::123456789012:role/deployer"
    assert e["keyArn"].startswith("arn:aws:kms:ap-southeast-3:123456789012:key/") and "alias" not in e["keyArn"]
    assert e["secretArn"].startswith("arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:db-credentials-")
    assert e["secretStage"] == ["AWSCURRENT"]
    assert e["clusterEndpoint"].endswith(".gr7.ap-southeast-3.eks.amazonaws.com")
    assert e["lbDns"].endswith(".ap-southeast-3.elb.amazonaws.com")
    assert '"Service": "cloudfront.amazonaws.com"' in e["policyJson"]
    assert e["repoUrl"] == "123456789012.dkr.ecr.ap-southeast-3.amazonaws.com/base-images"
    assert e["defaultSg"].startswith("sg-") and e["policyArn"] == "ReadOnlyAccess"
    assert e["certStatus"] == "ISSUED" and e["amiParam"].startswith("ami-")
    # "For AWS Regions opened since Jakarta (ap-southeast-3) in December 2021 ... a service principal name should be
    # used instead of an AWS account ID" (https://www.pulumi.com/registry/packages/aws/api-docs/elb/getserviceaccount/)
    assert e.get("elbAccount", "") == ""


def test_one_warning_per_unanswered_token(graph: Graph) -> None:
    unanswered = [w for w in graph.warnings if "is not known to the offline engine" in w]
    assert unanswered == [
        "invoke aws:mq/getBroker:getBroker is not known to the offline engine: answered with an empty result",
        "invoke aws:mq/getInstanceTypeOfferings:getInstanceTypeOfferings is not known to the offline engine: "
        "answered with an empty result"]


@pytest.mark.parametrize("token", NEW_TOKENS)
def test_each_answer_is_in_the_asked_region(token: str) -> None:
    args = {"name": "x", "id": "subnet-01", "keyId": "k", "secretId": "s", "registryId": "123456789012"}
    asked = invokes.answer(token, dict(args), "ap-southeast-1")
    home = invokes.answer(token, dict(args), "ap-southeast-3")
    assert asked is not None and home is not None and "id" in asked
    text_asked, text_home = str(asked), str(home)
    if token not in GLOBAL:
        assert "ap-southeast-1" in text_asked and "ap-southeast-3" not in text_asked
        assert "ap-southeast-3" in text_home
    # a per-call region wins over the provider's
    if token not in GLOBAL:
        assert "eu-west-1" in str(invokes.answer(token, {**args, "region": "eu-west-1"}, "ap-southeast-3"))


def test_get_vpc_by_id_is_that_vpc_not_the_default() -> None:
    by_id = invokes.answer("aws:ec2/getVpc:getVpc", {"id": "vpc-0abc"}, "ap-southeast-3")
    assert by_id is not None and by_id["id"] == "vpc-0abc" and by_id["default"] is False

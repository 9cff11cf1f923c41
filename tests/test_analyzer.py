"""The offline analyzer drives CrossGuard packs like the Pulumi CLI: call order, config, encoding, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from siaga.analyzer import AnalysisResult, AnalyzerError, analyze
from siaga.analyzer.encode import engine_value, go_duration_seconds
from siaga.engine import Graph, run_program
from siaga.engine.model import RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN
from tests.conftest import PROGRAMS, REPO

PACKS = REPO / "tests" / "fixtures" / "packs"
CHECK_PACK = PACKS / "check_pack"
PROBE_PACK = PACKS / "probe_pack"
BUCKET = "aws:s3/bucketV2:BucketV2"


@pytest.fixture(scope="module")
def violation() -> Graph:
    return run_program(PROGRAMS / "check_violation", stack="dev")


@pytest.fixture(scope="module")
def thirdparty() -> Graph:
    return run_program(PROGRAMS / "thirdparty", stack="dev")


@pytest.fixture(scope="module")
def result(violation: Graph) -> AnalysisResult:
    return analyze(violation, packs=[CHECK_PACK])


def _keys(findings) -> set[tuple[str, str | None]]:
    return {(f.policy, f.name) for f in findings}


def test_known_violations_with_levels_sources_and_metadata(result: AnalysisResult, violation: Graph) -> None:
    assert _keys(result.mandatory) == {("bucket-prefix", "bad"), ("buckets-protected", "bad"), ("provider-region", "db")}
    assert _keys(result.advisory) == {("queue-encrypted", "plain"), ("owner-tag", "plain")}
    prefix = next(f for f in result.findings if f.policy == "bucket-prefix")
    assert prefix.pack == "check-pack" and prefix.pack_version == "1.2.3"  # version from PulumiPolicy.yaml
    assert prefix.message == "bucket 'legacy-bad' must start with 'siaga-'"  # description prefix stripped
    assert prefix.description == "Buckets are named with the agency prefix."
    assert prefix.severity == "high" and prefix.frameworks == ["PP 71/2019 2019", "naming"]
    assert prefix.remediation == "Rename the bucket so it starts with the prefix."
    assert prefix.urn == violation.get(BUCKET, "bad").urn and prefix.type == BUCKET
    line = (PROGRAMS / "check_violation" / "__main__.py").read_text().splitlines()[prefix.source.line - 1]
    assert prefix.source.file == "__main__.py" and 'BucketV2("bad"' in line
    # the provider resource's inputs reach the policy; numbers arrive as floats like from the CLI
    region = next(f for f in result.findings if f.policy == "provider-region")
    assert "'ap-southeast-1'" in region.message and "allocatedStorage=20.0" in region.message
    assert not result.errors and result.resources == len(violation.resources)


def test_policies_evaluated_and_not_applicable(result: AnalysisResult, violation: Graph) -> None:
    info = {p.name: p for p in result.policies}
    assert info["bucket-prefix"].config == {"prefix": "siaga-"}  # schema default sent in Configure
    assert info["buckets-protected"].policy_type == "stack" and info["explode"].enforcement == "advisory"
    buckets = {r.urn for r in violation.of_type(BUCKET)}
    assert set(result.evaluated["check-pack/bucket-prefix"]) == buckets
    assert len(result.not_applicable["check-pack/bucket-prefix"]) == len(violation.resources) - len(buckets)
    assert result.evaluated["check-pack/buckets-protected"] == [""]
    # stack, components and providers (the synthesised default too) are analyzed
    assert len(result.evaluated["check-pack/queue-encrypted"]) == len(violation.resources)


def test_config_file_all_then_policy_entries(violation: Graph, tmp_path: Path) -> None:
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps({"all": "advisory", "bucket-prefix": {"prefix": "legacy-"},
                               "provider-region": {"enforcementLevel": "disabled"}}))
    res = analyze(violation, packs=[CHECK_PACK], policy_config=cfg)
    prefix = [f for f in res.findings if f.policy == "bucket-prefix"]
    assert [(f.name, f.enforcement) for f in prefix] == [("good", "advisory")]
    assert not res.mandatory and not [f for f in res.findings if f.policy == "provider-region"]
    assert "check-pack/provider-region" not in res.evaluated


@pytest.mark.parametrize(("config", "needle"), [
    ({"bucket-prefix": {"prefix": 5}}, "'bucket-prefix' setting prefix: 5 is not of type 'string'"),
    ({"bucket-prefix": "blocking"}, "bucket-prefix = 'blocking': enforcement level must be one of"),
    ({"explode": 3}, "explode = 3: expected an enforcement level"),
])
def test_bad_policy_config_is_one_clear_line(violation: Graph, config: dict, needle: str) -> None:
    with pytest.raises(AnalyzerError) as info:
        analyze(violation, packs=[CHECK_PACK], policy_config=config)
    assert needle in str(info.value) and "\n" not in str(info.value)


def _pack_processes(pack: Path) -> list[int]:
    """Pack servers of ``pack`` that are children of this (test) process (other xdist workers excluded)."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if b"pulumi.policy" in cmd and str(pack).encode() in cmd and ppid == os.getpid():
            pids.append(int(pid))
    return pids


def test_policy_exception_is_an_error_finding_and_other_policies_still_run(violation: Graph) -> None:
    res = analyze(violation, packs=[CHECK_PACK], policy_config={"explode": {"raiseOn": ["aws:sqs/queue:Queue"]}})
    errors = res.errors
    assert _keys(errors) == {("explode", "plain"), ("explode", "jobs")}
    assert all(f.enforcement == "mandatory" and "explode: refusing" in f.message for f in errors)
    # the policies after the raising one were still evaluated on the same resources
    assert ("queue-encrypted", "plain") in _keys(res.findings) and ("owner-tag", "plain") in _keys(res.findings)
    assert not _pack_processes(CHECK_PACK.resolve())


def test_remediate_feeds_forward_into_analyze(violation: Graph) -> None:
    res = analyze(violation, packs=[CHECK_PACK], policy_config={"owner-tag": "remediate"})
    remediated = [f for f in res.findings if f.enforcement == "remediate"]
    assert _keys(remediated) == {("owner-tag", "plain")} and "tags" in remediated[0].message
    assert ("owner-tag", "plain") not in _keys(res.advisory + res.mandatory)


def test_what_policies_receive_matches_the_engine(thirdparty: Graph) -> None:
    res = analyze(thirdparty, packs=[PROBE_PACK])
    seen = {json.loads(f.message)["name"]: json.loads(f.message) for f in res.findings if f.policy == "echo-resource"}
    assert set(seen) == {r.name for r in thirdparty.resources}  # stack, components, providers included
    bucket = seen["assets-bucket"]
    assert bucket["protect"] is True and bucket["props"] == {"bucket": "shop-assets"}
    assert bucket["parent"] == thirdparty.get("thirdparty:index:Storage", "assets").urn
    assert bucket["provider"]["name"] == "default_7_51_1"
    assert bucket["provider"]["props"] == {"region": "ap-southeast-3", "version": "7.51.1"}
    assert seen["offshore"]["provider"]["props"]["region"] == "ap-southeast-1"
    assert seen["suffix"]["props"]["length"] == 6.0 and isinstance(seen["suffix"]["props"]["length"], float)
    # initialConfig reaches get_config() because Configure is always sent
    assert bucket["config"] == {"mark": "initial"}
    env = bucket["env"]
    assert env["PULUMI_PROJECT"] == "thirdparty" and env["PULUMI_STACK"] == "dev" and env["PULUMI_DRY_RUN"] == "false"
    assert json.loads(env["PULUMI_CONFIG"])["thirdparty:prefix"] == "shop"
    assert Path(bucket["cwd"]) == PROBE_PACK.resolve()

    stack_view = json.loads(next(f.message for f in res.findings if f.policy == "echo-stack"))
    by_urn = {r["urn"]: r for r in stack_view}
    assert len(by_urn) == len(thirdparty.resources)
    stack = by_urn[thirdparty.of_type("pulumi:pulumi:Stack")[0].urn]
    assert stack["props"] == {"bucket": "shop-assets"}  # the stack's outputs are its exports
    offshore = by_urn[thirdparty.get(BUCKET, "offshore").urn]
    suffix_urn = thirdparty.get("random:index/randomString:RandomString", "suffix").urn
    assert offshore["dependencies"] == [suffix_urn] and offshore["propertyDependencies"]["bucket"] == [suffix_urn]
    assert offshore["props"]["arn"].startswith("arn:aws:s3:::")  # outputs, not inputs
    assert offshore["provider"] == thirdparty.get("pulumi:providers:aws", "singapore").urn


def test_engine_value_encoding() -> None:
    value = {"__defaults": ["x"], "n": 20, "ok": True, "nested": {"__internal": 1, "k": [1, "a"]},
             "ref": {SIG_KEY: RESOURCE_SIG, "urn": "urn:a", "id": "i-1"},
             "comp": {SIG_KEY: RESOURCE_SIG, "urn": "urn:comp", "id": ""},
             "secret": {SIG_KEY: SECRET_SIG, "value": 3}, "unknown": UNKNOWN}
    assert engine_value(value) == {"n": 20.0, "ok": True, "nested": {"k": [1.0, "a"]}, "ref": "i-1",
                                   "comp": "urn:comp", "secret": {SIG_KEY: SECRET_SIG, "value": 3.0},
                                   "unknown": UNKNOWN}
    assert go_duration_seconds("1h30m") == 5400 and go_duration_seconds("90s") == 90
    with pytest.raises(ValueError):
        go_duration_seconds("ten minutes")


def test_pack_that_cannot_start_is_one_line(violation: Graph, tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (tmp_path / "__main__.py").write_text("import no_such_module_siaga\n")
    with pytest.raises(AnalyzerError) as info:
        analyze(violation, packs=[tmp_path])
    assert "failed to start" in str(info.value) and "no_such_module_siaga" in str(info.value)
    with pytest.raises(AnalyzerError, match="no PulumiPolicy.yaml"):
        analyze(violation, packs=[PROGRAMS])


def test_prestarted_servers_are_used_then_killed_and_stale_ones_replaced(violation: Graph,
                                                                           result: AnalysisResult) -> None:
    from siaga.analyzer import StackEnv, prestart

    servers = prestart([CHECK_PACK], StackEnv.from_graph(violation))
    proc = servers[0].proc
    res = analyze(violation, packs=[CHECK_PACK], servers=servers)
    assert _keys(res.mandatory) == _keys(result.mandatory)
    assert proc.poll() is not None and servers[0].proc is None  # used, then killed
    stale = prestart([CHECK_PACK], StackEnv.of("other", "prod", {}))
    stale_proc = stale[0].proc
    res = analyze(violation, packs=[CHECK_PACK], servers=stale)
    assert _keys(res.mandatory) == _keys(result.mandatory) and stale_proc.poll() is not None
    assert not _pack_processes(CHECK_PACK.resolve())


@pytest.mark.parametrize("config", [None, {"explode": {"raiseOn": ["aws:sqs/queue:Queue"]}}, {"owner-tag": "remediate"}])
def test_two_servers_sharing_the_work_give_the_same_answer(violation: Graph, config: dict | None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from siaga.analyzer import run as run_module

    single = analyze(violation, packs=[CHECK_PACK], policy_config=config)
    monkeypatch.setattr(run_module, "PARALLEL_MIN_RESOURCES", 1)
    monkeypatch.setenv("SIAGA_ANALYZER_SERVERS", "2")
    monkeypatch.setattr(run_module, "_BATCH", 1)
    import threading

    helper_working = threading.Event()
    workers: list[str] = []
    original = run_module._PackRun._work

    def work(self, stub, tasks):  # the first server waits for the second, so the second surely takes tasks
        workers.append(threading.current_thread().name)
        if threading.current_thread() is threading.main_thread():
            helper_working.wait(timeout=20)
        else:
            helper_working.set()
        return original(self, stub, tasks)

    monkeypatch.setattr(run_module._PackRun, "_work", work)
    shared = analyze(violation, packs=[CHECK_PACK], policy_config=config)
    assert len(workers) == 2 and helper_working.is_set()
    dump = lambda r: sorted(f.model_dump_json() for f in r.findings)  # noqa: E731
    assert dump(shared) == dump(single) and shared.evaluated == single.evaluated
    assert not _pack_processes(CHECK_PACK.resolve())

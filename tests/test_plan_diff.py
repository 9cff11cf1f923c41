"""The plan diff's matching of new to old resources, as the engine's step generator does it (aliases, a parent's
alias inherited by its children, replace-forcing inputs), on hand-made resource lists."""

from __future__ import annotations

from siaga.engine.model import SECRET_SIG, SIG_KEY
from siaga.plan_diff import DELETED, REPLACED, _digest, diff, make_urn
from siaga.report_model import PlanResource

STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"
DB = "aws:rds/instance:Instance"
COMP = "proj:index:Data"


def _urn(typ: str, name: str, parent: str | None = None) -> str:
    ptype = parent.split("::")[2] if parent and parent != STACK else ""
    return make_urn("dev", "proj", ptype, typ, name)


def res(typ: str, name: str, parent: str | None = STACK, custom: bool = True, **kw) -> PlanResource:
    return PlanResource(urn=_urn(typ, name, parent), type=typ, name=name, parent=parent, custom=custom,
                        stateful=typ == DB, **kw)


def _run(base: list[PlanResource], pr: list[PlanResource]):  # noqa: ANN202
    return diff(base, pr, "dev", "proj", "base main")


def test_urn_nests_the_parent_type_but_not_the_root_stack() -> None:
    assert make_urn("dev", "proj", "pulumi:pulumi:Stack", DB, "db") == f"urn:pulumi:dev::proj::{DB}::db"
    assert make_urn("dev", "proj", "a:b:C$d:e:F", DB, "db") == f"urn:pulumi:dev::proj::a:b:C$d:e:F${DB}::db"


def test_a_parent_renamed_with_an_alias_carries_its_children_over() -> None:
    old_comp = res(COMP, "orders", custom=False)
    old_db = res(DB, "orders-db", parent=old_comp.urn, protect=True)
    new_comp = res(COMP, "sales", custom=False, aliases=[{"spec": {"name": "orders"}}])
    new_db = res(DB, "sales-db", parent=new_comp.urn, protect=True)  # 'orders' prefix swapped: inheritedChildAlias
    plan, lost = _run([old_comp, old_db], [new_comp, new_db])
    assert lost == [] and plan.delete == [] and plan.create == []
    assert {s.old_urn for s in plan.update} == {old_comp.urn, old_db.urn}
    # without the parent's alias: the database is deleted, and the finding gives the alias that keeps it
    plan, lost = _run([old_comp, old_db], [res(COMP, "sales", custom=False), new_db])
    assert [(f.policy, f.name) for f in lost] == [(DELETED, "orders-db")]
    assert f'pulumi.Alias(name="orders-db", parent="{old_comp.urn}")' in lost[0].message


def test_alias_by_urn_and_a_no_parent_spec() -> None:
    old = res(DB, "db")
    comp = res(COMP, "wrap", custom=False)
    by_urn = res(DB, "db2", parent=comp.urn, aliases=[old.urn])
    assert _run([old], [comp, by_urn])[1] == []
    no_parent = res(DB, "db", parent=comp.urn, aliases=[{"spec": {"noParent": True}}])
    assert _run([old], [comp, no_parent])[1] == []
    wrong = res(DB, "db", parent=comp.urn, aliases=[{"spec": {"name": "other", "noParent": True}}])
    assert [f.policy for f in _run([old], [comp, wrong])[1]] == [DELETED]


def test_replace_forcing_inputs_and_replace_on_changes() -> None:
    old = res(DB, "db", forcing={"identifier": _digest("a"), "engine": _digest("postgres")})
    new = res(DB, "db", forcing={"identifier": _digest("b"), "engine": _digest("postgres")})
    plan, lost = _run([old], [new])
    assert [s.reasons for s in plan.replace] == [["identifier"]] and [f.policy for f in lost] == [REPLACED]
    # an input the type does not force is an update, unless the resource asks with replaceOnChanges
    q_old = res("aws:sqs/queue:Queue", "q", forcing={}, inputs="1")
    q_new = res("aws:sqs/queue:Queue", "q", forcing={}, inputs="2")
    plan, lost = _run([q_old], [q_new])
    assert [s.name for s in plan.update] == ["q"] and lost == []
    q_old = res("aws:sqs/queue:Queue", "q", forcing={"name": _digest("x")}, replace_on_changes=["name"])
    q_new = res("aws:sqs/queue:Queue", "q", forcing={"name": _digest("y")}, replace_on_changes=["name"])
    plan, lost = _run([q_old], [q_new])
    assert [s.name for s in plan.replace] == ["q"] and lost == []  # replaced, but holds no data and not protected


def test_a_protected_resource_of_any_type_counts_and_an_unprotected_stateless_one_does_not() -> None:
    gone = [res("aws:sqs/queue:Queue", "jobs", protect=True), res("aws:sns/topic:Topic", "events")]
    plan, lost = _run(gone, [])
    assert {s.name for s in plan.delete} == {"jobs", "events"}
    assert [(f.policy, f.name) for f in lost] == [(DELETED, "jobs")]
    assert "no longer in the program" in lost[0].message


def test_a_secret_input_is_compared_by_its_marker_never_its_value() -> None:
    secret = {SIG_KEY: SECRET_SIG, "value": "hunter2"}
    assert _digest(secret) == "secret" == _digest({SIG_KEY: SECRET_SIG, "ciphertext": "zzz"})
    assert "hunter2" not in _digest(secret)


def test_a_region_change_replaces_the_resource() -> None:
    old = res(DB, "db", region="ap-southeast-3")
    plan, lost = _run([old], [res(DB, "db", region="ap-southeast-1")])
    assert plan.replace[0].reasons == ["region ap-southeast-3 -> ap-southeast-1"] and lost[0].policy == REPLACED
    assert _run([old], [res(DB, "db", region=None)])[0].replace == []  # unknown: no claim


def test_an_input_unknown_until_deployment_is_never_claimed_to_force_a_replacement() -> None:
    from siaga.engine.model import UNKNOWN

    old = res(DB, "db", forcing={"kmsKeyId": _digest("arn:aws:kms:ap-southeast-3:1:key/a")})
    new = res(DB, "db", forcing={"kmsKeyId": _digest(UNKNOWN)})
    plan, lost = _run([old], [new])
    assert plan.replace == [] and lost == []

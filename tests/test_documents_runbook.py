"""The runbook's commands run (#25): every fenced code block of the DRP, in both languages, for the three reference
stacks and a ``siaga new`` stack with a four-label domain, passes ``bash -n``, and every ``$VAR`` it reads is set by
an earlier command of the runbook or is one of the operator's inputs listed at the top of the document (nothing
else: no example value, no placeholder). tests/shell_vars.py is the variable analysis (no bashlex in the venv)."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from siaga.cli import app
from siaga.documents import drp
from siaga.documents.topology import Topology, analyse
from siaga.engine import run_program, run_stack
from tests.shell_vars import scan, undefined

REPO_ROOT = Path(__file__).resolve().parent.parent
STACKS = ("jakarta-prod", "jakarta-staging", "hybrid-pdn")
NEW_STACK = "bapenda-pbb-prod"
NEW_FLAGS = ["new", "bapenda", "--service", "pbb", "--domain", "pbb.bapenda.sumbarprov.go.id", "--owner",
             "bapenda-sumbar", "--cost-centre", "123456", "--contact-email", "ttis@bapenda.sumbarprov.go.id",
             "--standby", "standby.bapenda.sumbarprov.go.id", "--standby-ip", "198.51.100.40",
             "--contact-phone", "+62-751-123-4567", "--agency-name", "Badan Pendapatan Daerah Provinsi Sumatera Barat",
             "--approver", "Kepala Badan Pendapatan Daerah"]


@cache
def _topology(stack: str, root: str) -> Topology:
    if stack != NEW_STACK:
        return analyse(run_stack(stack))
    stacks = Path(root) / "stacks"
    stacks.mkdir(exist_ok=True)
    for p in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml"):  # siaga new avoids the reference stacks' networks
        shutil.copy(p, stacks / p.name)
    result = CliRunner().invoke(app, [*NEW_FLAGS, "--stacks-dir", str(stacks)])
    assert result.exit_code == 0, result.output
    project = Path(root) / "project"
    project.mkdir(exist_ok=True)
    (project / "Pulumi.yaml").write_text(yaml.safe_dump({
        "name": "siaga", "runtime": "python", "main": str(REPO_ROOT / "__main__.py"), "stackConfigDir": str(stacks)}))
    return analyse(run_program(project, stack=NEW_STACK))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("runbook"))


def code_blocks(markdown: str) -> list[str]:
    """The text of every fenced code block, in document order."""
    return re.findall(r"^```[a-z]*\n(.*?)^```", markdown, flags=re.M | re.S)


def listed_inputs(markdown: str) -> set[str]:
    """The operator's inputs as the document lists them: ``- `NAME`: ...`` lines before the first code block."""
    head = markdown.split("\n```", 1)[0]
    return set(re.findall(r"^- `([A-Z][A-Z0-9_]*)`: ", head, flags=re.M))


def syntax_errors(block: str) -> str:
    result = subprocess.run(["bash", "-n"], input=block, text=True, capture_output=True, check=False)
    return result.stderr if result.returncode else ""


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("stack", [*STACKS, NEW_STACK])
def test_every_command_parses_and_reads_only_set_variables(stack: str, lang: str, root: str) -> None:
    md = drp.render_markdown(_topology(stack, root), stack, lang=lang)
    blocks = code_blocks(md)
    assert len(blocks) >= 8, "the scenarios' and the incident steps' commands"
    for block in blocks:
        assert not syntax_errors(block), f"{stack} ({lang}): bash -n fails:\n{syntax_errors(block)}\n{block}"
    inputs = listed_inputs(md)
    lines = [line for block in blocks for line in block.split("\n")]
    missing = undefined(lines, inputs)
    assert not missing, f"{stack} ({lang}): read before set, not a listed input: " + ", ".join(
        f"${v} ({lines[n - 1][:90]})" for n, v in missing)
    used = {v for line in lines for v in scan(line)[0]}
    assert inputs <= used, f"listed but never read: {inputs - used}"
    assert not re.search(r"<[a-z][^>\n]*>", "\n".join(lines).replace("<<EOF", "")), "a <placeholder> in a command"


def test_the_checks_catch_what_the_runbook_used_to_print() -> None:
    """The analysis is not blind: the runbook's former lines fail it (a placeholder is a redirection bash rejects;
    a variable read before it is set, or never set, is named)."""
    assert "syntax error" in syntax_errors("INSTANCE=<instance id from the finding>\n")
    old = ['aws cloudtrail lookup-events --lookup-attributes AttributeKey=ResourceName,AttributeValue="$INSTANCE"',
           "INSTANCE=i-0abc  # set too late",
           'aws backup start-copy-job --recovery-point-arn "$ISOLATED_RP" --iam-role-arn "${BACKUP_ROLE}"',
           "aws iam put-role-policy --policy-document '{\"a\":\"$NOT_A_VARIABLE\"}'  # single quotes: literal",
           'echo "$(aws sts get-caller-identity --query "Account" --output text)"  # $IN_A_COMMENT']
    assert undefined(old, set()) == [(1, "INSTANCE"), (3, "ISOLATED_RP"), (3, "BACKUP_ROLE")]
    assert undefined(old, {"ISOLATED_RP", "BACKUP_ROLE"}) == [(1, "INSTANCE")]
    assert undefined(["for VOL in $(aws ec2 x); do", '  echo "$VOL"', "done"], set()) == []
    assert undefined(["read -r A B < <(aws sts x)", 'echo "$A$B"', "cat > f <<EOF", "$C", "EOF"], set()) == [(4, "C")]


@pytest.mark.parametrize(("program", "stack", "overrides"), [
    ("thirdparty", "dev", {}),  # no siaga config, no failover, no backups
    ("report_ha", "jakarta-prod", {"siaga:database": '{"mode": "multi-az-cluster"}'}),  # cluster restore commands
    ("report_ha", "jakarta-prod", {"siaga:azCount": "2"}),
])
def test_runbook_of_other_programs_runs(program: str, stack: str, overrides: dict[str, str]) -> None:
    graph = run_program(REPO_ROOT / "tests" / "fixtures" / "programs" / program, stack=stack, overrides=overrides)
    md = drp.render_markdown(analyse(graph), stack, lang="id")
    blocks = code_blocks(md)
    assert all(not syntax_errors(b) for b in blocks), [syntax_errors(b) for b in blocks if syntax_errors(b)]
    lines = [line for block in blocks for line in block.split("\n")]
    assert undefined(lines, listed_inputs(md)) == []

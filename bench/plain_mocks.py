"""A second baseline for `make bench`, with no siaga code at all: the program under the pulumi SDK's own mocks,
which answer every resource with its inputs and every invoke with nothing.

``python bench/plain_mocks.py PROGRAM_DIR STACK [key=value ...]`` prints the number of resources and the seconds the run took.
This is what an outside judge measures ("a plain SDK mock run"); `bare_mocks.py` answers invokes and computed
outputs with the engine's pure tables so that programs reading an account id or an AZ list can run at all. Only a
program that runs on plain mocks (bench/programs/stateful does) can be measured this way. The config is the
project's ``value:``/``default:`` entries and the stack file's ``config:``, read with PyYAML only.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import time
from pathlib import Path

START = time.perf_counter()


def _config(program: Path, stack: str) -> tuple[str, dict[str, str]]:
    import yaml

    project = yaml.safe_load((program / "Pulumi.yaml").read_text())
    name = project["name"]
    config: dict[str, str] = {}
    for key, decl in (project.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        value = decl.get("value", decl.get("default")) if isinstance(decl, dict) else decl
        if value is not None:
            config[full] = value if isinstance(value, str) else json.dumps(value)
    stack_file = program / project.get("stackConfigDir", ".") / f"Pulumi.{stack}.yaml"
    if stack_file.is_file():
        for key, value in ((yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}).items():
            full = key if ":" in key else f"{name}:{key}"
            config[full] = value if isinstance(value, str) else json.dumps(value)
    return name, config


def main(argv: list[str]) -> int:
    program, stack = Path(argv[1]).resolve(), argv[2]
    project, config = _config(program, stack)
    config.update(pair.partition("=")[::2] for pair in argv[3:])  # key=value overrides, as --config gives them
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    import pulumi
    from pulumi.runtime import mocks, settings

    count = 0

    class Mocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:
            nonlocal count
            count += 1
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: mocks.MockCallArgs) -> dict:
            return {}

    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(Mocks(), project=project, stack=stack, preview=False)
    settings.set_root_resource(None)  # type: ignore[arg-type]
    os.chdir(program)
    sys.path.insert(0, str(program))
    pulumi.runtime.sync_await._sync_await(  # type: ignore[attr-defined]
        pulumi.runtime.run_in_stack(lambda: runpy.run_path(str(program / "__main__.py"), run_name="__main__")))
    print(json.dumps({"resources": count, "seconds": time.perf_counter() - START}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

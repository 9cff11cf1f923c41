"""The baseline of `make bench`: a program run bare under the pulumi SDK's own mocks, in one fresh process.

``python bench/bare_mocks.py PROGRAM_DIR STACK [key=value ...]`` prints the number of resources registered and the
seconds the run took (import and program, as one process). No recording, no outputs computed, no policy: what the
SDK itself costs, which ``siaga check`` (engine + program + policies + report) is compared with.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import time
from pathlib import Path

START = time.perf_counter()

import yaml  # noqa: E402


def main(argv: list[str]) -> int:
    program, stack = Path(argv[1]).resolve(), argv[2]
    project = yaml.safe_load((program / "Pulumi.yaml").read_text())["name"]
    stack_file = yaml.safe_load((program / f"Pulumi.{stack}.yaml").read_text()) or {}
    config = {k if ":" in k else f"{project}:{k}": v if isinstance(v, str) else json.dumps(v)
              for k, v in (stack_file.get("config") or {}).items()}
    for pair in argv[3:]:
        k, _, v = pair.partition("=")
        config[k if ":" in k else f"{project}:{k}"] = v
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

    pulumi.runtime.set_all_config(config, [])
    pulumi.runtime.set_mocks(Mocks(), project=project, stack=stack, preview=False)
    settings.set_root_resource(None)  # type: ignore[arg-type]
    os.chdir(program)
    sys.path.insert(0, str(program))
    main_file = program / "__main__.py"
    pulumi.runtime.sync_await._sync_await(  # type: ignore[attr-defined]
        pulumi.runtime.run_in_stack(lambda: runpy.run_path(str(main_file), run_name="__main__")))
    print(json.dumps({"resources": count, "seconds": time.perf_counter() - START}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

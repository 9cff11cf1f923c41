"""What a check could not see: remote components, and the policy categories their invisible children leave
unverified.

A remote (multi-language) component (``awsx:ec2:Vpc``, ``eks:index:Cluster``...) is built by its provider's
``Construct`` at deployment; a program run offline records the component (type, inputs, ``remote``) but none of
its children. Which policies would have judged those children is derived from the packs themselves, not from a
list kept here: each policy module's source is read (never imported) for the resource type tokens it names (string
literals, and module constants such as ``RDS_TYPES`` from any file of the pack) and the prefixes it matches
(``t.startswith("aws:")``), with its ``category="..."``. A component's children live in the provider packages its
package is built on (:data:`BUILT_ON`, by package, e.g. awsx -> aws); when the component's module is also a module
of those packages (``awsx:ec2`` -> ``aws:ec2/...``: the provider SDK has that module, or a policy names one of its
types), only that module's types count. A category is unverified when
one of its active policies names a type (or prefix) its children could have.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from siaga.analyzer import AnalysisResult
    from siaga.engine.model import Graph

BUILT_ON: dict[str, tuple[str, ...]] = {
    "awsx": ("aws",),
    "eks": ("aws", "kubernetes"),
    "aws-apigateway": ("aws",),
    "aws-static-website": ("aws",),
    "aws-quickstart-aurora-postgres": ("aws",),
    "aws-quickstart-vpc": ("aws",),
    "aws-quickstart-redshift": ("aws",),
    "kubernetes-cert-manager": ("kubernetes",),
    "kubernetes-coredns": ("kubernetes",),
    "kubernetes-ingress-nginx": ("kubernetes",),
}
"""Component packages -> the provider packages their children are of (each package's README on the Pulumi
Registry, e.g. https://www.pulumi.com/registry/packages/awsx/ "AWSX ... built on top of the AWS provider"). A
package named ``aws-*`` or ``kubernetes-*`` is taken to build on that provider; any other unknown package may hold
anything, so every category stays unverified for it."""

_TOKEN = re.compile(r"^[a-z][a-z0-9-]*:[A-Za-z0-9_.\-/]+:[A-Za-z0-9_]+$")
_PREFIX = re.compile(r"^[a-z][a-z0-9-]*:([A-Za-z0-9_.\-]+/)?$")
_LITERALS = (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Constant, ast.BinOp)


@dataclass
class PolicyTypes:
    category: str
    tokens: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)


@dataclass
class Unseen:
    components: list[str] = field(default_factory=list)
    """``name (type)`` of every remote component of the graph."""
    categories: list[str] = field(default_factory=list)


def _strings(node: ast.AST) -> tuple[set[str], set[str], set[str]]:
    """(type tokens, type prefixes, names referenced) inside ``node``."""
    tokens: set[str] = set()
    prefixes: set[str] = set()
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            if _TOKEN.match(sub.value):
                tokens.add(sub.value)
            elif _PREFIX.match(sub.value) and not sub.value.startswith(("arn:", "http:", "https:")):
                prefixes.add(sub.value)
        elif isinstance(sub, ast.Name):
            names.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            names.add(sub.attr)
    return tokens, prefixes, names


@functools.cache
def pack_policy_types(pack_dir: Path) -> tuple[PolicyTypes, ...]:
    """Per policy module of the pack (a file with ``category="..."``): its category and the types it names."""
    constants: dict[str, set[str]] = {}
    modules: list[tuple[str, set[str], set[str], set[str]]] = []
    for path in sorted(pack_dir.rglob("*.py")):
        if any(part.startswith(".") or part in ("venv", "site-packages", "tests") for part in path.parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                value = stmt.value
                if value is None or not isinstance(value, _LITERALS):
                    continue  # a constant of type tokens, not a policy object built from them
                toks, _, _ = _strings(value)
                for t in targets:
                    if isinstance(t, ast.Name) and t.id.isupper() and toks:
                        constants.setdefault(t.id, set()).update(toks)
        categories = {kw.value.value for sub in ast.walk(tree) if isinstance(sub, ast.Call)
                      for kw in sub.keywords if kw.arg == "category" and isinstance(kw.value, ast.Constant)
                      and isinstance(kw.value.value, str)}
        if len(categories) == 1:
            tokens, prefixes, names = _strings(tree)
            modules.append((categories.pop(), tokens, prefixes, names))
    out = []
    for category, tokens, prefixes, names in modules:
        all_tokens = set(tokens)
        for n in names:
            all_tokens |= constants.get(n, set())
        out.append(PolicyTypes(category, all_tokens, prefixes))
    return tuple(out)


def _built_on(package: str) -> tuple[str, ...] | None:
    if package in BUILT_ON:
        return BUILT_ON[package]
    for base in ("aws", "kubernetes", "azure", "gcp"):
        if package.startswith(base + "-") and package != "aws-native":
            return (base,)
    return None


def _modules(policies: list[PolicyTypes], packages: tuple[str, ...]) -> set[str]:
    return {t.split(":")[1].split("/")[0] for p in policies for t in p.tokens if t.split(":")[0] in packages}


@functools.cache
def _sdk_has_module(package: str, module: str) -> bool:
    """Whether the provider's Python SDK has ``module`` (``pulumi_aws/ec2/``), found without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("pulumi_" + package.replace("-", "_"))
    except (ImportError, ValueError):
        return False
    return bool(spec and spec.origin and module and (Path(spec.origin).parent / module).is_dir())


def _could_hold(policy: PolicyTypes, packages: tuple[str, ...], module: str, narrowed: bool) -> bool:
    """Whether a child of a component of ``module`` built on ``packages`` could be a type the policy names;
    ``narrowed``: the module is one of those packages' modules, so only its types count."""
    for t in policy.tokens:
        pkg, mod = t.split(":")[0], t.split(":")[1].split("/")[0]
        if pkg in packages and (not narrowed or mod == module):
            return True
    for p in policy.prefixes:
        pkg, _, rest = p.partition(":")
        if pkg in packages and (not rest or not narrowed or rest.rstrip("/") == module):
            return True
    return False


def unseen(graph: Graph, result: AnalysisResult, pack_dirs: list[Path]) -> Unseen:
    """The graph's remote components and the active policy categories their children leave unverified."""
    remote = [r for r in graph.resources if r.remote]
    if not remote:
        return Unseen()
    active = {t.split(":", 1)[1] for p in result.policies if p.enforcement != "disabled"
              for t in p.tags if t.startswith("category:")}
    policies = [pt for d in pack_dirs for pt in pack_policy_types(Path(d).resolve())]
    found: set[str] = set()
    for r in remote:
        parts = r.type.split(":")
        packages = _built_on(parts[0])
        module = parts[1] if len(parts) > 2 else ""
        if packages is None or not policies:
            found |= active or {pt.category for pt in policies}  # may hold anything: nothing inside is verified
            continue
        narrowed = module in _modules(policies, packages) or any(_sdk_has_module(p, module) for p in packages)
        found |= {pt.category for pt in policies if _could_hold(pt, packages, module, narrowed)}
    if active:
        found &= active
    return Unseen(components=[f"{r.name} ({r.type})" for r in remote], categories=sorted(found))

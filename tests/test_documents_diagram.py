"""The architecture diagram (#25), laid out by Graphviz from the graph: the traffic path users → Route 53 → AWS WAF
→ ALB → the application in every AZ → the database, the failover edge to the standby, the replication over the VPN
to the standby database, and the separate backup account as a boundary of its own (not inside the stack's account).
Read from what is drawn (the SVG's edge titles, each ``tail->head``) and from the DOT source's clusters; labels in
one language; graph text cannot break out of a label."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

from siaga.documents import availability
from siaga.documents.diagram import dot_source, draw, q
from siaga.documents.topology import Topology, analyse
from siaga.engine import run_stack
from siaga.i18n import language

pytestmark = pytest.mark.skipif(shutil.which("dot") is None,
                                reason="graphviz dot (scripts/ci-apt-packages.txt) is not installed")
DAY = dt.date(2026, 1, 31)


@cache
def topo(stack: str) -> Topology:
    return analyse(run_stack(stack))


def svg_edges(svg: Path) -> set[tuple[str, str]]:
    titles = [e.findtext("{http://www.w3.org/2000/svg}title") or "" for e in ET.parse(svg).getroot().iter()
              if e.get("class") == "edge"]
    return {tuple(t.split("->")) for t in titles}  # type: ignore[misc]


def cluster_members(source: str) -> dict[str, set[str]]:
    """Nodes declared in each cluster (directly or in a nested one)."""
    members: dict[str, set[str]] = {}
    stack: list[str] = []
    for line in source.splitlines():
        m = re.match(r"\s*subgraph (cluster_\w+) \{", line)
        if m:
            stack.append(m.group(1))
            members[m.group(1)] = set()
            continue
        if line.strip() == "}" and stack:
            stack.pop()
            continue
        node = re.match(r"\s*(\w+) \[label=", line)
        if node:
            for c in stack:
                members[c].add(node.group(1))
    return members


@pytest.mark.parametrize("stack", ["jakarta-prod", "hybrid-pdn"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_diagram_draws_the_traffic_path_standby_and_account_boundary(stack: str, lang: str, tmp_path: Path) -> None:
    t, doc = topo(stack), language(lang)
    png, svg = draw(t, tmp_path, spofs=availability.budget(t, doc).spofs, lang=doc, day=DAY)
    assert png.read_bytes().startswith(b"\x89PNG")
    edges = svg_edges(svg)
    apps = sorted(h for a, h in edges if a == "alb")
    assert len(apps) == len(t.zones) == 3, "one application node per AZ behind the ALB"
    path = {("users", "dns"), ("dns", "waf"), ("waf", "alb")} | {(a, "db0") for a in apps}
    assert path <= edges, path - edges
    assert {("dns", "standby"), ("db0", "vpn"), ("vpn", "standby_db0"), ("regional", "isolated0")} <= edges
    source = dot_source(t, [], doc, DAY)
    members = cluster_members(source)
    assert "isolated0" in members["cluster_backup0"] and "isolated0" not in members["cluster_account"]
    assert {"dns", "waf", "alb", "db0", "vpn", *apps} <= members["cluster_account"]
    assert {"standby", "standby_db0"} <= members["cluster_standby"] and "users" not in members["cluster_account"]
    for i, zone in enumerate(t.zones):
        assert f"AZ {zone}" in source and any(a in members[f"cluster_az{i}"] for a in apps)
    text = " ".join("".join(e.itertext()) for e in ET.parse(svg).getroot().iter() if e.tag.endswith("}text"))
    assert "ap-southeast-3" in text and "2026-01-31" in text and "111122223333" in text
    assert ("Legenda" if lang == "id" else "Legend") in text and "DMS" in text and "WAF" in text


def test_graph_text_is_inert_in_a_label() -> None:
    """A name with a quote, a backslash or a Graphviz escape stays text: it cannot close the label or inject
    attributes."""
    assert q('a"] ; evil [label="x') == '"a\\"] ; evil [label=\\"x"'
    assert q("\\N\\G") == '"\\\\N\\\\G"' and q("two\nlines") == '"two\\nlines"'
